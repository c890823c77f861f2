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

# -a waiting for another build's lock (-w) builds from the index as it
# is once it has the lock, not as it was when the run began: after an
# update meanwhile, a graph of the old index would replace the new one
# the other build may have written, and every search would refuse it.
if [ "${AS_WITH_APPROX-}" = ON ]; then
    as-index -o graph.asx lib.tsv
    flock graph.asx.ann.lock sleep 1.5 &
    holder=$!
    sleep 0.2
    as-index -a graph.asx -w 30 2>"$T/approx.err" &
    builder=$!
    sleep 0.5
    # the index changes while the build waits (a delta segment)
    sed 's/kick_44k1/kick_again/' lib.tsv | as-index -q -u graph.asx
    wait "$holder"
    wait "$builder" || fail "-a failed: $(cat "$T/approx.err")"
    run as-search -a -k 1 graph.asx "$FIX/kick_44k1.flac"
    expect_status 0
    expect_no_err
fi

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

# Nor is the lock ever seen with the umask's mode: a run held between
# making it and giving it the index's mode (strace delays its fchmod)
# has not put it in place yet; made in place, the index's owner would
# find it 0600 and root's, and fail, for that moment.
cd "$T"
if command -v strace >/dev/null 2>&1 &&
    strace -f -o /dev/null -e trace=fchmod -e inject=fchmod:delay_enter=1 \
        true 2>/dev/null; then
    mkdir race
    cp lib.asx lib.tsv race/
    chmod 644 race/lib.asx
    cd race
    # (LeakSanitizer, in the sanitizer build, refuses to run under ptrace)
    (umask 077 && ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
        strace -f -o /dev/null -e trace=fchmod \
        -e inject=fchmod:delay_enter=1500000 \
        "$AS_BIN/as-index" -q -u lib.asx lib.tsv) &
    writer=$!
    n=0
    while [ ! -e lib.asx.lock ] && [ $n -lt 500 ]; do
        sleep 0.01
        n=$((n + 1))
    done
    seen=$(stat -c %a lib.asx.lock 2>/dev/null || echo none)
    wait "$writer" || fail "as-index under strace"
    [ "$seen" = 644 ] || fail "lock seen while being made: mode $seen"
    ls -a | grep -q 'tmp-' && fail "temporary lock left: $(ls -a)"
    # one a killed run left is swept by the next writer
    : >.lib.asx.lock.tmp-Ab12Cd
    : >.lib.asx.ann.lock.tmp-Ab12Cd
    : >.lib.asx.lockx.tmp-Ab12Cd
    as-index -q -u lib.asx lib.tsv || fail "as-index -u"
    [ "$(ls -a | grep tmp-)" = .lib.asx.lockx.tmp-Ab12Cd ] ||
        fail "temporary locks not swept: $(ls -a)"
else
    echo "note: strace cannot delay a call here; lock in the making not checked" >&2
fi

# No inode left for the lock's temporary name (a full file system, a
# quota): the lock there serves all the same. As root, on a tmpfs of six
# inodes.
cd "$T"
mkdir ino
if [ "$(id -u)" -eq 0 ] &&
    mount -t tmpfs -o size=4m,nr_inodes=6 tmpfs ino 2>/dev/null; then
    cp lib.asx lib.tsv ino/
    cd ino
    as-index -q -u lib.asx lib.tsv || { cd "$T" && umount ino; fail "first lock"; }
    i=0
    while touch "f$i" 2>/dev/null; do
        i=$((i + 1))
    done
    run as-index -u lib.asx lib.tsv
    cd "$T"
    umount ino
    expect_status 0
    expect_err "as-index: lib.asx: added 0, changed 0, unchanged 2, removed 0, failed 0"
else
    echo "note: no tmpfs to mount here; a full file system not checked" >&2
fi

# A lock file removed while a writer holds its lock (by someone who took
# it for a stale one) lets the next writer make another: the first then
# writes nothing, and the second's changes stay. The first waits for its
# rows on a FIFO, the lock held.
cd "$T"
mkdir gone
cd gone
as_synthetic_tsv 40 8 1 >all.tsv
head -n 31 all.tsv | as-index -q -o lib.asx
{ head -n 1 all.tsv && sed -n 32,36p all.tsv; } >b.tsv
{ head -n 1 all.tsv && sed -n 37,41p all.tsv; } >a.tsv
mkfifo rows
# (-w: the probe below holds the lock for a moment when it comes first)
as-index -w 10 -u lib.asx rows 2>a.err &
first=$!
wait_for "the first writer's lock" sh -c '! flock -n lib.asx.lock true'
rm lib.asx.lock
run as-index -u lib.asx b.tsv
expect_status 0
cat a.tsv >rows
set +e
wait "$first"
status=$?
set -e
[ "$status" -eq 1 ] || fail "the writer whose lock file went exited $status"
[ "$(cat a.err)" = "as-index: lib.asx: its lock file was removed while this run held it, letting another writer in; not written" ] ||
    fail "the writer whose lock file went: $(cat a.err)"
[ "$(as-index -H -d lib.asx | wc -l)" -eq 35 ] ||
    fail "entries after both writers: $(as-index -H -d lib.asx | wc -l), want 35"

# The same file removed while a writer waits for it (-w), and another made
# and held: the waiter takes the lock of the file there now, and writes
# only once that is free (the index the holder reads last lacks its rows);
# the first holder keeps its lock 2 s, time enough for the second to
# take the new file's on a busy machine
flock lib.asx.lock sleep 2 &
holder=$!
wait_for "the lock held" sh -c '! flock -n lib.asx.lock true'
as-index -q -w 20 -u lib.asx a.tsv &
waiter=$!
sleep 0.3
rm lib.asx.lock
flock lib.asx.lock sh -c 'sleep 3; as-index -H -d lib.asx >seen.tsv' &
second=$!
wait "$holder"
wait "$second"
wait "$waiter" || fail "the waiting writer failed"
[ "$(wc -l <seen.tsv)" -eq 35 ] ||
    fail "the waiting writer wrote under another's lock: $(wc -l <seen.tsv) entries seen"
[ "$(as-index -H -d lib.asx | wc -l)" -eq 40 ] || fail "the waiting writer's rows"
exit 0
