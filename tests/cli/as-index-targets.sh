#!/bin/sh
# SPDX-License-Identifier: MIT
# as-index -o, -u and merge, and as-cluster -W, with a target that is not
# a regular file: a device or FIFO is refused (never replaced, no
# waiting on the FIFO), and no reader waits on a FIFO either; a symbolic
# link is followed, the index it names locked and replaced, and the link
# stays.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as-extract "$FIX/kick_44k1.flac" "$FIX/hihat_48k.wav" \
    "$FIX/sine440_44k1.wav" >lib.tsv
as-index -o lib.asx lib.tsv

mkfifo fifo
as_dev_nodes || echo "note: mknod refused; device case skipped" >&2
for target in ${null-} fifo; do
    run timeout 20 as-index -o "$target" lib.tsv
    expect_status 1
    expect_err "as-index: $target: exists and is not an index; not replaced"
    run timeout 20 as-index -u "$target" lib.tsv
    expect_status 1
    expect_err "as-index: $target: exists and is not an index; not replaced"
    run timeout 20 as-index merge -o "$target" lib.asx
    expect_status 1
    expect_err "as-index: $target: exists and is not an index; not replaced"
done
[ -z "${null-}" ] || [ -c "$null" ] || fail "$null is no longer a character device"
[ -p fifo ] || fail "the FIFO was replaced"
# nor does a reader wait on a FIFO named as the index: it is no index
for cmd in "as-index -c" "as-index -d" "as-search -L" "as-stats" \
    "as-cluster -k 2" "as-anomaly" "as-map -o -"; do
    # shellcheck disable=SC2086 # the words split on purpose
    run timeout 20 $cmd fifo
    expect_status 1
    expect_err "${cmd%% *}: fifo: not an index"
done
run timeout 20 as-extract -U fifo "$FIX/kick_44k1.flac"
expect_status 1
expect_err "as-extract: fifo: not an index"

mkdir real
mv lib.asx real/lib.asx
ln -s real/lib.asx link.asx
for cmd in "as-index -o link.asx lib.tsv" "as-index -u link.asx lib.tsv" \
    "as-index merge -o link.asx real/lib.asx" "as-cluster -q -W -k 2 link.asx"; do
    run $cmd
    expect_status 0
    [ -L link.asx ] || fail "$cmd: the symbolic link was replaced"
    as-index -c real/lib.asx || fail "$cmd: the index is not whole"
    [ ! -e link.asx.lock ] || fail "$cmd: locked the link's name"
    [ -e real/lib.asx.lock ] || fail "$cmd: did not lock the index"
done
[ "$(as-index -H -d real/lib.asx | wc -l)" -eq 3 ] || fail "entries lost"

# a message about the file a link leads to names the link, as given, and
# then that file: the link's folder joined to what the link holds
ln -s gone/lib.asx dangling.asx
run as-index -o dangling.asx lib.tsv
expect_status 1
expect_err "as-index: dangling.asx: cannot take its lock: No such file or directory (a link to gone/lib.asx)"
run as-index -u dangling.asx lib.tsv
expect_status 1
expect_err "as-index: dangling.asx: No such file or directory (a link to gone/lib.asx; build it first with -o)"
ln -s ../lib.tsv real/notes.asx
run as-index -o real/notes.asx lib.tsv
expect_status 1
expect_err "as-index: real/notes.asx: exists and is not an index; not replaced (a link to real/../lib.tsv)"
# and what is said of the index once it is taken names it as given too
mkdir sub
ln -s ../real/lib.asx sub/l2.asx
run as-index merge -o sub/l2.asx nothere.asx
expect_status 1
expect_err "as-index: nothere.asx: No such file or directory" \
    "as-index: sub/l2.asx: not written: 1 input error"
run as-index -L sub/l2.asx
expect_status 1
expect_err "as-index: sub/l2.asx: 1 label with 2 or more entries; learning needs 2"

# an empty name (an unset variable in a cron job) names no file: the
# writers say so and make nothing in the current folder, neither the
# lock ".lock" nor a temporary file, and sweep no other index's (those
# of an index named "seg" look like the segment's of the empty name)
mkdir empty
cd empty
: >.seg.tmp-Abc123
for cmd in "-o" "-u" "merge -o"; do
    if [ "$cmd" = "merge -o" ]; then
        run as-index merge -o "" ../real/lib.asx
    else
        run as-index $cmd "" ../lib.tsv
    fi
    expect_status 1
    expect_err "as-index: '': No such file or directory"
done
run as-index -a ""
expect_status 1
expect_err "as-index: '': No such file or directory"
[ "$(ls -A)" = ".seg.tmp-Abc123" ] || fail "files made or removed: $(ls -A)"
cd ..
