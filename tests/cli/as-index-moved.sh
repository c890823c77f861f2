#!/bin/sh
# SPDX-License-Identifier: MIT
# A file moved or renamed keeps the cluster and anomaly score stored with
# it (as-cluster -W, as-anomaly -W) through as-index -u, through a delta
# segment or written whole, with -p or without, renamed over another
# file too; a copy, a new file, other features of the same audio and the
# same files read from another directory get none.
. "$AS_SRC/tests/cli/lib.sh"

mkdir -p "$T/proj/lib/a" "$T/proj/lib/b" "$T/proj/lib/c"
cd "$T/proj"
for f in 220 262 330 392; do
    mksignal -d 0.3 sine:$f lib/a/t$f.wav
done
for s in 1 2 3 4; do
    mksignal -d 0.3 -s $s noise lib/b/n$s.wav
done
for f in 440 494 523 587 659 698 784 880 988 1047 1175 1319; do
    mksignal -d 0.3 sine:$f lib/c/t$f.wav
done
as-extract -r lib | as-index -o lib.asx
as-cluster -q -W -k 3 lib.asx >/dev/null
as-anomaly -q -a iforest -W lib.asx >/dev/null
cp lib.asx annotated.asx

# annotations INDEX: a line per entry, sorted: the file's name (the folder
# left out), its cluster, its stored anomaly score and flags (as-format(5):
# ENTRIES' offset at byte 104, 64-byte records, the score at 52, the flags
# at 56), read from the index written whole (a merge of it alone keeps
# both).
annotations() {
    rm -f "$T/whole.asx"
    as-index -q merge -o "$T/whole.asx" "$1"
    off=$(od -An -tu8 -j 104 -N 8 "$T/whole.asx" | tr -d ' ')
    as-search -H -L "$T/whole.asx" | cut -f 1,4 >"$T/list"
    n=$(wc -l <"$T/list")
    i=0
    while [ "$i" -lt "$n" ]; do
        line=$(sed -n "$((i + 1))p" "$T/list")
        score=$(od -An -tf4 -j $((off + 64 * i + 52)) -N 4 "$T/whole.asx" |
            tr -d ' ')
        flags=$(od -An -tu4 -j $((off + 64 * i + 56)) -N 4 "$T/whole.asx" |
            tr -d ' ')
        printf '%s\t%s\t%s\n' "${line##*/}" "$score" "$flags"
        i=$((i + 1))
    done | sort
}
# what NAME had before (its cluster, score and flags)
had() {
    grep "^$1	" before | cut -f 2-
}
has() { # name file
    grep "^$1	" "$2" | cut -f 2-
}
annotations lib.asx >before
# every entry has a score, and the clusters are not all one
awk -F '\t' '$4 != 1 { exit 1 }' before || fail "scores not stored: $(cat before)"
[ "$(cut -f 2 before | sort -u | wc -l)" -eq 3 ] || fail "clusters: $(cat before)"
none=$(printf '\t0\t0')

# A folder renamed: four of twenty entries, the segment folded in.
mv lib/a lib/moved
run sh -c 'as-extract -r -U lib.asx lib | as-index -u lib.asx -p'
expect_status 0
expect_err "as-index: lib.asx: added 4, changed 0, unchanged 0, removed 4, failed 0"
[ -e lib.asx.seg ] && fail "four of twenty went through a segment"
annotations lib.asx >after
cmp -s before after || fail "folder moved: $(diff before after)"
as-search -H -L lib.asx | grep -q '^lib/moved/t220.wav' || fail "not moved"

# One file renamed, through a delta segment, and analysed again rather
# than reused (as-extract without -U): the same features, so the same.
mv lib/c/t440.wav lib/c/renamed.wav
run sh -c 'as-extract lib/c/renamed.wav | as-index -u lib.asx -p'
expect_status 0
expect_err "as-index: lib.asx: added 1, changed 0, unchanged 0, removed 1, failed 0"
[ -e lib.asx.seg ] || fail "one of twenty did not go through a segment"
annotations lib.asx | sed 's/^renamed.wav/t440.wav/' | sort >after
cmp -s before after || fail "file renamed: $(diff before after)"

# Without -p the old entry stays until a prune, and both have them.
mv lib/c/t494.wav lib/c/t494b.wav
as-extract lib/c/t494b.wav | as-index -q -u lib.asx
annotations lib.asx >after
[ "$(has t494b.wav after)" = "$(had t494.wav)" ] ||
    fail "moved, not pruned: $(grep '^t494' after)"
[ "$(has t494.wav after)" = "$(had t494.wav)" ] ||
    fail "the stale entry changed: $(grep '^t494' after)"
as-extract -r -U lib.asx lib | as-index -q -u lib.asx -p
annotations lib.asx >after
grep -q '^t494.wav' after && fail "the stale entry not pruned"
[ "$(has t494b.wav after)" = "$(had t494.wav)" ] ||
    fail "moved, then pruned: $(grep '^t494' after)"

# A file renamed over another the index holds: the entry of that path
# takes the moved file's, not keeping its own.
[ "$(had t659.wav)" != "$(had t1319.wav)" ] || fail "t659 and t1319 alike"
mv lib/c/t659.wav lib/c/t1319.wav
run sh -c 'as-extract -r -U lib.asx lib | as-index -u lib.asx -p'
expect_status 0
expect_err "as-index: lib.asx: added 0, changed 1, unchanged 0, removed 1, failed 0"
annotations lib.asx >after
[ "$(has t1319.wav after)" = "$(had t659.wav)" ] ||
    fail "renamed over another: $(has t1319.wav after), want $(had t659.wav)"
