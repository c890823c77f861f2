#!/bin/sh
# SPDX-License-Identifier: MIT
# Batches of queries answer the same with and without the batch path's
# low-dimensional bound (AS_SEARCH_BOUND, as-search(1) "Exact search"),
# on a library of tight clusters: the nine sounds, 40 times each, nudged.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder
as-extract -r samples >lib.tsv
awk -F '\t' 'BEGIN { OFS = FS }
    NR == 1 { print; next }
    { row[NR] = $0 }
    END {
        for (c = 0; c < 40; c++)
            for (r = 2; r <= NR; r++) {
                n = split(row[r], f, "\t")
                f[1] = "copy" c "/" f[1]
                # the features, past path, duration, size, mtime and hash
                for (i = 6; i <= n; i++)
                    if (f[i] ~ /^-?[0-9][0-9.]*([eE][-+]?[0-9]+)?$/)
                        f[i] = sprintf("%.9g", f[i] * (1 + 0.001 * (((c * 7 + i * 3 + r) % 11) - 5)))
                line = f[1]
                for (i = 2; i <= n; i++)
                    line = line OFS f[i]
                print line
            }
    }' lib.tsv >big.tsv
[ "$(wc -l <big.tsv)" -gt 300 ] || fail "big.tsv: $(wc -l <big.tsv) lines"
as-index -o lib.asx big.tsv

for metric in cosine euclidean; do
    for k in 1 10 100; do
        AS_SEARCH_BOUND=off as-search -H -k $k -m $metric -F big.tsv lib.asx >off
        AS_SEARCH_BOUND=always as-search -H -k $k -m $metric -F big.tsv lib.asx >always
        as-search -H -k $k -m $metric -F big.tsv lib.asx >auto
        [ -s off ] || fail "no results: $metric $k"
        cmp -s off always || { diff off always | head; fail "always: $metric $k"; }
        cmp -s off auto || { diff off auto | head; fail "auto: $metric $k"; }
    done
done
