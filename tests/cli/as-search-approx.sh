#!/bin/sh
# SPDX-License-Identifier: MIT
# The approximate index: as-index -a builds INDEX.ann, as-search -a uses
# it. On a small clustered set (2000 rows in 12 tight clusters of a
# 4-dimensional latent space, 16 columns) its recall@10 against the
# exact search is at least 0.95 at the default -E (0.9 with a filter of
# half the entries); every answer says exact: no, but where a filter
# lets so few entries through that each is ranked: the exact answer,
# saying yes; a missing, stale, damaged,
# truncated or foreign INDEX.ann is refused with a message naming it.
# Exact copies are answered as the exact search answers them.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_clustered_tsv >lib.tsv
as-index -o lib.asx lib.tsv
head -n 201 lib.tsv >queries.tsv

if [ "${AS_WITH_APPROX-}" != ON ]; then
    # built without hnswlib: both ends say so
    run as-index -a lib.asx
    expect_status 1
    expect_err "as-index: lib.asx.ann: not supported by this build (built without hnswlib)"
    run as-search -a -F queries.tsv lib.asx
    expect_status 1
    expect_err "as-search: lib.asx.ann: not supported by this build (built without hnswlib)"
    exit 0
fi

run as-index -a lib.asx
expect_status 0
expect_no_err
expect_out_empty
[ -s lib.asx.ann ] || fail "no lib.asx.ann"

# recall@10: the share of each query's exact ten that -a finds
recall() { # exact approx
    awk -F '\t' 'FNR == 1 { next }
        NR == FNR { want[$1 "\t" $3] = 1; n++; next }
        ($1 "\t" $3) in want { got++ }
        END { printf "%.3f\n", got / n }' "$1" "$2"
}
as-search -k 10 -F queries.tsv lib.asx >exact
run as-search -a -k 10 -F queries.tsv lib.asx
expect_status 0
expect_no_err
cp "$T/out" approx
r=$(recall exact approx)
echo "recall@10, default -E: $r"
awk -v r="$r" 'BEGIN { exit !(r >= 0.95) }' || fail "recall $r < 0.95"
[ "$(wc -l <approx)" -eq "$(wc -l <exact)" ] || fail "-a: not 10 results each"

# the marker: a last column "exact", "no" on every row; the exact
# search's output keeps its columns
[ "$(head -n 1 approx)" = "$(head -n 1 exact)	exact" ] || fail "-a header"
tail -n +2 approx | awk -F '\t' '$NF != "no" { exit 1 }' || fail "-a marker"
head -n 1 exact | grep -q exact && fail "exact output has the marker"
# a walk that gathers every node (-E as large as the library) misses
# nothing: the exact answer, saying yes
head -n 3 queries.tsv >q2.tsv
as-search -k 5 -F q2.tsv lib.asx >exact2
run as-search -a -E 2000 -k 5 -F q2.tsv lib.asx
expect_status 0
tail -n +2 "$T/out" | awk -F '\t' '$NF != "yes" { exit 1 }' ||
    fail "-a, every node walked: not marked exact"
cut -f 1-"$(head -n 1 exact2 | awk -F '\t' '{ print NF }')" "$T/out" |
    cmp -s - exact2 || fail "-a, every node walked: not the exact answer"
# the distances of what -a finds are the exact ones
awk -F '\t' 'NR == FNR { d[$1 "\t" $3] = $5; next }
    FNR > 1 && ($1 "\t" $3) in d && d[$1 "\t" $3] != $5 { exit 1 }' \
    exact approx || fail "-a distances differ from the exact ones"
run as-search -a -J -k 2 -F queries.tsv lib.asx
expect_status 0
[ "$(grep -c '"exact":false,"results":' "$T/out")" -eq 200 ] ||
    fail "-J: no \"exact\":false"

# a smaller -E still answers, with recall that may drop
run as-search -a -E 10 -k 10 -F queries.tsv lib.asx
expect_status 0
cp "$T/out" approx10
echo "recall@10, -E 10: $(recall exact approx10)"

# a filter of half the entries, spread through the clusters: the walk
# gathers twice the candidates, -E 10 (20 of them) costs less than a scan
# of the 2000 rows, and the walk answers; where too few of them pass, it
# would walk again with four times as many, which costs more than the
# scan: the exact answer instead (yes). At the default -E, the first
# walk (200 candidates) costs more than the scan: every answer is exact.
as-search -k 10 -g '*[0-4].wav' -F queries.tsv lib.asx >exact_g
run as-search -a -E 10 -k 10 -g '*[0-4].wav' -F queries.tsv lib.asx
expect_status 0
cp "$T/out" approx_g
tail -n +2 approx_g | awk -F '\t' '$3 !~ /[0-4]\.wav$/ { exit 1 }' ||
    fail "-a -g"
