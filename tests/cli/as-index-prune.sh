#!/bin/sh
# SPDX-License-Identifier: MIT
# -p never empties an index by mistake: no pruning after an input that
# failed or was empty (the rows read are still indexed), and a prune of
# more than half of the entries writes nothing unless -F is given. -m
# drops the entries of moved files alone.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
mkdir -p work/lib
for f in 220 330 440 550; do
    mksignal -d 0.3 sine:$f work/lib/t$f.wav
done
mksignal -d 0.3 sine:660 new.wav
cd work
as-extract -r lib >../all.tsv
as-extract -r lib | head -n 1 >../header.tsv
as-index -o lib.asx ../all.tsv
cp lib.asx ../saved.asx
n_entries() {
    as-index -H -d "$1" | wc -l | tr -d ' '
}

# The pipeline run from the wrong folder: as-extract reads nothing and
# writes nothing, not even a header; as-index sees no stream, and prunes
# nothing. Nothing is written.
cd "$T"
run sh -c 'as-extract -r -U work/lib.asx lib | as-index -u work/lib.asx -p'
expect_status 1
expect_err "as-extract: lib: No such file or directory" \
    "as-index: stdin: empty: no stream header" \
    "as-index: work/lib.asx: nothing pruned after the input errors above" \
    "as-index: work/lib.asx: added 0, changed 0, unchanged 0, removed 0, failed 1"
expect_out_empty
cmp -s saved.asx work/lib.asx || fail "index changed from the wrong folder"
# A stream without rows and every path gone (a folder that is empty, or
# the paths relative to another one): -p would remove them all
run as-index -u work/lib.asx -p header.tsv
expect_status 1
expect_err "as-index: work/lib.asx: -p would remove 4 of the 4 entries; nothing written (see --force-prune)"
expect_out_empty
cmp -s saved.asx work/lib.asx || fail "index changed by a suspect prune"
# the same with -J: no summary
run as-index -J -u work/lib.asx -p header.tsv
expect_status 1
expect_out_empty
cmp -s saved.asx work/lib.asx || fail "index changed by a suspect prune (-J)"
cd work

# A file deleted, then streams that fail: nothing pruned, rows indexed.
rm lib/t550.wav
cp lib.asx before.asx
for bad in empty refused; do
    if [ "$bad" = refused ]; then
        echo "not a stream" >bad.tsv
        why="not a feature stream"
    else
        : >bad.tsv
        why="empty: no stream header"
    fi
    run_in bad.tsv as-index -u lib.asx -p
    expect_status 1
    expect_err "as-index: stdin: $why" \
        "as-index: lib.asx: nothing pruned after the input errors above" \
        "as-index: lib.asx: added 0, changed 0, unchanged 0, removed 0, failed 1"
    [ "$(n_entries lib.asx)" -eq 4 ] || fail "$bad: pruned after a failed input"
done
# one good stream and one refused: the good rows go in, nothing pruned
cp ../new.wav lib/new.wav
as-extract lib/new.wav >one.tsv
run as-index -u lib.asx -p one.tsv bad.tsv
expect_status 1
expect_err "as-index: bad.tsv: not a feature stream" \
    "as-index: lib.asx: nothing pruned after the input errors above" \
    "as-index: lib.asx: added 1, changed 0, unchanged 0, removed 0, failed 1"
[ "$(n_entries lib.asx)" -eq 5 ] || fail "rows not indexed, or pruned"
# a refused row does the same
{ cat ../header.tsv; tail -n 1 one.tsv | sed 's/	[^	]*$/	nan/'; } >badrow.tsv
run as-index -u lib.asx -p badrow.tsv
expect_status 1
[ "$(tail -n 1 "$T/err")" = "as-index: lib.asx: added 0, changed 0, unchanged 0, removed 0, failed 1" ] ||
    fail "bad row: $(cat "$T/err")"
grep -qxF "as-index: lib.asx: nothing pruned after the input errors above" "$T/err" ||
    fail "bad row: no word of the prune skipped"
[ "$(n_entries lib.asx)" -eq 5 ] || fail "pruned after a bad row"

