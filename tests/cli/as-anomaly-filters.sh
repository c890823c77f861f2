#!/bin/sh
# SPDX-License-Identifier: MIT
# The entry filters (--cluster, --duration, -g, -l): as-anomaly works on
# the entries that pass as if the index held only them.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder
as-extract -r samples >lib.tsv
as-index -o lib.asx lib.tsv
{ head -n 1 lib.tsv; grep -E '^samples/(hats|tones|loops)/' lib.tsv; } >sub.tsv
as-index -o sub.asx sub.tsv

set -f # the globs are as-anomaly's
for m in "-k 2" "-a lof -k 2" "-a iforest" "-M -k 2"; do
    as-anomaly $m sub.asx >want
    for f in "-l hats -l tones -l loops" "-g *s/[htl]o* -g *hats*" \
        "--label=loops --label=tones --label=hats --path-glob=*" "-l tones -l hats -l loops"; do
        run as-anomaly $m $f lib.asx
        expect_status 0
        expect_no_err
        cmp -s want "$T/out" || { diff want "$T/out" >&2 || true; fail "as-anomaly $m $f"; }
    done
done
set +f

# Durations and clusters: the entries as-search -L lists.
as-search -L -H --duration=1: lib.asx | cut -f 1 | sort >long
run as-anomaly -H -k 2 --duration 1: lib.asx
expect_status 0
cut -f 1 "$T/out" | sort | cmp -s long - || fail "--duration 1:"
as-cluster -W -k 2 lib.asx >/dev/null
as-search -L -H -c 0 lib.asx | cut -f 1 | sort >zero
run as-anomaly -H -k 1 --cluster 0 lib.asx
expect_status 0
cut -f 1 "$T/out" | sort | cmp -s zero - || fail "--cluster 0"

# Bad values; -W wants the whole index.
USAGE="$(as_usage as-anomaly)
Try 'as-anomaly --help'."
run as-anomaly --duration 3 lib.asx
expect_status 2
expect_err "as-anomaly: --duration: '3' is not MIN:MAX" "$USAGE"
run as-anomaly --cluster -2 lib.asx
expect_status 2
expect_err "as-anomaly: --cluster: -2 is out of range (0 to 2147483647)" "$USAGE"
run as-anomaly -W -g '*' lib.asx
expect_status 2
expect_err "as-anomaly: -W stores every entry's score: not with --cluster, --duration, -g or -l" "$USAGE"

# A filter no entry passes (a mistyped label): an empty answer, with a
# note that says why; -q hides it.
run as-anomaly -l kick lib.asx
expect_status 0
expect_err "as-anomaly: lib.asx: no entry passes the filters"
[ "$(wc -l <"$T/out")" -eq 1 ] || fail "-l kick: rows"
run as-anomaly -q -l kick lib.asx
expect_no_err