[ "$(wc -l <approx_g)" -eq "$(wc -l <exact_g)" ] || fail "-a -g: too few"
tail -n +2 approx_g | grep -q '	no$' || fail "-a -E 10 -g: no walk's answer"
r=$(recall exact_g approx_g)
echo "recall@10 with -E 10 -g: $r"
awk -v r="$r" 'BEGIN { exit !(r >= 0.9) }' || fail "-g recall $r < 0.9"
run as-search -a -k 10 -g '*[0-4].wav' -F queries.tsv lib.asx
awk 'NR == 1 { print $0 "\texact"; next } { print $0 "\tyes" }' exact_g |
    cmp -s - "$T/out" || fail "-a -g: not the exact answer, saying yes"
# one label (167 entries) lets through fewer than ranking them costs
# against a walk: they are ranked, and the answer says so
as-search -k 10 -l c03 -F queries.tsv lib.asx >exact_l
run as-search -a -k 10 -l c03 -F queries.tsv lib.asx
expect_status 0
expect_no_err
awk 'NR == 1 { print $0 "\texact"; next } { print $0 "\tyes" }' exact_l |
    cmp -s - "$T/out" || fail "-a -l c03: not the exact answer, saying yes"
run as-search -a -J -k 2 -l c03 -F queries.tsv lib.asx
[ "$(grep -c '"exact":true,"results":' "$T/out")" -eq 200 ] ||
    fail "-a -l c03 -J: no \"exact\":true"

# a path query leaves itself out, as without -a
run as-search -a -H -k 3 -p s/00001.wav lib.asx
expect_status 0
grep -q '	s/00001.wav	' "$T/out" && fail "-a -p: the query in its results"

# annotating the index (clusters) keeps the graph valid
ixcluster lib.asx 3
run as-search -a -H -k 1 -p s/00001.wav lib.asx
expect_status 0
expect_no_err

# same index, same options: the same file
cp lib.asx.ann first.ann
as-index -a lib.asx
cmp -s first.ann lib.asx.ann || fail "-A twice: files differ"

# damaged: a flipped byte in the graph, or in the header; truncated
damaged="as-search: lib.asx.ann: index is damaged (checksum mismatch): rebuild it with as-index -a lib.asx"
flip() { # offset
    flip_byte lib.asx.ann "$1"
}
size=$(wc -c <lib.asx.ann)
flip $((size / 2))
run as-search -a -p s/00001.wav lib.asx
expect_status 1
expect_err "$damaged"
expect_out_empty
cp first.ann lib.asx.ann
flip 40
run as-search -a -p s/00001.wav lib.asx
expect_status 1
expect_err "$damaged"
head -c $((size - 7)) first.ann >lib.asx.ann
run as-search -a -p s/00001.wav lib.asx
expect_status 1
expect_err "$damaged"
# not one at all
cp lib.tsv lib.asx.ann
run as-search -a -p s/00001.wav lib.asx
expect_status 1
expect_err "as-search: lib.asx.ann: not an approximate index: rebuild it with as-index -a lib.asx"
# nor a FIFO of its name, which is not waited on
rm lib.asx.ann
mkfifo lib.asx.ann
run timeout 20 as-search -a -p s/00001.wav lib.asx
expect_status 1
expect_err "as-search: lib.asx.ann: not an approximate index: rebuild it with as-index -a lib.asx"
rm lib.asx.ann

# -a replaces a graph only: not a file of the user's, nor, through a
# link, another index or the index itself (each was replaced by the
# graph), nor a FIFO (waited on); and takes no lock beside them
cp lib.asx other.asx
for t in other.asx lib.asx notes fifo; do
    rm -f lib.asx.ann
    case $t in
    notes) echo "my notes" >lib.asx.ann ;;
    fifo) mkfifo lib.asx.ann ;;
    *) ln -s $t lib.asx.ann ;;
    esac
    cp lib.asx saved.asx
    run timeout 20 as-index -a lib.asx
    expect_status 1
    expect_err "as-index: lib.asx.ann: exists and is not an approximate index; not replaced"
    cmp -s saved.asx lib.asx || fail "-a, lib.asx.ann a $t: the index changed"
    [ $t != notes ] || [ "$(cat lib.asx.ann)" = "my notes" ] ||
        fail "-a replaced a file of the user's"
done
cmp -s lib.asx other.asx || fail "-a through a link: other.asx changed"
[ ! -e other.asx.lock ] || fail "a lock beside the link's target"
rm -f lib.asx.ann other.asx saved.asx

# stale: the index changed (one more entry) after the graph was built
cp first.ann lib.asx.ann
tail -n 1 lib.tsv | sed 's|^s/01999|s/new|' >more.tsv
{ head -n 1 lib.tsv; cat more.tsv; } | as-index -u lib.asx
run as-search -a -p s/00001.wav lib.asx
expect_status 1
expect_err "as-search: lib.asx.ann: approximate index made for another version of the index: rebuild it with as-index -a lib.asx"
# and the exact search is untouched by it
run as-search -H -k 1 -p s/00001.wav lib.asx
expect_status 0
as-index -a lib.asx
run as-search -a -H -k 1 -p s/new.wav lib.asx
expect_status 0
expect_no_err
# stale too when an update changes a row in place (the same count of
# entries; the change lives in the index's delta segment)
awk -F '\t' 'NR == 1 { print; next } $1 == "s/01500.wav" {
    $1 = "s/00002.wav"; print }' OFS='\t' lib.tsv | as-index -u lib.asx
