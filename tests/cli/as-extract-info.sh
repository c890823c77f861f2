#!/bin/sh
# SPDX-License-Identifier: MIT
# --info on the fixtures: every container and codec, exact rows.
. "$AS_SRC/tests/cli/lib.sh"

cd "$FIX"
run as-extract -i chirp_log_50-16k_44k1.flac chord_ceg_48k_stereo.wav \
    mix_44k1_128k.mp3 mix_44k1_float32.wav mix_44k1_pcm16.aiff \
    mix_44k1_pcm24.flac real_bd_808_44k1.wav stereo_u8_8k.wav \
    n22k_digital_silence.wav
expect_status 0
expect_no_err
tab=$(printf '\t')
expect_out \
"path${tab}container${tab}codec${tab}sample_rate${tab}channels${tab}bits${tab}frames${tab}duration_s${tab}samples_22050" \
"chirp_log_50-16k_44k1.flac${tab}flac${tab}flac${tab}44100${tab}1${tab}16${tab}44100${tab}1.000000${tab}22050" \
"chord_ceg_48k_stereo.wav${tab}wav${tab}pcm_s16${tab}48000${tab}2${tab}16${tab}36000${tab}0.750000${tab}16538" \
"mix_44k1_128k.mp3${tab}mp3${tab}mp3${tab}44100${tab}1${tab}0${tab}22050${tab}0.500000${tab}11025" \
"mix_44k1_float32.wav${tab}wav${tab}float32${tab}44100${tab}1${tab}32${tab}22050${tab}0.500000${tab}11025" \
"mix_44k1_pcm16.aiff${tab}aiff${tab}pcm_s16${tab}44100${tab}1${tab}16${tab}22050${tab}0.500000${tab}11025" \
"mix_44k1_pcm24.flac${tab}flac${tab}flac${tab}44100${tab}1${tab}24${tab}22050${tab}0.500000${tab}11025" \
"real_bd_808_44k1.wav${tab}wav${tab}pcm_s16${tab}44100${tab}1${tab}16${tab}24685${tab}0.559751${tab}12343" \
"stereo_u8_8k.wav${tab}wav${tab}pcm_u8${tab}8000${tab}2${tab}8${tab}8000${tab}1.000000${tab}22050" \
"n22k_digital_silence.wav${tab}wav${tab}pcm_s16${tab}22050${tab}1${tab}16${tab}11025${tab}0.500000${tab}11025"

# Generated containers and encodings, recognised by content whatever the
# name says.
mksignal -c 2 -r 48000 -d 0.5 -f pcm24 sine "$T/a.aifc"
mksignal -r 96000 -d 0.25 -f float chirp "$T/b.caf"
mksignal -c 2 -r 44100 -d 0.3 -f vorbis noise "$T/c.ogg"
mksignal -c 1 -r 48000 -d 0.2 -f opus sine "$T/d.opus"
mksignal -r 8000 -d 0.5 -f ulaw sine "$T/e.wav"
mksignal -x -c 6 -r 48000 -d 0.1 -f pcm16 sine "$T/f.wav"
mksignal -c 2 -r 44100 -d 0.4 -f pcm16 clicks "$T/g.w64"
cp "$T/a.aifc" "$T/aiff-data-named.wav"
cp "$FIX/kick_44k1.flac" "$T/flac-named.aif"
cd "$T"
run as-extract --info a.aifc b.caf e.wav f.wav g.w64 aiff-data-named.wav \
    flac-named.aif
expect_status 0
expect_no_err
expect_out \
"path${tab}container${tab}codec${tab}sample_rate${tab}channels${tab}bits${tab}frames${tab}duration_s${tab}samples_22050" \
"a.aifc${tab}aifc${tab}pcm_s24${tab}48000${tab}2${tab}24${tab}24000${tab}0.500000${tab}11025" \
"b.caf${tab}caf${tab}float32${tab}96000${tab}1${tab}32${tab}24000${tab}0.250000${tab}5513" \
"e.wav${tab}wav${tab}ulaw${tab}8000${tab}1${tab}8${tab}4000${tab}0.500000${tab}11025" \
"f.wav${tab}wav${tab}pcm_s16${tab}48000${tab}6${tab}16${tab}4800${tab}0.100000${tab}2205" \
"g.w64${tab}w64${tab}pcm_s16${tab}44100${tab}2${tab}16${tab}17640${tab}0.400000${tab}8820" \
"aiff-data-named.wav${tab}aifc${tab}pcm_s24${tab}48000${tab}2${tab}24${tab}24000${tab}0.500000${tab}11025" \
"flac-named.aif${tab}flac${tab}flac${tab}44100${tab}1${tab}16${tab}22050${tab}0.500000${tab}11025"

# Lossy Ogg codecs: the frame counts are the codec's own, check the rest.
run as-extract -i c.ogg d.opus
expect_status 0
expect_no_err
cut -f 2-6 "$T/out" >"$T/cols"
printf '%s\n' "container${tab}codec${tab}sample_rate${tab}channels${tab}bits" \
    "ogg${tab}vorbis${tab}44100${tab}2${tab}0" \
    "ogg${tab}opus${tab}48000${tab}1${tab}0" >"$T/want"
cmp -s "$T/want" "$T/cols" || fail "ogg rows: $(cat "$T/out")"

# Two runs give the same bytes.
run as-extract -i "$FIX"/*.wav
cp "$T/out" "$T/first"
run as-extract -i "$FIX"/*.wav
expect_out_file "$T/first"
