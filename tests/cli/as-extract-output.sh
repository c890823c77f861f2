#!/bin/sh
# SPDX-License-Identifier: MIT
# Standard input, -o (atomic), -k, a full disk, a closed pipe.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
cp "$FIX/kick_44k1.flac" kick.flac

# Audio on standard input, redirected and through a pipe (spooled).
run_in kick.flac as-extract -i
expect_status 0
expect_no_err
expect_out_line "-	flac	flac	44100	1	16	22050	0.500000	11025"
cat kick.flac | as-extract -i - >"$T/out" 2>"$T/err"
expect_out_line "-	flac	flac	44100	1	16	22050	0.500000	11025"
printf 'not audio' | as-extract -i 2>"$T/err" >/dev/null && fail "text on stdin"
expect_err "as-extract: stdin: unsupported format"
# The example of as-extract(1), when sox is installed.
if command -v sox >/dev/null 2>&1; then
    sox "$FIX/sine440_44k1.wav" -t wav - reverse | as-extract -i >"$T/out"
    expect_out_line "-	wav	pcm_s16	44100	1	16	44100	1.000000	22050"
fi

# Binary features are not written to a terminal, whether standard output
# is the default or named by -o, or -o names the terminal (script(1)
# gives the terminal).
for o in "" "-o -" "-o /dev/stdout" "-o /dev/tty"; do
    run script -qec "as-extract -b $o kick.flac" /dev/null
    expect_status 2
    grep -q 'as-extract: binary output to a terminal; redirect it or use -o' \
        "$T/out" || fail "-b $o to a terminal: $(od -c "$T/out" | head -n 3)"
done

# -o: the target appears only when everything succeeded.
run as-extract -i -o info.tsv kick.flac
expect_status 0
expect_out_empty
[ "$(wc -l <info.tsv)" -eq 2 ] || fail "-o wrote the rows"
echo previous >info.tsv
run as-extract -i -o info.tsv kick.flac missing.wav
expect_status 1
expect_err "as-extract: missing.wav: No such file or directory"
[ "$(cat info.tsv)" = previous ] || fail "a failed run left the target alone"
[ "$(ls -A | grep -c tmp)" -eq 0 ] || fail "no temporary file is left behind"
# -k keeps what succeeded, and still says 1.
run as-extract -ik -o info.tsv kick.flac missing.wav
expect_status 1
[ "$(wc -l <info.tsv)" -eq 2 ] || fail "-k wrote the good rows"
# An output directory that does not exist.
run as-extract -i -o no/such/dir/info.tsv kick.flac
expect_status 1
expect_err "as-extract: no/such/dir/info.tsv: No such file or directory"

# A full disk.
if [ -w /dev/full ]; then
    run as-extract -i kick.flac >/dev/full
    set +e
    as-extract -i kick.flac >/dev/full 2>"$T/err"
    status=$?
    set -e
    expect_status 1
    expect_err "as-extract: stdout: No space left on device"
fi

# A reader that stops early ends the tool quietly (SIGPIPE).
i=0
while [ $i -lt 3000 ]; do
    echo kick.flac
    i=$((i + 1))
done >many
{ as-extract -i -T many 2>"$T/err" && echo 0 >"$T/status" ||
    echo $? >"$T/status"; } | head -n 1 >"$T/first"
[ "$(cat "$T/first")" = "path	container	codec	sample_rate	channels	bits	frames	duration_s	samples_22050" ] ||
    fail "head saw the header"
expect_no_err
st=$(cat "$T/status")
[ "$st" -eq 141 ] || [ "$st" -eq 0 ] || fail "status after a closed pipe: $st"

# What killed runs of -o left (.NAME.tmp-XXXXXX, as large as the stream)
# is removed by the next run writing NAME, once a minute old and held by
# no writer; a fresh one, one a live run holds (its flock) and another
# output's stay.
mkdir left && cd left
for s in AAAAAA BBBBBB CCCCCC; do echo partial >".feat.tsv.tmp-$s"; done
echo partial >.other.tsv.tmp-DDDDDD
touch -d '-2 minutes' .feat.tsv.tmp-AAAAAA .feat.tsv.tmp-CCCCCC \
    .other.tsv.tmp-DDDDDD
held=
want=2
if command -v flock >/dev/null 2>&1; then
    flock .feat.tsv.tmp-CCCCCC sleep 2 &
    held=$!
    want=3
    sleep 0.3
fi
run as-extract -o feat.tsv ../kick.flac
expect_status 0
[ ! -e .feat.tsv.tmp-AAAAAA ] || fail "-o left a killed run's temporary file"
[ -e .feat.tsv.tmp-BBBBBB ] || fail "-o removed a fresh temporary file"
[ -e .other.tsv.tmp-DDDDDD ] || fail "-o removed another output's file"
if [ -n "$held" ]; then
    [ -e .feat.tsv.tmp-CCCCCC ] || fail "-o removed a live run's file"
    wait "$held"
fi
[ "$(ls -a | grep -c 'tmp-')" -eq "$want" ] || fail "temporary files: $(ls -a)"
cd ..
