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

# The labels are those entries have: a label whose entries were all
# pruned is counted and listed as in an index built without them.
mkdir p
cp -r samples p/
(
    cd p
    as-extract -q -r samples | as-index -q -o lib.asx
    rm -r samples/tones
    as-extract -q -r samples | as-index -q -u lib.asx -p
    as-extract -q -r samples | as-index -q -o fresh.asx
)
# (the counts: the figures of the search move with the statistics,
# which the update keeps)
counts() {
    as-stats -n -e -k 2 "$@" | grep -E '^(entries|label|eval_label)	' |
        cut -f 1-3
    as-stats -n -e -k 2 -J "$@" |
        sed 's/.*\("labels":[0-9]*\).*\("genres":{[^}]*}\).*/\1 \2/'
}
counts p/fresh.asx >want
counts p/lib.asx >got
grep -q tones got && fail "as-stats: the pruned label: $(cat got)"
cmp -s want got || { diff want got >&2 || true; fail "as-stats: a pruned label"; }

# Of no entries, the columns' statistics are not known: empty, or null.
run as-stats -n -c -l none lib.asx
expect_status 0
grep '^column	' "$T/out" >cols
[ -s cols ] || fail "as-stats -c: no column lines"
cut -f 4- cols | sort -u | grep -qvx "$(printf '\t\t\t')" &&
    fail "as-stats -c of no entries: $(head -n 2 cols)"
run as-stats -n -c -J -l none lib.asx
expect_status 0
grep -q '"min":null,"max":null' "$T/out" ||
    fail "as-stats -c -J of no entries: $(head -c 300 "$T/out")"