# A stream with a header and no rows is a night with nothing new: the
# deleted file goes.
run_in ../header.tsv as-index -u lib.asx -p
expect_status 0
expect_err "as-index: lib.asx: added 0, changed 0, unchanged 0, removed 1, failed 0"
[ "$(n_entries lib.asx)" -eq 4 ] || fail "not pruned"

# Half of the entries may go; more needs -F.
rm lib/t440.wav lib/new.wav
run_in ../header.tsv as-index -u lib.asx -p
expect_status 0
expect_err "as-index: lib.asx: added 0, changed 0, unchanged 0, removed 2, failed 0"
rm lib/t220.wav lib/t330.wav
cp lib.asx before.asx
run_in ../header.tsv as-index -u lib.asx -p
expect_status 1
expect_err "as-index: lib.asx: -p would remove 2 of the 2 entries; nothing written (see --force-prune)"
expect_out_empty
cmp -s before.asx lib.asx || fail "written after a refused prune"
run_in ../header.tsv as-index -u lib.asx -p -F
expect_status 0
expect_err "as-index: lib.asx: added 0, changed 0, unchanged 0, removed 2, failed 0"
[ "$(n_entries lib.asx)" -eq 0 ] || fail "-F did not prune"

# -F only with -p; in --help and the man page.
run as-index -F -u lib.asx ../header.tsv
expect_status 2
expect_err "as-index: -F goes with -p" \
    "$(as_usage as-index)" \
    "Try 'as-index --help'."
as_check_man_options as-index

# A disk not mounted under a library that holds more than it: fewer than
# half of the entries go, but the folder they were in is there and empty,
# as a mount point is; a folder deleted on purpose is gone with them.
cd "$T"
mkdir -p m/samples/local m/samples/usb
for f in 220 330 440; do mksignal -d 0.3 sine:$f m/samples/local/t$f.wav; done
mksignal -d 0.3 sine:550 m/samples/usb/u550.wav
cd m
as-extract -r samples | as-index -o lib.asx
mv samples/usb usb.away
mkdir samples/usb
cp lib.asx before.asx
run sh -c 'as-extract -r -U lib.asx samples | as-index -u lib.asx -p'
expect_status 1
expect_err "as-index: lib.asx: -p would remove 1 entry under samples/usb, an empty folder (not mounted?); nothing written (see --force-prune)"
cmp -s before.asx lib.asx || fail "written after a prune under an empty folder"
run sh -c 'as-extract -r -U lib.asx samples | as-index -u lib.asx -p -F'
expect_status 0
[ "$(n_entries lib.asx)" -eq 3 ] || fail "-F: the entries under the empty folder"
cp before.asx lib.asx
rm -f lib.asx.seg # the -F run's update
rmdir samples/usb
run sh -c 'as-extract -r -U lib.asx samples | as-index -u lib.asx -p'
expect_status 0
expect_err "as-index: lib.asx: added 0, changed 0, unchanged 0, removed 1, failed 0"
# The same disk reached through a link (samples/usb -> the mount point),
# whose mount point went away with it: the link leads nowhere, and the
# nearest folder that is there (samples) is not empty. (-r does not
# follow a link to a folder: the link is an operand of its own, which
# as-extract then fails to read, but the stream it writes is whole.)
mkdir -p ../drive/kit
mksignal -d 0.3 sine:880 ../drive/kit/u880.wav
ln -s ../../drive samples/usb
as-extract -r -U lib.asx samples samples/usb | as-index -q -u lib.asx -p
as-index -d lib.asx >before.tsv
mv ../drive ../drive.away
mksignal -d 0.3 sine:990 samples/local/t990.wav # and a new file that night
run sh -c 'as-extract -q -r -U lib.asx samples samples/usb | as-index -u lib.asx -p'
expect_status 1
expect_err "as-index: lib.asx: -p would remove 1 entry under samples/usb, a link that leads nowhere (not mounted?); nothing written (see --force-prune)"
as-index -d lib.asx | cmp -s before.tsv - ||
    fail "written after a prune under a dead link"
