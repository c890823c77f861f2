#!/bin/sh
# SPDX-License-Identifier: MIT
# SIGKILL at many points while a large index is written: afterwards the old
# index or the new one is there, whole, never a mix or a truncated file;
# the next writer cleans up what the killed one left.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as-extract "$FIX/kick_44k1.flac" "$FIX/hihat_48k.wav" "$FIX/sine440_44k1.wav" >seed.tsv
# Two large streams, A and B (different values), of 30000 rows each, as
# binary streams (quick to read back).
awk -F '\t' 'BEGIN { OFS = FS } NR == 1 { print; next }
    { for (k = 0; k < 10000; k++) { $1 = sprintf("lib/%05d/%s", k, $1); print;
      sub(/^lib\/[0-9]+\//, "", $1) } }' seed.tsv >a.tsv
awk -F '\t' 'BEGIN { OFS = FS } NR == 1 { print; next } { $7 = $7 + 1; print }' a.tsv >b.tsv
as-index -o a.asx a.tsv
as-index -o b.asx b.tsv
as-index -d b.asx -f bin >b.bin
cmp -s a.asx b.asx && fail "A and B differ"

# The same entries always give the same bytes, so after each kill the
# index must be a.asx or b.asx exactly.
old=0
new=0
i=1
while [ $i -le 20 ]; do
    cp a.asx lib.asx
    as-index -o lib.asx b.bin 2>/dev/null &
    pid=$!
    # kill after 0 to about 0.2 s, at a different point each time
    sleep "$(awk -v i=$i 'BEGIN { printf "%.3f", (i * 7 % 20) * 0.01 }')"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    if cmp -s lib.asx a.asx; then
        old=$((old + 1))
    elif cmp -s lib.asx b.asx; then
        new=$((new + 1))
    else
        fail "kill $i: neither the old nor the new index"
    fi
    i=$((i + 1))
done
echo "after 20 kills: old index $old times, new index $new times" >&2
[ "$old" -gt 0 ] || fail "no kill landed during a write"

# A killed writer leaves .lib.asx.tmp-XXXXXX; the next writer removes it.
as-index -o lib.asx a.tsv
ls -a | grep -q '^\.lib\.asx\.tmp-' && fail "temporary files left behind"
true
