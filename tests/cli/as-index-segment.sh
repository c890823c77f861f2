#!/bin/sh
# SPDX-License-Identifier: MIT
# -u writes the changes to a delta segment beside the index, and every
# tool reads both as one index: an added entry is found, a removed one is
# gone, the entries are those a whole rebuild gives; merging the index
# into itself folds the segment in, keeping the order; a large update
# folds it in by itself; a damaged segment is a damaged index, and
# nothing is printed from it.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as-extract "$FIX/kick_44k1.flac" "$FIX/hihat_48k.wav" "$FIX/sine440_44k1.wav" >seed.tsv
# 60 entries whose files exist (for -p), each with its own values
mkdir -p lib/a lib/b lib/c
awk -F '\t' 'BEGIN { OFS = FS } NR == 1 { print; next }
    { p = $1; for (k = 0; k < 20; k++) {
      $1 = sprintf("lib/%s/%02d_%d.wav", substr("abc", k % 3 + 1, 1), k, NR);
      $7 = $7 + 0.01 * k; print; $7 = $7 - 0.01 * k } }' seed.tsv >a.tsv
tail -n +2 a.tsv | cut -f 1 | xargs touch
as-index -o lib.asx a.tsv
cp lib.asx base.asx

# One changed entry, one new one far from the rest.
awk -F '\t' 'BEGIN { OFS = FS } NR == 1 { print; next }
    NR == 2 { $7 = $7 + 1; print; next }
    NR == 3 { $1 = "lib/new/odd.wav"; for (j = 6; j <= NF; j++) $j = -3 * $j;
              print; exit }' a.tsv >u.tsv
mkdir lib/new
touch lib/new/odd.wav
run as-index -u lib.asx u.tsv
expect_status 0
expect_err "as-index: lib.asx: added 1, changed 1, unchanged 0, removed 0, failed 0"
[ -f lib.asx.seg ] || fail "no segment written"
cmp -s lib.asx base.asx || fail "the index file was rewritten"
[ "$(as-index -d lib.asx -H | wc -l)" -eq 61 ] || fail "61 entries"
run as-index -c lib.asx
expect_status 0

# The same entries as a whole rebuild from the same rows.
as-index -o full.asx a.tsv u.tsv
as-index -d full.asx | sort >full.dump
as-index -d lib.asx | sort >seg.dump
cmp -s full.dump seg.dump || fail "entries differ from a rebuild"

# as-search finds the new entry: nearest to its own row.
{ head -n 1 u.tsv; tail -n 1 u.tsv; } >odd.tsv
run as-search -H -k 1 lib.asx -F odd.tsv
expect_status 0
[ "$(cut -f 3 "$T/out")" = lib/new/odd.wav ] || fail "new entry not found"
# ... and an updater run again with nothing new writes nothing.
cp lib.asx.seg seg.before
run as-index -u lib.asx u.tsv
expect_err "as-index: lib.asx: added 0, changed 0, unchanged 2, removed 0, failed 0"
cmp -s lib.asx.seg seg.before || fail "segment rewritten for no change"

# Removal through the segment: a deleted file is pruned.
gone=$(sed -n 10p a.tsv | cut -f 1)
rm "$gone"
head -n 1 a.tsv >header.tsv
run as-index -u lib.asx -p header.tsv
expect_status 0
expect_err "as-index: lib.asx: added 0, changed 0, unchanged 0, removed 1, failed 0"
[ -f lib.asx.seg ] || fail "no segment after the prune"
run as-search -L lib.asx
expect_status 0
grep -q "^$gone	" "$T/out" && fail "removed entry still listed"
[ "$(wc -l <"$T/out")" -eq 61 ] || fail "60 entries and a header"
run as-search -p "$gone" lib.asx
expect_status 1
expect_err "as-search: $gone: not in the index"
grep -v "^$gone	" full.dump >full2.dump
as-index -d lib.asx | sort >seg2.dump
cmp -s full2.dump seg2.dump || fail "entries differ after the prune"
run as-stats -J lib.asx
expect_status 0
grep -q "\"total_samples\":60," "$T/out" || fail "as-stats counts 60 entries"

