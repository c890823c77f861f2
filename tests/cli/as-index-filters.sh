#!/bin/sh
# SPDX-License-Identifier: MIT
# The entry filters (--cluster, -g, --label, -t) of as-index: -d writes
# only the entries that pass, merge builds its index from them; a merge
# that nothing passes leaves the output as it was; the other modes
# refuse them.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder
as-extract -r samples >lib.tsv
as-index -o lib.asx lib.tsv
as-extract -r samples/tones | as-index -q -o tones.asx

# -d: the rows of the whole dump of the entries that pass
as-index -d lib.asx >all.tsv
set -f # the globs are as-index's
{ head -n 1 all.tsv; grep -E '^samples/(kicks|loops)/' all.tsv; } >want
[ "$(wc -l <want)" -eq 5 ] || fail "the sample folder has changed"
for f in "--label=kicks --label=loops" "-g *kicks* -g samples/loops/*" \
    "--path-glob=*s/kicks/* --path-glob=*/loops/*"; do
    # shellcheck disable=SC2086 # the options split on purpose
    run as-index -d lib.asx $f
    expect_status 0
    expect_no_err
    expect_out_file want
done
set +f
# labels and globs together: both must hold
run as-index -d lib.asx -H --label=kicks -g '*808*'
expect_status 0
[ "$(cut -f 1 "$T/out")" = samples/kicks/real_bd_808_44k1.wav ] ||
    fail "--label with -g: $(cut -f 1 "$T/out")"
# durations: as many as as-search -L lists
n=$(as-search -L -H -t 0.5:3 lib.asx | wc -l)
[ "$n" -gt 0 ] && [ "$n" -lt "$(($(wc -l <all.tsv) - 1))" ] ||
    fail "the duration range should keep some entries, not all: $n"
run as-index -d lib.asx -H -t 0.5:3
expect_status 0
expect_no_err
[ "$(wc -l <"$T/out")" -eq "$n" ] || fail "-t: $(wc -l <"$T/out") rows, want $n"
awk -F '\t' '$3 < 0.5 || $3 > 3 { exit 1 }' "$T/out" || fail "-t: a row out of range"
# clusters, as as-cluster -W stored them
as-cluster -W -k 2 lib.asx >/dev/null
as-search -L -H --cluster=1 lib.asx | cut -f 1 >want
[ -s want ] || fail "cluster 1 is empty"
run as-index -d lib.asx -H --cluster=1
expect_status 0
expect_no_err
cut -f 1 "$T/out" | cmp -s want - || fail "--cluster"
# nothing passes: the header alone, and a note (a mistyped label looks
# like an empty index otherwise) that -q keeps quiet
run as-index -d lib.asx --label=nothing
expect_status 0
expect_out "$(head -n 1 all.tsv)"
expect_err "as-index: lib.asx: no entry passes the filters"
run as-index -q -d lib.asx --label=nothing
expect_status 0
expect_no_err

# merge: an index of the entries of each that pass, with their metadata
run as-index merge -q --label=kicks --label=tones -o sub.asx lib.asx tones.asx
expect_status 0
expect_no_err
as-search -L -H lib.asx tones.asx | cut -f 1,2 |
    awk -F '\t' '$2 == "kicks" || $2 == "tones"' | sort >want
as-search -L -H sub.asx | cut -f 1,2 | sort >got
cmp -s want got || { diff want got >&2 || true; fail "merge --label"; }
# the cluster each entry had in its index comes along
as-search -L -H --cluster=0 lib.asx | cut -f 1 | sort >want
as-index merge -q --cluster=0 -o c0.asx lib.asx
as-search -L -H c0.asx | cut -f 1,4 | sort >got
awk -F '\t' '{ print $1 "\t0" }' want | cmp -s - got ||
    { diff want got >&2 || true; fail "merge --cluster"; }

# A filtered merge is the unfiltered merge, filtered: an entry that a
# later index holds is that index's, and goes when it does not pass.
# upd.asx holds the 808 kick relabelled snares.
cp lib.asx upd.asx
awk -F '\t' -v OFS='\t' 'NR == 1 { print; next }
    $1 ~ /808/ { $2 = "snares"; print }' all.tsv >relabel.tsv
