#!/bin/sh
# SPDX-License-Identifier: MIT
# The source files' headers: sample rates, channels, containers and codecs
# of the fixtures (tests/data/fixtures/README.md gives each file's rate,
# channels and format); missing and unreadable files counted, reported
# with -m only; the same output for any -j.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
mkdir -p samples/a samples/b
# rate, channels, container/codec per fixtures/README.md
cp "$FIX/kick_44k1.flac" samples/a/            # 44100 1 flac/flac
cp "$FIX/hihat_48k.wav" samples/a/             # 48000 1 wav/pcm_s16
cp "$FIX/chord_ceg_48k_stereo.wav" samples/a/  # 48000 2 wav/pcm_s16
cp "$FIX/mix_44k1_pcm16.aiff" samples/b/       # 44100 1 aiff/pcm_s16
cp "$FIX/mix_44k1_128k.mp3" samples/b/         # 44100 1 mp3/mp3
cp "$FIX/stereo_u8_8k.wav" samples/b/          # 8000 2 wav/pcm_u8
cp "$FIX/mix_44k1_float32.wav" samples/b/      # 44100 1 wav/float32
as-extract -r samples | as-index -o lib.asx

run as-stats lib.asx
expect_status 0
expect_no_err
grep '^sources	\|^rate	\|^channels	\|^container	\|^codec	' "$T/out" >got
cat >want <<'EOF'
sources	probe	yes
sources	probed	7
sources	missing	0
sources	unreadable	0
rate	8000	1
rate	44100	4
rate	48000	2
channels	1	5
channels	2	2
container	aiff	1
container	flac	1
container	mp3	1
container	wav	4
codec	flac	1
codec	float32	1
codec	mp3	1
codec	pcm_s16	3
codec	pcm_u8	1
EOF
cmp -s want got || fail "sources: $(diff want got)"
# the probe lines sit between the durations and the features
awk -F '\t' '{ print $1 }' "$T/out" | uniq | tr '\n' ' ' >order
sections="index entries label duration sources rate channels container codec"
[ "$(cat order)" = "$sections features group " ] ||
    fail "section order: $(cat order)"
# the same with every -j
for j in 1 2 3 16; do
    run as-stats -j $j lib.asx
    expect_status 0
    grep '^sources	\|^rate	\|^channels	\|^container	\|^codec	' "$T/out" >got
    cmp -s want got || fail "-j $j: $(diff want got)"
done

# A file deleted, one that is no longer audio, one that became a
# directory: counted, not errors, and reported only with -m, in index
# order.
rm samples/a/kick_44k1.flac
printf 'not audio\n' >samples/b/mix_44k1_128k.mp3
rm samples/b/stereo_u8_8k.wav
mkdir samples/b/stereo_u8_8k.wav
run as-stats lib.asx
expect_status 0
expect_no_err
grep '^sources	\|^rate	\|^channels	\|^container	\|^codec	' "$T/out" >got
cat >want <<'EOF'
sources	probe	yes
sources	probed	4
sources	missing	1
sources	unreadable	2
rate	44100	2
rate	48000	2
channels	1	3
channels	2	1
container	aiff	1
container	wav	3
codec	float32	1
codec	pcm_s16	3
EOF
cmp -s want got || fail "after damage: $(diff want got)"
cp "$T/out" quiet.out
run as-stats -m lib.asx
expect_status 0
expect_out_file quiet.out
expect_err "as-stats: samples/a/kick_44k1.flac: No such file or directory" \
    "as-stats: samples/b/mix_44k1_128k.mp3: unsupported format" \
    "as-stats: samples/b/stereo_u8_8k.wav: Is a directory"
run as-stats --missing --jobs=1 lib.asx
expect_out_file quiet.out
expect_err "as-stats: samples/a/kick_44k1.flac: No such file or directory" \
    "as-stats: samples/b/mix_44k1_128k.mp3: unsupported format" \
    "as-stats: samples/b/stereo_u8_8k.wav: Is a directory"
run as-stats -q -m lib.asx
expect_status 0
expect_no_err
expect_out_file quiet.out
# A FIFO where a file was is unreadable at once, as a device is: it is
# not waited on (that hung), and said to be no regular file.
rmdir samples/b/stereo_u8_8k.wav
mkfifo samples/b/stereo_u8_8k.wav
run timeout 60 as-stats -m lib.asx
expect_status 0
expect_out_file quiet.out
expect_err "as-stats: samples/a/kick_44k1.flac: No such file or directory" \
    "as-stats: samples/b/mix_44k1_128k.mp3: unsupported format" \
    "as-stats: samples/b/stereo_u8_8k.wav: not a regular file"
rm samples/b/stereo_u8_8k.wav
mkdir samples/b/stereo_u8_8k.wav

# Paths are opened from the current directory: from elsewhere, every file
# is missing.
mkdir elsewhere
(cd elsewhere && as-stats ../lib.asx) >"$T/out"
expect_out_line "sources	probed	0"
expect_out_line "sources	missing	7"
! grep -q '^rate	' "$T/out" || fail "rates of no file"

# --no-probe: no file is opened.
run as-stats -n lib.asx
expect_status 0
expect_out_line "sources	probe	no"
! grep -q '^sources	probed\|^rate	\|^channels	\|^container	\|^codec	' \
    "$T/out" || fail "-n probed: $(cat "$T/out")"

# Many files on several threads: 40 folders of hard links to the fixtures
# and a missing file each, in an index made from a stream (no extraction
# needed: probing reads only the files' headers). Counts are exact and
# the output is the same bytes for every -j, warnings included.
rm -rf samples
mkdir samples
i=0
while [ $i -lt 40 ]; do
    mkdir samples/d$i
    for f in kick_44k1.flac hihat_48k.wav chord_ceg_48k_stereo.wav \
        mix_44k1_pcm16.aiff mix_44k1_128k.mp3 stereo_u8_8k.wav; do
        ln "$FIX/$f" samples/d$i/$f 2>/dev/null || cp "$FIX/$f" samples/d$i/
    done
    i=$((i + 1))
done
find samples -type f | sort | awk 'BEGIN { print "path\tx\ty" }
    { print $0 "\t" NR % 7 "\t" NR % 3
      if ($0 ~ /kick/) { sub(/kick_44k1.flac$/, "gone.wav"); print $0 "\t1\t2" } }' \
    >many.tsv
as-index -o many.asx many.tsv
run as-stats -m -j 1 many.asx
expect_status 0
cp "$T/out" many1.out
cp "$T/err" many1.err
[ "$(wc -l <many1.err)" -eq 40 ] || fail "40 missing: $(head -n 3 many1.err)"
cat >want <<'EOF'
sources	probe	yes
sources	probed	240
sources	missing	40
sources	unreadable	0
rate	8000	40
rate	44100	120
rate	48000	80
channels	1	160
channels	2	80
container	aiff	40
container	flac	40
container	mp3	40
container	wav	120
codec	flac	40
codec	mp3	40
codec	pcm_s16	120
codec	pcm_u8	40
EOF
grep '^sources	\|^rate	\|^channels	\|^container	\|^codec	' many1.out >got
cmp -s want got || fail "many: $(diff want got)"
for j in 2 3 8; do
    run as-stats -m -j $j many.asx
    expect_status 0
    expect_out_file many1.out
    cmp -s many1.err "$T/err" || fail "-j $j: other warnings"
done
