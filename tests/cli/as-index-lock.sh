#!/bin/sh
# SPDX-License-Identifier: MIT
# Two writers never interleave: the second fails at once, or waits.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as-extract "$FIX/kick_44k1.flac" "$FIX/hihat_48k.wav" >lib.tsv
as-index -o lib.asx lib.tsv
if ! command -v flock >/dev/null 2>&1; then
    echo "note: flock(1) not installed; lock test skipped" >&2
    exit 0
fi

# Another process holds the lock for a second.
flock lib.asx.lock sleep 1 &
holder=$!
sleep 0.2
run as-index -u lib.asx lib.tsv
expect_status 1
expect_err "as-index: lib.asx: locked by another process (see --wait)"
run as-index -w 10 -u lib.asx lib.tsv
expect_status 0
expect_err "as-index: lib.asx: added 0, changed 0, unchanged 2, removed 0, failed 0"
wait "$holder"

# A lock held longer than the wait still fails.
flock lib.asx.lock sleep 2 &
holder=$!
sleep 0.2
run as-index -w 0.3 -o lib.asx lib.tsv
expect_status 1
expect_err "as-index: lib.asx: locked by another process (see --wait)"
wait "$holder"

# Ten writers at once, each waiting: all finish, the index is whole.
i=0
while [ $i -lt 10 ]; do
    as-index -q -w 30 -u lib.asx lib.tsv &
    i=$((i + 1))
done
wait
run as-index -c lib.asx
expect_status 0
[ "$(as-index -d lib.asx -H | wc -l)" -eq 2 ] || fail "two entries"
