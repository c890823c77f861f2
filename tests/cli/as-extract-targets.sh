#!/bin/sh
# SPDX-License-Identifier: MIT
# -o to something that is not a regular file: /dev/null (as root, a
# private node of it) and a FIFO are written directly and stay what they
# are, /dev/full reports the full disk, /dev/stdout writes to the pipe or
# file the shell opened, a symbolic link is followed (the file it names
# is replaced, the link stays), a directory is refused.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
cp "$FIX/kick_44k1.flac" kick.flac
as-extract kick.flac >want.tsv

if as_dev_nodes; then
    run as-extract -o "$null" kick.flac
    expect_status 0
    expect_no_err
    expect_out_empty
    [ -c "$null" ] || fail "$null is no longer a character device"
fi
if [ -n "${full-}" ]; then
    run as-extract -o "$full" kick.flac
    expect_status 1
    expect_err "as-extract: $full: No space left on device"
    [ -c "$full" ] || fail "$full is no longer a character device"
    # more rows than stdio buffers: the reason survives the earlier,
    # failed flushes
    run as-extract -o "$full" "$FIX"/*.wav
    expect_status 1
    expect_err "as-extract: $full: No space left on device"
    # the same on standard output
    as-extract "$FIX"/*.wav >"$full" 2>"$T/err" && fail "stdout: exit 0"
    expect_err "as-extract: stdout: No space left on device"
fi
if [ -z "${null-}" ]; then
    echo "note: no character devices to use (mknod refused); cases skipped" >&2
fi

mkfifo fifo
cat fifo >got.tsv &
reader=$!
run as-extract -o fifo kick.flac
expect_status 0
expect_no_err
wait "$reader"
cmp -s want.tsv got.tsv || fail "the FIFO's reader got other rows"
[ -p fifo ] || fail "the FIFO was replaced"

mkdir -p real
echo old >real/out.tsv
ln -s real/out.tsv link.tsv
run as-extract -o link.tsv kick.flac
expect_status 0
expect_no_err
[ -L link.tsv ] || fail "the symbolic link was replaced"
cmp -s want.tsv real/out.tsv || fail "the link's target was not written"
# a link to a file that does not exist yet: the file is made
ln -s real/new.tsv dangling.tsv
run as-extract -o dangling.tsv kick.flac
expect_status 0
expect_no_err
[ -L dangling.tsv ] || fail "the dangling link was replaced"
cmp -s want.tsv real/new.tsv || fail "the dangling link's target was not made"
# a failure leaves the target as it was
cp real/out.tsv before.tsv
run as-extract -o link.tsv kick.flac missing.wav
expect_status 1
cmp -s before.tsv real/out.tsv || fail "a failed run changed the link's target"
ls -A real | grep -q tmp && fail "temporary file left in real/"
# /dev/stdout leads to the kernel's link to an open file, which names
# no path: a pipe or the shell's file (appended to) is written as it is
{
    st=0
    as-extract -o /dev/stdout kick.flac || st=$?
    echo "$st" >rc
} | cat >piped.tsv
[ "$(cat rc)" = 0 ] || fail "-o /dev/stdout into a pipe: exit $(cat rc)"
cmp -s want.tsv piped.tsv || fail "-o /dev/stdout: the pipe got other rows"
as-extract -o /dev/stdout kick.flac >redirected.tsv ||
    fail "-o /dev/stdout to a file failed"
as-extract -H -o /dev/fd/1 kick.flac >>redirected.tsv ||
    fail "-o /dev/fd/1 appending to a file failed"
{ cat want.tsv; tail -n 1 want.tsv; } >twice.tsv
cmp -s twice.tsv redirected.tsv || fail "-o /dev/stdout: the file got other rows"
# what the shell writes to the file next comes after, not over, the rows
{
    as-extract -o /dev/stdout kick.flac
    echo last
} >then.tsv
{ cat want.tsv; echo last; } >want_then.tsv
cmp -s want_then.tsv then.tsv || fail "-o /dev/stdout: the shell wrote over it"
ln -s loop1 loop2
ln -s loop2 loop1
run as-extract -o loop1 kick.flac
expect_status 1
expect_err "as-extract: loop1: Too many levels of symbolic links"

run as-extract -o real kick.flac
expect_status 1
expect_err "as-extract: real: Is a directory"
[ -d real ] || fail "the directory was replaced"

# -o naming an input, however spelt, would lose it: a usage error, and
# nothing is touched
usage="$(as_usage as-extract)"
cp kick.flac saved.flac
as-extract kick.flac | as-index -o lib.asx
cp lib.asx saved.asx
echo kick.flac >list
mkdir -p walk
cp kick.flac walk/
for args in "-o kick.flac kick.flac" "-o ./kick.flac want.tsv kick.flac" \
    "-o list -T list" "-U lib.asx -o ./lib.asx kick.flac" \
    "-o kick.flac -T list" "-o walk/kick.flac -r walk"; do
    # shellcheck disable=SC2086
    run as-extract $args
    expect_status 2
    o=${args#*-o }
    expect_err "as-extract: -o ${o%% *} would write over an input; write to another file" \
        "$usage" "Try 'as-extract --help'."
done
cmp -s saved.flac kick.flac || fail "-o over the input: the audio changed"
cmp -s saved.flac walk/kick.flac || fail "-o over a walked file: the audio changed"
# ... nor a file there that only starts as an output does (0x89 of a
# PNG, '{' of any JSON): an earlier run's output is known by its whole
# mark, with or without a header line, and replaced
printf '\211PNG\r\n\032\n\0\0\0\rIHDR' >walk/cover.png
printf '{"my":"settings"}\n' >walk/config.json
cp walk/cover.png saved.png
cp walk/config.json saved.json
for f in cover.png config.json; do
    run as-extract -r -o walk/$f walk
    expect_status 2
    expect_err "as-extract: -o walk/$f would write over an input; write to another file" \
        "$usage" "Try 'as-extract --help'."
done
cmp -s saved.png walk/cover.png || fail "-o over a PNG in the folder"
cmp -s saved.json walk/config.json || fail "-o over a JSON file in the folder"
rm walk/cover.png walk/config.json
for args in "-o walk/rows.tsv" "-H -o walk/rows.tsv" "-J -o walk/rows.json" \
    "-f bin -o walk/rows.bin" "-i -H -o walk/info.tsv"; do
    # shellcheck disable=SC2086
    as-extract -r $args walk || fail "as-extract -r $args (first run)"
    # shellcheck disable=SC2086
    run as-extract -r $args walk
    expect_status 0
    expect_no_err
done
rm walk/rows.* walk/info.tsv
cmp -s saved.asx lib.asx || fail "-o over the -U index: the index changed"
# -o naming an index, a slip for "| as-index -o lib.asx": only as-index
# replaces an index (a damaged one too), whatever the run (-C as well)
head -c 200 lib.asx >cut.asx
for args in "-o lib.asx kick.flac" "-C -o lib.asx" "-o cut.asx kick.flac"; do
    # shellcheck disable=SC2086
    run as-extract $args
    expect_status 2
    o=${args#*-o }
    expect_err "as-extract: -o ${o%% *} is an index, which only as-index replaces; write to another file" \
        "$usage" "Try 'as-extract --help'."
done
cmp -s saved.asx lib.asx || fail "-o over an index: the index changed"
# nor its segment, which every tool reads with it: known by its magic,
# cut short as this one is too (as-map-errors.sh refuses a whole one)
printf '\211ASD\r\n\032\n' >seg.asx.seg
cp seg.asx.seg saved.seg
run as-extract -o seg.asx.seg kick.flac
expect_status 2
expect_err "as-extract: -o seg.asx.seg is an index's segment, which only as-index replaces; write to another file" \
    "$usage" "Try 'as-extract --help'."
cmp -s saved.seg seg.asx.seg || fail "-o over a segment: the segment changed"
# nor the segment's name beside an index when there is none yet
run as-extract -o lib.asx.seg kick.flac
expect_status 2
expect_err "as-extract: -o lib.asx.seg is where the index lib.asx keeps its segment, which only as-index writes; write to another file" \
    "$usage" "Try 'as-extract --help'."
[ ! -e lib.asx.seg ] || fail "-o lib.asx.seg was written"
[ "$(cat list)" = kick.flac ] || fail "-o over the -T list: the list changed"
# A folder's stream written into the folder itself is no input the next
# time (-r finds what an earlier run wrote there): it is replaced.
mkdir -p own
cp kick.flac own/
as-extract -r own -o own/lib.tsv
as-extract -r own -o own/lib.tsv || fail "-r into the folder, again"
[ "$(wc -l <own/lib.tsv)" -eq 2 ] || fail "-r into the folder: $(cut -f 1 own/lib.tsv)"
# - is standard input there, standard output here: not one file
run as-extract -o - - <kick.flac
expect_status 0