# Folding the segment in keeps the entries and their order.
as-index -d lib.asx >before.dump
run as-index merge -o lib.asx lib.asx
expect_status 0
[ -f lib.asx.seg ] && fail "segment left after the merge"
as-index -d lib.asx >after.dump
cmp -s before.dump after.dump || fail "merge changed the entries or order"

# An update of more than a tenth of the entries folds in by itself.
awk -F '\t' 'BEGIN { OFS = FS } NR == 1 { print; next }
    NR <= 12 { $8 = $8 + 1; print }' a.tsv | grep -v "^$gone	" >big.tsv
run as-index -u lib.asx big.tsv
expect_status 0
[ -f lib.asx.seg ] && fail "a large update left a segment"
[ "$(as-index -d lib.asx -H | wc -l)" -eq 60 ] || fail "60 entries"

# A damaged segment: every reader reports it, and prints nothing.
run as-index -u lib.asx u.tsv
expect_status 0
[ -f lib.asx.seg ] || fail "no segment"
cp lib.asx.seg good.seg
size=$(wc -c <lib.asx.seg)
for at in 5 30 130 $((size / 2)) $((size - 3)); do
    cp good.seg lib.asx.seg
    b=$(od -An -tu1 -j "$at" -N1 good.seg | tr -d ' ')
    printf "\\$(printf %o $(((b + 1) % 256)))" |
        dd of=lib.asx.seg bs=1 seek="$at" conv=notrunc 2>/dev/null
    cmp -s good.seg lib.asx.seg && fail "byte $at not flipped"
    for tool in as-search as-stats; do
        if [ $tool = as-search ]; then
            run as-search -k 1 lib.asx -F odd.tsv
        else
            run as-stats lib.asx
        fi
        expect_status 1
        [ -s "$T/out" ] && fail "$tool printed from a damaged segment ($at)"
        expect_err "$tool: lib.asx: index is damaged (checksum mismatch in SEGMENT)"
    done
    run as-extract -U lib.asx "$FIX/kick_44k1.flac"
    expect_status 1
    expect_err "as-extract: lib.asx: index is damaged (checksum mismatch in SEGMENT)"
    run as-index -c lib.asx
    expect_status 1
    expect_err "as-index: lib.asx: index is damaged (checksum mismatch in SEGMENT)"
    run as-index -u lib.asx u.tsv
    expect_status 1
    expect_err "as-index: lib.asx: index is damaged (checksum mismatch in SEGMENT)"
    cmp -s lib.asx.seg good.seg && fail "damaged segment replaced"
done
# cut short: named as the segment's damage, the index file being whole
# (a user told only "corrupt index" may rebuild or delete a good file)
head -c $((size - 10)) good.seg >lib.asx.seg
run as-search -L lib.asx
expect_status 1
expect_err "as-search: lib.asx: corrupt index (in SEGMENT)"
[ -s "$T/out" ] && fail "output from a truncated segment"
# a FIFO in the segment's place: refused at once, not waited on
rm lib.asx.seg
mkfifo lib.asx.seg
run timeout 10 as-search -L lib.asx
expect_status 1
expect_err "as-search: lib.asx: corrupt index (in SEGMENT)"
rm lib.asx.seg
cp good.seg lib.asx.seg
run as-index -c lib.asx
expect_status 0

# Through a symbolic link: the segment lies beside the file the link
# names, and readers through the link see it.
mkdir real
as-index -o real/l.asx a.tsv
ln -s real/l.asx link.asx
run as-index -u link.asx u.tsv
expect_status 0
[ -f real/l.asx.seg ] || fail "no segment beside the file the link names"
[ -e link.asx.seg ] && fail "a segment beside the link"
run as-search -H -k 1 link.asx -F odd.tsv
expect_status 0
[ "$(cut -f 3 "$T/out")" = lib/new/odd.wav ] || fail "not found through the link"

# The longest index name there is room for (250 bytes, and NAME.lock):
# the segment's temporary file (16 bytes longer) takes a shortened name,
# and a small update writes a segment.
long=$(printf '%0246d' 0).asx
as-index -o "$long" a.tsv
cp "$long" long.before
run as-index -u "$long" u.tsv
expect_status 0
[ -e "$long.seg" ] || fail "no segment for the long name"
cmp -s "$long" long.before || fail "the long-named base was written again"
as-index -c "$long" || fail "the long-named index is damaged"
[ "$(as-index -d "$long" -H | wc -l)" -eq 61 ] ||
    fail "the long-named index: $(as-index -d "$long" -H | wc -l) entries"
