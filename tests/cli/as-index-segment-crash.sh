#!/bin/sh
# SPDX-License-Identifier: MIT
# Delta segments keep the single file's guarantees. SIGKILL at many
# points while -u writes a segment over an older one, or folds a segment
# into a new index: afterwards the index reads as the old one or the new
# one, whole; the next writer cleans up. Ten writers at once, each adding
# its own entry, serialise on the lock: every entry is there at the end.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as-extract "$FIX/kick_44k1.flac" "$FIX/hihat_48k.wav" "$FIX/sine440_44k1.wav" >seed.tsv
# 12000 entries; u1 changes 240 of them, u2 600 others (a segment of
# 840 entries, under a tenth), big 1600 (past a tenth: a new index).
awk -F '\t' 'BEGIN { OFS = FS } NR == 1 { print; next }
    { for (k = 0; k < 4000; k++) { p = $1; $1 = sprintf("lib/%05d/%s", k, p);
      print; $1 = p } }' seed.tsv >a.tsv
awk -F '\t' 'BEGIN { OFS = FS } NR == 1 { print; next }
    NR % 50 == 0 { $7 = $7 + 1; print }' a.tsv >u1.tsv
awk -F '\t' 'BEGIN { OFS = FS } NR == 1 { print; next }
    NR % 20 == 1 { $8 = $8 + 1; print }' a.tsv >u2.tsv
awk -F '\t' 'BEGIN { OFS = FS } NR == 1 { print; next }
    NR % 7 == 3 && NR < 11200 { $9 = $9 + 1; print }' a.tsv >big.tsv
as-index -o base.asx a.tsv
as-index -u base.asx u1.tsv 2>/dev/null
[ -f base.asx.seg ] || fail "no segment after u1"
as-index -d base.asx | cksum >old.sum
# the streams as binary, quick to read
for s in u2 big; do
    as-index -o $s.asx $s.tsv
    as-index -d $s.asx -f bin >$s.bin
done
for s in u2 big; do
    cp base.asx lib.asx
    cp base.asx.seg lib.asx.seg
    as-index -u lib.asx $s.bin 2>/dev/null
    as-index -d lib.asx | cksum >$s.sum
done
[ -f lib.asx.seg ] && fail "big left a segment"
cmp -s old.sum u2.sum && fail "u2 changed nothing"

for s in u2 big; do
    old=0
    new=0
    i=1
    while [ $i -le 10 ]; do
        cp base.asx lib.asx
        cp base.asx.seg lib.asx.seg
        as-index -u lib.asx $s.bin 2>/dev/null &
        pid=$!
        sleep "$(awk -v i=$i 'BEGIN { printf "%.3f", (i * 7 % 10) * 0.04 }')"
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        run as-index -c lib.asx
        expect_status 0
        as-index -d lib.asx | cksum >now.sum
        if cmp -s now.sum old.sum; then
            old=$((old + 1))
        elif cmp -s now.sum $s.sum; then
            new=$((new + 1))
        else
            fail "$s, kill $i: neither the old nor the new index"
        fi
        i=$((i + 1))
    done
    echo "$s: after 10 kills: old $old times, new $new times" >&2
    [ "$old" -gt 0 ] || fail "$s: no kill landed during a write"
done

# The next writer removes what a killed one left.
touch .lib.asx.seg.tmp-abcdef .lib.asx.tmp-abcdef
as-index -u lib.asx u1.tsv 2>/dev/null
ls -a | grep -q '^\.lib\.asx\..*tmp-' && fail "temporary files left behind"

# Ten writers at once, each adding an entry: all serialise on the lock,
# none loses another's entry.
if ! command -v flock >/dev/null 2>&1; then
    echo "note: flock(1) not installed; concurrent writers skipped" >&2
    exit 0
fi
cp base.asx lib.asx
cp base.asx.seg lib.asx.seg
i=0
while [ $i -lt 10 ]; do
    awk -F '\t' -v i=$i 'BEGIN { OFS = FS } NR == 1 { print; next }
        NR == 2 { $1 = "new/" i ".wav"; print; exit }' a.tsv >n$i.tsv
    i=$((i + 1))
done
flock lib.asx.lock sleep 0.5 &
holder=$!
sleep 0.1
i=0
while [ $i -lt 10 ]; do
    as-index -q -w 30 -u lib.asx n$i.tsv &
    i=$((i + 1))
done
wait
run as-index -c lib.asx
expect_status 0
[ -f lib.asx.seg ] || fail "the writers folded a small segment in"
[ "$(as-index -d lib.asx -H | wc -l)" -eq 12010 ] || fail "12010 entries"
[ "$(as-index -d lib.asx -H | grep -c '^new/')" -eq 10 ] || fail "ten new"
