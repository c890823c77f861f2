#!/bin/sh
# SPDX-License-Identifier: MIT
# PCA of an index with few entries and many columns: one entry needs no
# axes at all, and fewer entries than columns go through the n x n Gram
# matrix, not the d x d covariance (4 x 32 GiB for 65536 columns). The
# memory limit makes the old way fail with "out of memory".
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
# 65536 columns (the most a stream may have), three entries of small
# integers; the third point mirrors the first through the second's line
awk 'BEGIN {
    D = 65536
    printf "path"
    for (j = 0; j < D; j++) printf "\tc%05d", j
    printf "\n"
    for (i = 0; i < 3; i++) {
        printf "f%d.wav", i
        for (j = 0; j < D; j++) printf "\t%d", (i * 7 + j * 13) % 17
        printf "\n"
    }
}' >wide.tsv
as-index -o wide.asx wide.tsv
head -n 2 wide.tsv | as-index -o one.asx

# A sanitizer build reserves more address space than any limit allows.
limit=
if (ulimit -v 1000000 && as-map --version) >/dev/null 2>&1; then
    limit="ulimit -v 1000000;"
else
    echo "note: as-map does not run under ulimit -v; memory not bounded" >&2
fi

run sh -c "$limit as-map -m pca one.asx"
expect_status 0
expect_no_err
expect_out "path	label	cluster	anomaly	x	y" \
    "f0.wav				0.000000	0.000000"
run sh -c "$limit as-map one.asx"
expect_status 0
expect_no_err
expect_out "path	label	cluster	anomaly	x	y" \
    "f0.wav				0.000000	0.000000"

# Three entries: two axes; f0 and f2 lie symmetric about f1's axis.
run sh -c "$limit as-map -m pca -H wide.asx"
expect_status 0
expect_no_err
awk -F '\t' 'function abs(v) { return v < 0 ? -v : v }
    NF != 6 { exit 1 }
    { x[NR] = $5; y[NR] = $6 }
    END {
        if (NR != 3) exit 1
        if (abs(x[1] - x[3]) > 1e-5 || x[1] <= 0.1) exit 1
        if (abs(y[1] + y[3]) > 1e-5 || abs(y[1]) < 0.1) exit 1
        if (abs(y[2]) > 1e-5 || abs(x[1] + x[2] + x[3]) > 1e-5) exit 1
    }' "$T/out" || { cat "$T/out" >&2; fail "PCA of wide.asx"; }
run sh -c "$limit as-map -i 250 -H wide.asx"
expect_status 0
expect_err "as-map: wide.asx: perplexity 30 is not below the 3 entries; 0.666667 used"
