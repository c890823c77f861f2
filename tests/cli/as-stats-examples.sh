#!/bin/sh
# SPDX-License-Identifier: MIT
# Every example of as-stats(1) runs and succeeds: each .Dl line and each
# .Bd -literal block of its EXAMPLES section, with the man page's escapes
# undone, in a folder laid out as the page says.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
mkdir -p samples/kicks samples/hats samples/tones samples/loops
cp "$FIX/kick_44k1.flac" "$FIX/real_bd_808_44k1.wav" samples/kicks/
cp "$FIX/hihat_48k.wav" samples/hats/
cp "$FIX/sine440_44k1.wav" "$FIX/chord_ceg_48k_stereo.wav" samples/tones/
cp "$FIX/real_loop_amen_44k1.wav" "$FIX/clicks_120bpm_4s_44k1.flac" \
    samples/loops/
as-extract -r samples | as-index -o lib.asx

as_run_man_examples as-stats.1 8
