#!/bin/sh
# SPDX-License-Identifier: MIT
# The entry filters (--cluster, -g, -l, -t): as-stats describes the
# entries that pass as if the index held only them; the index section
# still describes the file.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder
as-extract -r samples >lib.tsv
as-index -o lib.asx lib.tsv
{ head -n 1 lib.tsv; grep -E '^samples/(kicks|loops)/' lib.tsv; } >sub.tsv
as-index -o sub.asx sub.tsv

set -f # the globs are as-stats's
for m in "-n" "-c -e -k 2" "-e -m"; do
    as-stats $m sub.asx | sed '/^index	/d' >want
    for f in "-l kicks -l loops" "-g *kicks* -g samples/loops/*" \
        "--path-glob=*s/kicks/* --path-glob=*/loops/*"; do
        # shellcheck disable=SC2086 # the options split on purpose
        run as-stats $m $f lib.asx
        expect_status 0
        expect_no_err
        sed '/^index	/d' "$T/out" | cmp -s want - ||
            { diff want "$T/out" >&2 || true; fail "as-stats $m $f"; }
    done
done
set +f
# the index section is the file's
as-stats -n lib.asx | grep '^index	' >want
run as-stats -n -l kicks lib.asx
grep '^index	' "$T/out" | cmp -s want - || fail "index section"

# Durations and clusters: as many entries as as-search -L lists.
n=$(as-search -L -H -t 0.5:3 lib.asx | wc -l)
run as-stats -n -t 0.5:3 lib.asx
expect_status 0
expect_out_line "entries	total	$n"
as-cluster -W -k 2 lib.asx >/dev/null
n=$(as-search -L -H -c 0 lib.asx | wc -l)
run as-stats -n --cluster=0 lib.asx
expect_out_line "entries	total	$n"

# Bad values.
USAGE="$(as_usage as-stats)
Try 'as-stats --help'."
run as-stats --cluster=one lib.asx
expect_status 2
expect_err "as-stats: --cluster: 'one' is not an integer" "$USAGE"