run sh -c 'as-extract -q -r -U lib.asx samples samples/usb | as-index -u lib.asx -p -F'
expect_status 0
expect_err "as-index: lib.asx: added 1, changed 0, unchanged 0, removed 1, failed 0"
rm samples/usb samples/local/t990.wav
as-extract -r -U lib.asx samples | as-index -q -u lib.asx -p
# a file moved out of a folder it leaves empty is no disk gone: its audio
# comes back under its new path, and the prune goes ahead; the files of
# an emptied folder that do not come back still need -F
mkdir samples/new
mksignal -d 0.3 sine:660 samples/new/t660.wav
as-extract -r -U lib.asx samples | as-index -q -u lib.asx -p
mv samples/new/t660.wav samples/local/
run sh -c 'as-extract -r -U lib.asx samples | as-index -u lib.asx -p'
expect_status 0
expect_err "as-index: lib.asx: added 1, changed 0, unchanged 0, removed 1, failed 0"
mkdir samples/old
mksignal -d 0.3 sine:770 samples/old/t770.wav
as-extract -r -U lib.asx samples | as-index -q -u lib.asx -p
rm samples/old/t770.wav
run sh -c 'as-extract -r -U lib.asx samples | as-index -u lib.asx -p'
expect_status 1
expect_err "as-index: lib.asx: -p would remove 1 entry under samples/old, an empty folder (not mounted?); nothing written (see --force-prune)"

# A folder renamed or moved whole is no loss, however much of the
# library it holds: the audio of every entry under it comes back in the
# rows added, and the prune goes ahead without -F.
cd "$T"
mkdir -p r/samples/kit r/samples/other
for f in 220 330 440; do mksignal -d 0.3 sine:$f r/samples/kit/k$f.wav; done
mksignal -d 0.3 sine:550 r/samples/other/o550.wav
cd r
as-extract -r samples | as-index -q -o lib.asx
mv samples/kit samples/drums
run sh -c 'as-extract -r -U lib.asx samples | as-index -u lib.asx -p'
expect_status 0
expect_err "as-index: lib.asx: added 3, changed 0, unchanged 0, removed 3, failed 0"
[ "$(as-index -H -d lib.asx | cut -f 1 | sort | tr '\n' ' ')" = \
    "samples/drums/k220.wav samples/drums/k330.wav samples/drums/k440.wav samples/other/o550.wav " ] ||
    fail "renamed folder: $(as-index -H -d lib.asx | cut -f 1)"
# The same files read from another directory, under other spellings,
# are no move: the folder gone is the first name of the entries'
# relative paths, which a wrong current directory makes gone too.
cp lib.asx before.asx
cd "$T"
run sh -c 'as-extract -r -U r/lib.asx r/samples | as-index -u r/lib.asx -p'
expect_status 1
expect_err "as-index: r/lib.asx: -p would remove 4 of the 4 entries; nothing written (see --force-prune)"
cmp -s r/before.asx r/lib.asx || fail "written from the wrong directory"
run sh -c "as-extract -r -U r/lib.asx \"\$PWD/r/samples\" | as-index -u r/lib.asx -p"
expect_status 1
expect_err "as-index: r/lib.asx: -p would remove 4 of the 4 entries; nothing written (see --force-prune)"
cmp -s r/before.asx r/lib.asx || fail "written from the wrong directory (absolute)"
# and from a directory that has a folder of the library's first name
mkdir -p samples/unrelated
run sh -c 'as-extract -r -U r/lib.asx r/samples | as-index -u r/lib.asx -p'
expect_status 1
expect_err "as-index: r/lib.asx: -p would remove 4 of the 4 entries; nothing written (see --force-prune)"
cmp -s r/before.asx r/lib.asx || fail "written from the wrong directory (samples)"
rm -r samples
cd r
# A disk taken away with its mount point, of which two files were copied
# elsewhere first: the folder did not come back whole, all of it is lost.
mkdir samples/copy
cp samples/drums/k220.wav samples/drums/k330.wav samples/copy/
mv samples/drums ../drums.away
cp lib.asx before.asx
run sh -c 'as-extract -r -U lib.asx samples | as-index -u lib.asx -p'
expect_status 1
expect_err "as-index: lib.asx: -p would remove 3 of the 4 entries; nothing written (see --force-prune)"
cmp -s before.asx lib.asx || fail "written after a partly copied folder went"
# some of the gone moved, the rest too many: the message says both
mv ../drums.away samples/drums
rm -r samples/copy
mksignal -d 0.3 sine:660 samples/drums/k660.wav
mksignal -d 0.3 sine:770 samples/other/o770.wav
as-extract -r -U lib.asx samples | as-index -q -u lib.asx -p
mkdir samples/new
mv samples/other/o770.wav samples/new/
rm samples/drums/k220.wav samples/drums/k330.wav samples/drums/k440.wav samples/drums/k660.wav
run sh -c 'as-extract -r -U lib.asx samples | as-index -u lib.asx -p'
expect_status 1
expect_err "as-index: lib.asx: -p would remove 5 of the 6 entries, 4 of them lost (gone, not moved whole); nothing written (see --force-prune)"
# -m drops the moved entry alone, whatever the share of the lost, and
# says how many it kept (for a night whose extraction failed)
cp lib.asx before-m.asx
as-extract -r -U lib.asx samples >moved.tsv
# -J counts them in the summary; not after an input error, where no
# entry of a file gone goes, the moved one too
echo "not a stream" >notastream.tsv
run as-index -J -u lib.asx -m moved.tsv notastream.tsv
expect_status 1
expect_out '{"index":"lib.asx","added":1,"changed":0,"unchanged":0,"removed":0,"failed":1,"kept":5}'
cp before-m.asx lib.asx
run as-index -J -u lib.asx -m moved.tsv
expect_status 0
expect_err "as-index: lib.asx: -m kept 4 entries whose file is gone and did not move"
expect_out '{"index":"lib.asx","added":1,"changed":0,"unchanged":0,"removed":1,"failed":0,"kept":4}'
cp before-m.asx lib.asx
run as-index -u lib.asx -m moved.tsv
expect_status 0
expect_err "as-index: lib.asx: -m kept 4 entries whose file is gone and did not move" \
    "as-index: lib.asx: added 1, changed 0, unchanged 0, removed 1, failed 0"