# The same when the two had the same size and time as well (velocity
# layers of one length, unpacked from an archive): the name taken looks
# unchanged to as-extract -U, but a gone entry has its size and time, so
# its file is read again.
touch -d '2024-01-01 12:00' lib/c/t698.wav lib/c/t784.wav
as-extract -r -U lib.asx lib | as-index -q -u lib.asx -p
annotations lib.asx >mid
[ "$(has t698.wav mid)" != "$(has t784.wav mid)" ] || fail "t698 and t784 alike"
mv lib/c/t698.wav lib/c/t784.wav
run sh -c 'as-extract -r -U lib.asx lib | as-index -u lib.asx -p'
expect_status 0
expect_err "as-index: lib.asx: added 0, changed 1, unchanged 0, removed 1, failed 0"
annotations lib.asx >after
[ "$(has t784.wav after)" = "$(has t698.wav mid)" ] ||
    fail "renamed over one of its size and time: $(has t784.wav after)"
[ "$(as-index -H -d lib.asx | awk -F '\t' '$1 == "lib/c/t784.wav" { print $6 }')" = \
    "$(as-extract -H lib/c/t784.wav | cut -f 5)" ] ||
    fail "renamed over one of its size and time: the old audio hash kept"
# Such twins of a file gone away, not moved (t784 of the last move too),
# are read to tell, then left out: their audio is their own entries'
touch -d '2024-01-01 12:00' lib/c/t880.wav lib/c/t988.wav lib/c/t1047.wav
as-extract -r -U lib.asx lib | as-index -q -u lib.asx -p
mv lib/c/t1047.wav t1047.away
run as-extract -v -r -U lib.asx lib
expect_status 0
[ "$(wc -l <"$T/out")" -eq 1 ] || fail "twins of a file deleted: $(cat "$T/out")"
grep -qx "as-extract: lib.asx: 3 more read first: a file gone had their size and time" "$T/err" ||
    fail "twins of a file deleted: $(cat "$T/err")"
mv t1047.away lib/c/t1047.wav

# A copy (its file still there), a new file, a file whose audio changed
# where a gone one was, and a row of a gone file's audio whose features
# are not its own: none.
cp lib/c/t523.wav lib/c/copy.wav
mksignal -d 0.3 sine:1397 lib/c/new.wav
rm lib/c/t587.wav
mksignal -d 0.3 sine:600 lib/c/t587b.wav
mv lib/c/t784.wav lib/c/t784b.wav
as-extract -r -U lib.asx lib >rows.tsv
# the last column of t784b's row, otherwise
awk -F '\t' -v OFS='\t' '$1 ~ /t784b/ { $NF = $NF + 1 } { print }' rows.tsv |
    as-index -q -u lib.asx -p
annotations lib.asx >after
for f in copy.wav new.wav t587b.wav t784b.wav; do
    [ "$(has $f after)" = "$none" ] || fail "$f: $(has $f after)"
done
[ "$(has t523.wav after)" = "$(had t523.wav)" ] ||
    fail "the copied file's entry changed"

# The pipeline run from another directory, without -p: the same files
# under longer paths are new entries, and get none (their old entries
# look gone from there).
cd "$T"
as-extract -r proj/lib/b | as-index -q -u proj/lib.asx
cd proj
annotations lib.asx >after
[ "$(grep -c '^n1.wav' after)" -eq 2 ] || fail "wrong directory: $(cat after)"
grep "^n1.wav	$(had n1.wav)\$" after >/dev/null || fail "n1.wav lost its own"
grep "^n1.wav	$none\$" after >/dev/null || fail "n1.wav read from above"

# Written whole by the builder (an index with a learnt projection, fitted
# again after the change): the same.
cp annotated.asx learnt.asx
as-index -q -L learnt.asx
mv lib/b/n2.wav lib/b/n2b.wav
as-extract lib/b/n2b.wav | as-index -q -u learnt.asx -p
[ -e learnt.asx.seg ] && fail "a learnt projection's update through a segment"
annotations learnt.asx >after
[ "$(has n2b.wav after)" = "$(had n2.wav)" ] ||
    fail "written whole: $(has n2b.wav after), want $(had n2.wav)"

# A new index (-o) from a stream of moved files has nothing to carry.
as-extract -r lib | as-index -o fresh.asx
[ -z "$(as-search -H -L fresh.asx | cut -f 4 | tr -d '\n')" ] ||
    fail "a new index holds clusters"

# as-extract -U looks once at each gone entry's file: finding the moves
# and the gone entries' sizes and times share one look (twice before, a
# cost on a network file system).
cd "$T"
if command -v strace >/dev/null 2>&1 && strace -f -o /dev/null true 2>/dev/null; then
    mkdir looks
    mksignal -r 8000 -d 0.3 sine looks/keep.wav
    mksignal -r 8000 -d 0.4 sine looks/gone.wav
    as-extract -r looks | as-index -q -o looks.asx
    rm looks/gone.wav
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
        strace -f -o looks.trace "$AS_BIN/as-extract" -q -r -U looks.asx \
        looks >/dev/null
    n=$(grep -c '"looks/gone.wav"' looks.trace)
    [ "$n" -eq 1 ] || fail "gone.wav looked at $n times"
else
    echo "note: no strace here; looks at gone files not counted" >&2
fi