as-index -q -u upd.asx relabel.tsv
as-index merge -q -o whole.asx lib.asx upd.asx
set -f
for f in "--label=kicks" "--label=snares --label=hats" "-g *kicks*" \
    "-t 0.5:3" "--cluster=0 --cluster=1" "--label=kicks -g *808*"; do
    # shellcheck disable=SC2086
    as-index -d whole.asx $f >want
    rm -f part.asx
    # shellcheck disable=SC2086
    run as-index merge $f -o part.asx lib.asx upd.asx
    if [ "$(wc -l <want)" -eq 1 ]; then
        expect_status 1 # nothing passes: nothing written
        [ ! -e part.asx ] || fail "merge $f wrote part.asx"
        continue
    fi
    expect_status 0
    as-index -d part.asx | cmp -s want - ||
        { as-index -d part.asx | cut -f 1,2 >&2; fail "merge $f"; }
done
set +f
# what the later index's failing entry took out is counted as removed
run as-index merge -J --label=kicks -o part.asx lib.asx upd.asx
expect_out '{"index":"part.asx","added":2,"changed":0,"unchanged":1,"removed":1,"failed":0}'
[ "$(as-search -L -H part.asx | cut -f 1)" = samples/kicks/kick_44k1.flac ] ||
    fail "the relabelled 808 is still in the kicks"
# the other way round, lib.asx's 808 (kicks) hides upd.asx's (snares)
run as-index merge --label=snares -o part.asx upd.asx lib.asx
expect_status 1
expect_err "as-index: part.asx: no entry of the indexes read passes the filters; not written"

# a merge nothing passes writes nothing: the output is as it was
cp sub.asx before.asx
run as-index merge --label=kcisk -o sub.asx lib.asx
expect_status 1
expect_err "as-index: sub.asx: no entry of the indexes read passes the filters; not written"
cmp -s before.asx sub.asx || fail "a merge that nothing passed changed sub.asx"
# nor when an index could not be read (the merge is all or nothing)
run as-index merge --label=kicks -o sub.asx missing.asx tones.asx
expect_status 1
expect_err "as-index: missing.asx: No such file or directory" \
    "as-index: sub.asx: not written: 1 input error"
cmp -s before.asx sub.asx || fail "a failed merge changed sub.asx"
# nor when entries of the indexes read pass
run as-index merge -q --label=kicks -o some.asx missing.asx lib.asx
expect_status 1
[ ! -e some.asx ] || fail "a merge wrote without one of its indexes"
# a filtered merge does not write over one of its inputs
cp lib.asx self.asx
run as-index merge --label=kicks -o self.asx tones.asx self.asx
expect_status 2
expect_err "as-index: self.asx: a filtered merge would replace this input with part of it; write to another file" \
    "$(as_usage as-index)" "Try 'as-index --help'."
cmp -s lib.asx self.asx || fail "self.asx changed"
ln -s self.asx link.asx
run as-index merge --label=kicks -o link.asx self.asx
expect_status 2
cmp -s lib.asx self.asx || fail "self.asx changed through a link"
# unfiltered, folding an index into itself still works
run as-index merge -q -o self.asx self.asx
expect_status 0

# the other modes refuse them
USAGE="$(as_usage as-index)
Try 'as-index --help'."
for m in "-o x.asx lib.tsv" "-u lib.asx lib.tsv" "-c lib.asx" "-L lib.asx" \
    "-a lib.asx"; do
    # shellcheck disable=SC2086
    run as-index $m --label=kicks
    expect_status 2
    expect_err "as-index: the filters (--cluster, -g, --label, -t) go with -d and merge" "$USAGE"
done
[ ! -e x.asx ] || fail "-o with a filter wrote x.asx"
run as-index -d lib.asx -t 3:1
expect_status 2
run as-index -d lib.asx --cluster=one
expect_status 2
expect_err "as-index: --cluster: 'one' is not an integer" "$USAGE"
# -l stays --label-from
run as-index -o y.asx -l none lib.tsv
expect_status 0
echo ok
