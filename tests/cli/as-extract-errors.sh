#!/bin/sh
# SPDX-License-Identifier: MIT
# Every kind of bad input: one message naming the file, the rest goes on,
# exit status 1.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
cp "$FIX/sine440_44k1.wav" good.wav
: >empty.wav
printf 'This is a text file, not audio.\n' >text.wav
mkdir dir
head -c 20000 "$FIX/mix_44k1_pcm16.wav" >trunc.wav
head -c 15000 "$FIX/chirp_log_50-16k_44k1.flac" >trunc.flac
head -c 5000 "$FIX/mix_44k1_128k.mp3" >trunc.mp3
mksignal -r 0 -c 1 -b 16 -d 0.01 rawwav rate0.wav
mksignal -r 1000000000 -c 1 -b 16 -d 0.00001 rawwav rate1e9.wav
mksignal -r 44100 -c 0 -b 16 -d 0.01 rawwav ch0.wav
mksignal -r 44100 -c 65535 -b 16 -d 0 rawwav ch65535.wav
mksignal -r 44100 -c 100000 -d 0 rawau ch100000.au
mksignal -r 44100 -c 2 -b 16 -d 0.01 --declare 1000000 rawwav pastend.wav
mksignal -r 44100 -c 1 -b 16 -d 0 rawwav zero.wav
mksignal --junk -r 44100 -c 2 -b 16 -d 0.1 rawwav junkchunks.wav
mksignal -r 44100 -d 0.017 sine short17ms.wav
mksignal -r 44100 -d 1 silence silence.wav
cp "$FIX/stereo_u8_8k.wav" u8.wav
cp "$FIX/chirp_log_50-16k_44k1.flac" corrupt.flac
printf 'garbage-garbage-garbage-garbage-garbage-garbage-garbage-garbage' |
    dd of=corrupt.flac bs=1 seek=12000 conv=notrunc 2>/dev/null

run as-extract -i good.wav missing.wav empty.wav text.wav dir trunc.wav \
    trunc.flac trunc.mp3 rate0.wav rate1e9.wav ch0.wav ch65535.wav \
    ch100000.au pastend.wav zero.wav junkchunks.wav \
    short17ms.wav silence.wav u8.wav
expect_status 1
expect_err \
    "as-extract: missing.wav: No such file or directory" \
    "as-extract: empty.wav: empty file" \
    "as-extract: text.wav: unsupported format" \
    "as-extract: dir: Is a directory (use -r to walk it)" \
    "as-extract: trunc.wav: truncated file" \
    "as-extract: trunc.flac: truncated file" \
    "as-extract: trunc.mp3: truncated file" \
    "as-extract: rate0.wav: unsupported sample rate" \
    "as-extract: rate1e9.wav: unsupported sample rate" \
    "as-extract: ch0.wav: unsupported channel count" \
    "as-extract: ch65535.wav: unsupported channel count" \
    "as-extract: ch100000.au: unsupported channel count" \
    "as-extract: pastend.wav: truncated file" \
    "as-extract: zero.wav: no audio data"
cut -f 1,7 "$T/out" | tr '\t\n' ': ' >"$T/rows"
[ "$(cat "$T/rows")" = "path:frames good.wav:44100 junkchunks.wav:4410 short17ms.wav:750 silence.wav:44100 u8.wav:8000 " ] ||
    fail "rows: $(cat "$T/rows")"

# A damaged FLAC frame fails libFLAC's checksum. A build without libFLAC
# (AS_WITH_FLAC=OFF) decodes FLAC through libsndfile, which passes such a
# frame on without a word (as-extract(1), CAVEATS).
run as-extract -i corrupt.flac
if [ "$AS_WITH_FLAC" = ON ]; then
    expect_status 1
    expect_err "as-extract: corrupt.flac: corrupt data"
else
    expect_status 0
fi

# -q silences the warnings, not the exit status.
run as-extract -qi good.wav missing.wav
expect_status 1
expect_no_err

# A directory given as a -T entry without -r.
printf 'dir\n' >list
run as-extract -i -T list
expect_status 1
expect_err "as-extract: dir: Is a directory (use -r to walk it)"
# the empty name is quoted, not an empty field
run as-extract ""
expect_status 1
expect_err "as-extract: '': No such file or directory"
# A directory on standard input is no operand that -r would walk: no
# hint, with -r or without, features or -i; a file named stdin keeps it.
for opt in -r -i; do
    run_in dir as-extract $opt
    expect_status 1
    expect_err "as-extract: stdin: Is a directory"
