#!/bin/sh
# SPDX-License-Identifier: MIT
# The entry filters (--cluster, -g, -l, -t): as-map maps the entries
# that pass as if the index held only them.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder
as-extract -r samples >lib.tsv
as-index -o lib.asx lib.tsv
{ head -n 1 lib.tsv; grep -E '^samples/(hats|tones)/' lib.tsv; } >sub.tsv
as-index -o sub.asx sub.tsv

set -f # the globs are as-map's
for m in "-m pca" "-p 2 -i 250" "-m pca -d 3 -J"; do
    as-map $m sub.asx >want
    for f in "-l hats -l tones" "-g *hats* -g samples/tones/*" \
        "--label=tones --label=hats"; do
        run as-map $m $f lib.asx
        expect_status 0
        expect_no_err
        cmp -s want "$T/out" || { diff want "$T/out" >&2 || true; fail "as-map $m $f"; }
    done
done
set +f
# the page names the index: one of the same name
mkdir s
cp sub.asx s/lib.asx
as-map -m pca -w want.html s/lib.asx
run as-map -m pca -l hats -l tones -w got.html lib.asx
expect_status 0
cmp -s want.html got.html || fail "-w with -l"

# Durations and clusters: the entries as-search -L lists.
as-search -L -H -t :1 lib.asx | cut -f 1 >short
run as-map -H -m pca -t :1 lib.asx
expect_status 0
cut -f 1 "$T/out" | cmp -s short - || fail "-t :1"
as-cluster -W -k 2 lib.asx >/dev/null
as-search -L -H -c 1 lib.asx | cut -f 1 >one
run as-map -H -m pca --cluster 1 lib.asx
expect_status 0
cut -f 1 "$T/out" | cmp -s one - || fail "--cluster 1"

# Bad values; -P wants the whole index.
USAGE="$(as_usage as-map)
Try 'as-map --help'."
# An index is a file, as for every index-reading tool.
run as-map - <lib.asx
expect_status 2
expect_err "as-map: an index is a file, not standard input" "$USAGE"
run as-map -t x: lib.asx
expect_status 2
expect_err "as-map: -t: 'x' is not a number" "$USAGE"
run as-map -P -l hats lib.asx
expect_status 2
expect_err "as-map: -P maps the whole index: not with --cluster, -g, -l or -t" "$USAGE"