# Named with 252 to 255 bytes (moved there), it cannot have a segment
# (NAME.seg would not fit), and is read as it is: it was refused, "File
# name too long".
longer=$(printf '%0251d' 0).asx
as-index -o plain.asx a.tsv
cp plain.asx "$longer"
for cmd in "as-index -c" "as-stats" "as-search -L"; do
    run $cmd "$longer"
    expect_status 0
    expect_no_err
done
[ "$(as-index -d "$longer" -H | wc -l)" -eq 60 ] ||
    fail "the 255-byte name: $(as-index -d "$longer" -H | wc -l) entries"
# But a segment reached through a path too long as a whole (NAME.seg past
# PATH_MAX, 4096 bytes) exists all the same: an error, never the index
# read without it.
deep=$T
part=$(printf '%0100d' 0)
while [ ${#deep} -lt 3832 ]; do
    deep=$deep/$part
done
deep=$deep/$(printf '%0*d' $((4087 - ${#deep})) 0)
mkdir -p "$deep"
(cd "$deep" && as-index -q -o s.asx "$T/a.tsv" && as-index -q -u s.asx "$T/u.tsv")
# $deep/s.asx is 4094 bytes, and its segment's path 4098
[ ${#deep} -eq 4088 ] || fail "deep: ${#deep} bytes"
(cd "$deep" && [ -f s.asx.seg ]) || fail "deep: no segment"
run as-index -d "$deep/s.asx"
expect_status 1
[ -s "$T/out" ] && fail "read without its segment, through a path too long"

# Copying an index with a segment, as as-index(1) CAVEATS says: the file
# alone is the index before the update; the pair, the segment first, is
# the index, under other names too; merge -o writes a whole copy (no
# segment, the clusters kept) and leaves the index and its segment as
# they were; merging the index into itself folds the segment in.
as-index -o bk.asx a.tsv
as-cluster -W -k 3 bk.asx >/dev/null
as-index -q -u bk.asx u.tsv
[ -f bk.asx.seg ] || fail "no segment to copy"
as-index -d bk.asx >bk.dump
as-index --cluster=0 -d bk.asx >bk0.dump
[ "$(wc -l <bk0.dump)" -gt 1 ] || fail "no entry in cluster 0"
cp bk.asx alone.asx
[ "$(as-index -d alone.asx -H | wc -l)" -eq 60 ] ||
    fail "the index file alone: not the 60 entries before the update"
cp bk.asx.seg pair.asx.seg
cp bk.asx pair.asx
as-index -d pair.asx | cmp -s bk.dump - || fail "a copied pair is not the index"
cp bk.asx.seg seg.before
run as-index merge -o whole.asx bk.asx
expect_status 0
expect_no_err
[ -e whole.asx.seg ] && fail "merge -o wrote a segment"
cmp -s bk.asx.seg seg.before || fail "merge -o changed the segment"
as-index -d whole.asx | cmp -s bk.dump - || fail "merge -o: not the index"
as-index --cluster=0 -d whole.asx | cmp -s bk0.dump - ||
    fail "merge -o: the clusters differ"
run as-index merge -o bk.asx bk.asx
expect_status 0
[ -e bk.asx.seg ] && fail "the segment left after folding it in"
cp bk.asx folded.asx
as-index -d folded.asx | cmp -s bk.dump - || fail "the folded file alone"

# A folder with the segment's name could not be removed once a whole
# index is written, and every reader would refuse the index for it: -o
# and merge -o (whose target is not read) write nothing and say why; the
# index stays as it was.
as-index -o dirseg.asx a.tsv
cp dirseg.asx dirseg.before
mkdir dirseg.asx.seg
run as-index -o dirseg.asx u.tsv
expect_status 1
expect_err "as-index: dirseg.asx: dirseg.asx.seg, the name of its delta segment, is a folder; not written"
run as-index merge -o dirseg.asx base.asx
expect_status 1
expect_err "as-index: dirseg.asx: dirseg.asx.seg, the name of its delta segment, is a folder; not written"
cmp -s dirseg.asx dirseg.before || fail "an index written beside a folder .seg"
rmdir dirseg.asx.seg
as-index -c dirseg.asx || fail "the index is not whole"