done
mkdir stdin
run as-extract stdin
expect_status 1
expect_err "as-extract: stdin: Is a directory (use -r to walk it)"
rmdir stdin
# A NUL-terminated list (find -print0) read by lines, without -0: its one
# "line" of every path would pass for the first path alone, exit 0. The
# lines before it are read; the rest is refused, whatever its size.
# (blank lines count in the line's number)
printf 'good.wav\n\n' >nul.list
printf 'good.wav\0missing.wav\0' >>nul.list
run as-extract -i -H -T nul.list
expect_status 1
expect_err "as-extract: nul.list: line 3 holds a NUL byte: a NUL-terminated list (find -print0) needs -0; the rest of it is not read"
[ "$(cut -f 1 "$T/out")" = good.wav ] || fail "-T by lines: $(cat "$T/out")"
run sh -c 'head -c 100000000 /dev/zero | as-extract -i -H -T -'
expect_status 1
expect_err "as-extract: stdin: line 1 holds a NUL byte: a NUL-terminated list (find -print0) needs -0; the rest of it is not read"
# ... with -0, such a list is its paths
printf 'good.wav\0missing.wav\0' >nul0.list
run as-extract -i -H -0 -T nul0.list
expect_status 1
expect_err "as-extract: missing.wav: No such file or directory"
[ "$(cut -f 1 "$T/out")" = good.wav ] || fail "-T -0: $(cat "$T/out")"
# An entry longer than any path is left out, the next one read.
{ printf '\n'; head -c 70000 /dev/zero | tr '\0' a; printf '\ngood.wav\n'; } >long.list
run as-extract -i -H -T long.list
expect_status 1
expect_err "as-extract: long.list: line 2: File name too long"
[ "$(cut -f 1 "$T/out")" = good.wav ] || fail "-T long: $(cat "$T/out")"
# ... but a directory where an index or a model file goes is no input to
# walk: no hint
run as-extract -U dir good.wav
expect_status 1
expect_err "as-extract: dir: Is a directory"
run as-extract -K -M dir good.wav
expect_status 1
expect_err "as-extract: dir: Is a directory"

# --info escapes a path with a tab, as as-format(5) says.
cp good.wav "$(printf 'tab\there.wav')"
run as-extract -H -i "$(printf 'tab\there.wav')"
expect_status 0
expect_no_err
cut -f 1 "$T/out" >got
printf '%s\n' 'tab\there.wav' >want
cmp -s want got || fail "as-extract -i: $(cat got)"

# An unreadable file (skipped when running as root, who reads anything).
cp good.wav locked.wav
chmod 000 locked.wav
if ! cat locked.wav >/dev/null 2>&1; then
    run as-extract -i locked.wav
    expect_status 1
    expect_err "as-extract: locked.wav: Permission denied"
fi

# A feature stream where audio belongs (as-extract < lib.tsv for
# as-index < lib.tsv): said as such, named, from a pipe or a file, TSV
# or binary; the other inputs still read, exit 1. While walking, it is
# one more file that is not audio, skipped.
as-extract good.wav >lib.tsv
as-extract -b good.wav >lib.bin
run_in lib.tsv as-extract
expect_status 1
expect_err "as-extract: stdin: a feature stream, not audio (as-index reads it)"
expect_out_empty
run sh -c 'cat lib.bin | as-extract -i'
expect_status 1
expect_err "as-extract: stdin: a feature stream, not audio (as-index reads it)"
run as-extract -H lib.tsv good.wav lib.bin
expect_status 1
expect_err "as-extract: lib.tsv: a feature stream, not audio (as-index reads it)" \
    "as-extract: lib.bin: a feature stream, not audio (as-index reads it)"
[ "$(cut -f 1 "$T/out")" = good.wav ] || fail "beside streams: $(cat "$T/out")"
# ... a stream larger than the megabyte a pipe is judged by
awk 'NR == 1 { print; next } { for (i = 0; i < 2000; i++) print }' lib.tsv >big.tsv
[ "$(wc -c <big.tsv)" -gt 1048576 ] || fail "big.tsv is under a megabyte"
run sh -c 'cat big.tsv | as-extract'
expect_status 1
expect_err "as-extract: stdin: a feature stream, not audio (as-index reads it)"
mkdir -p kit
cp good.wav lib.tsv lib.bin kit/
run as-extract -v -i -H -r kit
expect_status 0
expect_err "as-extract: kit/lib.bin: skipped: not audio" \
    "as-extract: kit/lib.tsv: skipped: not audio"

# A CAF whose chunk sizes run to the largest offset (found by the fuzzer:
# the chunk walk overflowed): refused, not read.
cp "$AS_SRC/tests/fuzz/regress/decode_sndfile/caf-chunk-overflow" big.caf
run as-extract big.caf
expect_status 1
expect_err "as-extract: big.caf: unsupported format"

# The header line comes with the first row: when every input failed,
# nothing is written (a pipe into as-index -o then leaves the index as
# it was); when every input was read and none gave a row, the header
# line alone.
mkdir -p dangling
ln -s nowhere dangling/x.wav
for f in "" "-f bin"; do
    for inputs in "-r missing-folder big.caf" "-T missing.list" \
        "-r dangling"; do
        # shellcheck disable=SC2086
        run as-extract $f $inputs
        expect_status 1
        expect_out_empty
    done
done
mkdir -p empty-folder
run as-extract -r empty-folder
expect_status 0
[ "$(wc -l <"$T/out")" -eq 1 ] && cut -f 1 "$T/out" | grep -qx path ||
    fail "an empty folder: not the header alone: $(head -c 80 "$T/out")"
as-extract good.wav | as-index -o lib.asx
cp lib.asx saved.asx
run sh -c 'as-extract -r missing-folder | as-index -o lib.asx'
expect_status 1
expect_err "as-extract: missing-folder: No such file or directory" \
    "as-index: stdin: empty: no stream header" \
    "as-index: lib.asx: not written: no stream could be read"
cmp -s saved.asx lib.asx || fail "a failed pipeline replaced the index"

# Options that need another, given without it, were ignored.
usage=$(as_usage as-extract)
run as-extract -0 good.wav
expect_status 2
expect_err "as-extract: -0 goes with -T" "$usage" "Try 'as-extract --help'."
run as-extract --keep-going good.wav
expect_status 2
expect_err "as-extract: --keep-going goes with -o" "$usage" "Try 'as-extract --help'."
