#!/bin/sh
# SPDX-License-Identifier: MIT
# Filters, alone (--list) and with queries.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder
as-extract -r samples >lib.tsv
as-index -o lib.asx lib.tsv
# clusters 0, 1, 2 in turn over the entries (as-cluster --write's job)
ixcluster lib.asx 3
as-index -d lib.asx | awk -F '\t' 'NR > 1 { print $1 "\t" $2 "\t" $3 }' >entries
n=$(wc -l <entries)

# --list: every entry, in index order, with the header.
run as-search -L lib.asx
expect_status 0
expect_no_err
[ "$(head -n 1 "$T/out")" = "path	label	duration_s	cluster" ] || fail "-L header"
tail -n +2 "$T/out" | cut -f 1-3 | cmp -s - entries || fail "-L entries"
tail -n +2 "$T/out" | awk -F '\t' '$4 != (NR - 1) % 3 { exit 1 }' ||
    fail "-L clusters"
run as-search -L -n 2 -H lib.asx
[ "$(wc -l <"$T/out")" -eq 2 ] || fail "-n 2"

# Each filter against the same selection made with awk.
list() { as-search -L -H "$@" lib.asx | cut -f 1; }
want() { awk -F '\t' "$1" entries | cut -f 1; }
[ "$(list -l kicks)" = "$(want '$2 == "kicks"')" ] || fail "-l kicks"
[ "$(list -l kicks -l loops)" = "$(want '$2 == "kicks" || $2 == "loops"')" ] ||
    fail "-l kicks -l loops"
[ -z "$(list -l nothing)" ] || fail "-l nothing"
[ "$(list -t 0:1)" = "$(want '$3 <= 1')" ] || fail "-t 0:1"
[ "$(list -t 1:)" = "$(want '$3 >= 1')" ] || fail "-t 1:"
[ "$(list -t :0.5)" = "$(want '$3 <= 0.5')" ] || fail "-t :0.5"
# a bound that underflows is a number (rounded), not a usage error
[ "$(list -t 1e-320:)" = "$(want '$3 > 0')" ] || fail "-t 1e-320:"
[ "$(list -g '*.flac')" = "$(want '$1 ~ /\.flac$/')" ] || fail "-g *.flac"
[ "$(list -g 'samples/t*' -g '*amen*')" = "$(want '$1 ~ /^samples\/t|amen/')" ] ||
    fail "-g twice"
[ "$(list -c 1)" = "$(awk 'NR % 3 == 2' entries | cut -f 1)" ] || fail "-c 1"
[ "$(list -c 0 -c 2)" = "$(awk 'NR % 3 != 2' entries | cut -f 1)" ] || fail "-c 0 -c 2"
# kinds combine: all must pass
[ "$(list -g '*.wav' -t 0:2 -l tones -l kicks)" = \
    "$(want '$1 ~ /\.wav$/ && $3 <= 2 && ($2 == "tones" || $2 == "kicks")')" ] ||
    fail "combined filters"
[ -n "$(list -g '*.wav' -t 0:2 -l tones -l kicks)" ] || fail "combined: nothing left"

# JSON --list.
run as-search -L -J -n 1 lib.asx
expect_out "{\"filename\":\"$(head -n 1 entries | cut -f 1)\",\"label\":\"$(head -n 1 entries | cut -f 2)\",\"duration\":$(head -n 1 entries | cut -f 3),\"cluster\":0}"

# With a query: only entries that pass come back, nearest first, the same
# as the unfiltered ranking with the others left out.
as-search -H -k "$n" lib.asx samples/kicks/kick_44k1.flac >all
for f in "-l tones" "-g *.flac" "-t 0:1" "-c 2" "-l kicks -t 1:"; do
    # shellcheck disable=SC2086
    as-search -H -k "$n" $f lib.asx samples/kicks/kick_44k1.flac >got
    # shellcheck disable=SC2086
    list $f >sel
    # the same rows, ranked anew
    awk -F '\t' 'BEGIN { OFS = FS } NR == FNR { keep[$1] = 1; next }
        $3 in keep { $2 = ++r; print }' sel all >want
    cmp -s want got || { diff want got; fail "query with $f"; }
done
run as-search -H -k 2 -l tones lib.asx samples/kicks/kick_44k1.flac
[ "$(wc -l <"$T/out")" -eq 2 ] || fail "-k 2 after a filter"
run as-search -H -l nothing lib.asx samples/kicks/kick_44k1.flac
expect_status 0
expect_out_empty

# Usage errors.
run as-search -t 2:1 -L lib.asx
expect_status 2
run as-search -t 1 -L lib.asx
expect_status 2
run as-search -n 3 lib.asx samples/kicks/kick_44k1.flac
expect_status 2
run as-search -L lib.asx samples/kicks/kick_44k1.flac
expect_status 2
run as-search -c -1 -L lib.asx
expect_status 2

# A filter no entry passes (a mistyped label): an empty answer, with a
# note that says why; -q hides it; over shards, no name.
run as-search -l kick lib.asx samples/kicks/kick_44k1.flac
expect_status 0
expect_err "as-search: lib.asx: no entry passes the filters"
run as-search -q -l kick -L lib.asx
expect_status 0
expect_no_err
run as-search -l kick -L lib.asx lib.asx
expect_err "as-search: no entry passes the filters"
