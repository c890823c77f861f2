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

# A lock file the writer may not write (made by a run under sudo, or
# another user's umask) still locks: flock needs only to open it. Root
# writes anything, so as root this runs as nobody through setpriv.
as_user() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
    if command -v setpriv >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
        as_user() {
            setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
        }
    else
        echo "note: no setpriv or nobody; read-only lock not checked" >&2
        exit 0
    fi
fi
chmod 755 "$T"
if ! as_user "$AS_BIN/as-index" --version >/dev/null 2>&1; then
    echo "note: nobody cannot run the tools here; read-only lock not checked" >&2
    exit 0
fi
mkdir ro-lock
cp lib.asx lib.tsv ro-lock/
: >ro-lock/lib.asx.lock
chmod 444 ro-lock/lib.asx.lock
[ "$(id -u)" -eq 0 ] && chown -R nobody ro-lock
cd ro-lock
run as_user "$AS_BIN/as-index" -u lib.asx lib.tsv
expect_status 0
expect_err "as-index: lib.asx: added 0, changed 0, unchanged 2, removed 0, failed 0"
# still a lock: held by another process, the writer waits for it
flock lib.asx.lock sleep 1 &
holder=$!
sleep 0.2
run as_user "$AS_BIN/as-index" -u lib.asx lib.tsv
expect_status 1
expect_err "as-index: lib.asx: locked by another process (see --wait)"
wait "$holder"
# a folder the writer may not write, and no lock file yet: the reason is
# the folder's (Permission denied), not the missing lock file
cd "$T"
mkdir ro-dir
cp lib.asx lib.tsv ro-dir/
[ "$(id -u)" -eq 0 ] && chown nobody ro-dir/lib.asx
chmod 555 ro-dir
cd ro-dir
run as_user "$AS_BIN/as-index" -u lib.asx lib.tsv
expect_status 1
expect_err "as-index: lib.asx: cannot take its lock: Permission denied"
cd "$T"
chmod 755 ro-dir
# a lock that cannot be a file: the message says it is the lock's fault
cp lib.asx dirlock.asx
mkdir dirlock.asx.lock
run as-index -o dirlock.asx lib.tsv
expect_status 1
expect_err "as-index: dirlock.asx: cannot take its lock: Is a directory"
cmp -s lib.asx dirlock.asx || fail "written without the lock"

# A lock file made by a run under umask 077 (sudo's, a cron job's) takes
# the index's mode, and, made by root, its owner: the index's owner can
# take it after.
cd "$T"
mkdir um
cp lib.asx lib.tsv um/
chmod 644 um/lib.asx
[ "$(id -u)" -eq 0 ] && chown -R nobody um
cd um
(umask 077 && as-index -q -u lib.asx lib.tsv) || fail "as-index under umask 077"
[ "$(stat -c %a lib.asx.lock)" = 644 ] ||
    fail "lock made under umask 077: mode $(stat -c %a lib.asx.lock)"
[ "$(stat -c %u lib.asx.lock)" = "$(stat -c %u lib.asx)" ] ||
    fail "lock made by root: owner $(stat -c %U lib.asx.lock)"
run as_user "$AS_BIN/as-index" -u lib.asx lib.tsv
expect_status 0
expect_err "as-index: lib.asx: added 0, changed 0, unchanged 2, removed 0, failed 0"
# the graph's lock, made before the graph: the index's mode; but an
# index named NAME.ann takes nothing from a file NAME that is no index
if (umask 077 && as-index -q -a lib.asx) 2>/dev/null; then
    [ "$(stat -c %a lib.asx.ann.lock)" = 644 ] ||
        fail "graph's lock made under umask 077: mode $(stat -c %a lib.asx.ann.lock)"
fi
echo note >other
chmod 604 other
(umask 077 && as-index -q -o other.ann lib.tsv) || fail "as-index -o other.ann"
[ "$(stat -c %a other.ann.lock)" = 600 ] ||
    fail "other.ann's lock took the mode of other: $(stat -c %a other.ann.lock)"