as-index -H -d lib.asx | cut -f 1 | grep -q '^samples/other/o770.wav$' &&
    fail "-m: the moved entry kept"
as-index -H -d lib.asx | cut -f 1 | grep -q '^samples/new/o770.wav$' ||
    fail "-m: the moved file not indexed"
[ "$(n_entries lib.asx)" -eq 6 ] || fail "-m: $(n_entries lib.asx) entries"
# nothing moved: nothing dropped, one entry said in the singular
as-extract -r -U lib.asx samples | as-index -q -u lib.asx -p -F
rm samples/other/o550.wav
run sh -c 'as-extract -r -U lib.asx samples | as-index -u lib.asx -m'
expect_status 0
expect_err "as-index: lib.asx: -m kept 1 entry whose file is gone and did not move" \
    "as-index: lib.asx: added 0, changed 0, unchanged 0, removed 0, failed 0"
usage_err() { # message: the first line of a usage error
    expect_status 2
    head -n 1 "$T/err" | grep -qxF "as-index: $1" || fail "$(head -n 1 "$T/err")"
}
run as-index -u lib.asx -m -p
usage_err "-m and -p do not go together (-p prunes moved entries too)"
run as-index -u lib.asx -m -F
usage_err "-F goes with -p"
run as-index -m -o other.asx
usage_err "-m goes with -u"
# A disk not mounted whose files the library also holds elsewhere: the
# copies' rows, read again (touched), prove no move, and the empty mount
# point stops the prune.
cd "$T"
mkdir -p d/samples/usb d/samples/backup d/samples/local
for f in 220 330; do mksignal -d 0.3 sine:$f d/samples/usb/u$f.wav; done
cp d/samples/usb/*.wav d/samples/backup/
mksignal -d 0.3 sine:440 d/samples/local/l440.wav
cd d
as-extract -r samples | as-index -q -o lib.asx
mv samples/usb usb.away
mkdir samples/usb
touch -d '2030-01-01 00:00' samples/backup/*.wav
cp lib.asx before.asx
run sh -c 'as-extract -r -U lib.asx samples | as-index -u lib.asx -p'
expect_status 1
expect_err "as-index: lib.asx: -p would remove 2 entries under samples/usb, an empty folder (not mounted?); nothing written (see --force-prune)"
cmp -s before.asx lib.asx || fail "written with a disk away that has copies"
# A disk whose mount point went away with it, in a folder where another
# disk is still mounted (/media/USER): the folder left holds a mount
# point, not only folders of its own. / stands for it here, where /proc
# is a file system of its own.
if [ "$(stat -c %d /)" != "$(stat -c %d /proc)" ]; then
    cd "$T"
    mkdir -p mnt/local
    for f in 220 330 440; do mksignal -d 0.3 sine:$f mnt/local/l$f.wav; done
    mksignal -d 0.3 sine:550 mnt/u550.wav
    cd mnt
    gone=/as-test-gone-$$/disk/u550.wav
    [ ! -e "/as-test-gone-$$" ] || fail "/as-test-gone-$$ exists"
    as-extract -r local u550.wav |
        awk -v g="$gone" 'BEGIN { FS = OFS = "\t" }
            $1 == "u550.wav" { $1 = g } { print }' |
        as-index -q -o lib.asx
    cp lib.asx before.asx
    run sh -c 'as-extract -r -U lib.asx local | as-index -u lib.asx -p'
    expect_status 1
    expect_err "as-index: lib.asx: -p would remove 1 entry under /, a folder that holds mount points (not mounted?); nothing written (see --force-prune)"
    cmp -s before.asx lib.asx || fail "written with a disk away beside a mount"
    run sh -c 'as-extract -r -U lib.asx local | as-index -u lib.asx -p -F'
    expect_status 0
    expect_err "as-index: lib.asx: added 0, changed 0, unchanged 0, removed 1, failed 0"
    # a file deleted from such a folder, which is still there, is a file
    # deleted: a disk away takes its mount point's folder with it
    as-extract u550.wav |
        awk -v g="/as-test-gone-$$.wav" 'BEGIN { FS = OFS = "\t" }
            $1 == "u550.wav" { $1 = g } { print }' |
        as-index -q -u lib.asx
    run sh -c 'as-extract -r -U lib.asx local | as-index -u lib.asx -p'
    expect_status 0
    expect_err "as-index: lib.asx: added 0, changed 0, unchanged 0, removed 1, failed 0"
else
    echo "note: / and /proc on one file system; the mount point case not run" >&2
fi

# A name that holds no file any more is gone too: a folder or a FIFO
# where a file was, a file where its folder was (ENOTDIR below it); and
# a folder renamed with a file left under its old name is a move (-m).
cd "$T"
mkdir -p g/samples/kit g/samples/hat g/samples/keep
for f in 220 330 440 550 660; do mksignal -d 0.3 sine:$f g/samples/keep/k$f.wav; done
mksignal -d 0.3 sine:770 g/samples/kit/a.wav
mksignal -d 0.3 sine:880 g/samples/kit/b.wav
mksignal -d 0.3 sine:990 g/samples/hat/h.wav
cd g
as-extract -r samples | as-index -q -o lib.asx
rm samples/kit/a.wav samples/kit/b.wav
mkdir samples/kit/a.wav
mkfifo samples/kit/b.wav
rm -r samples/hat
echo note >samples/hat
run sh -c 'as-extract -r -U lib.asx samples | as-index -u lib.asx -p'
expect_status 0
expect_err "as-index: lib.asx: added 0, changed 0, unchanged 0, removed 3, failed 0"
[ "$(as-index -H -d lib.asx | cut -f 1 | sort | tr '\n' ' ')" = \
    "samples/keep/k220.wav samples/keep/k330.wav samples/keep/k440.wav samples/keep/k550.wav samples/keep/k660.wav " ] ||
    fail "names without a file: $(as-index -H -d lib.asx | cut -f 1)"
mv samples/keep samples/kept
echo note >samples/keep
run sh -c 'as-extract -r -U lib.asx samples | as-index -u lib.asx -m'
expect_status 0
expect_err "as-index: lib.asx: added 5, changed 0, unchanged 0, removed 5, failed 0"
[ "$(as-index -H -d lib.asx | cut -f 1 | sort | tr '\n' ' ')" = \
    "samples/kept/k220.wav samples/kept/k330.wav samples/kept/k440.wav samples/kept/k550.wav samples/kept/k660.wav " ] ||
    fail "moved under a file's name: $(as-index -H -d lib.asx | cut -f 1)"