run as-search -a -p s/00001.wav lib.asx
expect_status 1
expect_err "as-search: lib.asx.ann: approximate index made for another version of the index: rebuild it with as-index -a lib.asx"
as-index -a lib.asx

# missing
rm lib.asx.ann
run as-search -a -p s/00001.wav lib.asx
expect_status 1
expect_err "as-search: lib.asx.ann: No such file or directory: build it with as-index -a lib.asx"

# options
run as-index -a lib.asx -M 8 -E 40
expect_status 0
expect_no_err
run as-search -a -E 50 -H -k 1 -p s/00001.wav lib.asx
expect_status 0
run as-index -a missing.asx
expect_status 1
expect_err "as-index: missing.asx: No such file or directory"
usage() { # message
    expect_status 2
    [ "$(head -n 1 "$T/err")" = "$1" ] || {
        cat "$T/err" >&2
        fail "want: $1"
    }
}
run as-index -a lib.asx -M 1
usage "as-index: -M: 1 is out of range (2 to 100)"
run as-index -a lib.asx -M 32 -E 16
usage "as-index: -E must be at least -M (32)"
run as-index -o x.asx -M 8 lib.tsv
usage "as-index: -E and -M go with -a"
run as-index -a lib.asx lib.tsv
usage "as-index: -a takes no streams"
run as-search -E 10 -p s/00001.wav lib.asx
usage "as-search: -E goes with -a"
run as-search -a -L lib.asx
usage "as-search: -a goes with a search, not -L"
run as-search -a -m euclidean -p s/00001.wav lib.asx
usage "as-search: -a goes with the cosine metric"
run as-search -a -w other=2 -p s/00001.wav lib.asx
usage "as-search: -a does not go with -w"
cp lib.asx other.asx
run as-search -a -p s/00001.wav lib.asx other.asx
usage "as-search: -a searches one index"

# -a has a lock of its own, INDEX.ann.lock: a build that was killed
# leaves its temporary file, which the next removes; two never meet
touch .lib.asx.ann.tmp-Xq3zPa
as-index -a lib.asx || fail "as-index -a after a killed one"
[ ! -e .lib.asx.ann.tmp-Xq3zPa ] || fail "the killed build's file is left"
[ -f lib.asx.ann.lock ] || fail "no lock beside INDEX.ann"
if command -v flock >/dev/null 2>&1; then
    flock lib.asx.ann.lock sleep 2 &
    holder=$!
    sleep 0.5
    run as-index -a lib.asx
    expect_status 1
    expect_err "as-index: lib.asx.ann: locked by another process (see --wait)"
    wait "$holder"
fi
# an index that is not there is named, and gets no lock file
for ix in typo.asx nodir/typo.asx; do
    run as-index -a $ix
    expect_status 1
    expect_err "as-index: $ix: No such file or directory"
    [ ! -e $ix.ann.lock ] || fail "a lock beside $ix, which is not there"
done
# Through a link, INDEX.ann is beside the index file, as its segment and
# lock are: found through the link and the file alike
mkdir real
cp lib.asx real/
ln -s real/lib.asx link.asx
as-index -a link.asx || fail "as-index -a through a link"
[ -f real/lib.asx.ann ] && [ ! -e link.asx.ann ] ||
    fail "INDEX.ann not beside the index file"
for ix in link.asx real/lib.asx; do
    as-search -a -p s/00001.wav $ix >/dev/null || fail "as-search -a $ix"
done

# Exact copies (one row under 400 paths whose order is not the entries',
# and 40 pairs) are one node of the graph each: -a answers as the exact
# search does, copies in its order (before, as 440 nodes linked among
# themselves, 330 lines of 2000 differed)
awk -F '\t' 'BEGIN { OFS = "\t" }
    NR == 1 { print; next }
    NR == 2 { for (i = 0; i < 400; i++) { $1 = sprintf("d/%03d.wav", i * 37 % 400); print }; next }
    NR <= 42 { print; $1 = "p/" $1; print; next }
    { print }' lib.tsv >copies.tsv
as-index -q -o copies.asx copies.tsv
run as-index -a copies.asx
expect_status 0
expect_no_err
as-search -k 10 -F queries.tsv copies.asx >exact_c
grep -q '	d/' exact_c || fail "copies: no copy among the exact results"
run as-search -a -k 10 -F queries.tsv copies.asx
expect_status 0
awk -F '\t' 'BEGIN { OFS = "\t" } { NF--; print }' "$T/out" >approx_c
cmp -s exact_c approx_c || fail "copies: -a differs from the exact search"
# the groups, after the graph, are checked as it is
flip_byte copies.asx.ann $(($(wc -c <copies.asx.ann) - 3))
run as-search -a -k 10 -F queries.tsv copies.asx
expect_status 1
expect_err "as-search: copies.asx.ann: index is damaged (checksum mismatch): rebuild it with as-index -a copies.asx"
exit 0
