#!/bin/sh
# SPDX-License-Identifier: MIT
# Every example of as-map(1) runs and succeeds: each .Dl line and each
# .Bd -literal block of its EXAMPLES section, with the man page's escapes
# undone, in a folder laid out as the page says. An example must print
# nothing on stderr: t-SNE on this small library notes its perplexity,
# so those examples use -q or a perplexity that fits.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
mkdir -p samples/kicks samples/hats samples/tones samples/loops
cp "$FIX/kick_44k1.flac" "$FIX/real_bd_808_44k1.wav" samples/kicks/
cp "$FIX/hihat_48k.wav" "$FIX/noise_white_44k1.wav" samples/hats/
cp "$FIX/sine440_44k1.wav" "$FIX/chord_ceg_48k_stereo.wav" \
    "$FIX/chirp_log_50-16k_44k1.flac" samples/tones/
cp "$FIX/real_loop_amen_44k1.wav" "$FIX/clicks_120bpm_4s_44k1.flac" \
    samples/loops/
as-extract -r samples | as-index -o lib.asx

as_run_man_examples as-map.1 8
# what the examples wrote
[ "$(grep -c '<circle' map.svg)" -eq 9 ] || fail "map.svg"
[ "$(grep -c '<circle' clusters.svg)" -eq 9 ] || fail "clusters.svg"
grep -q '"n":9,' map.html || fail "map.html"
grep -q '"n":9,' odd.html || fail "odd.html"
[ "$(wc -l <map.tsv)" -eq 10 ] || fail "map.tsv"
