#!/bin/sh
# SPDX-License-Identifier: MIT
# --duplicates, near: the same recording after a change of gain, bit
# depth, sample rate, coding, channels or silence around it is grouped,
# an 8-bit copy of it 38 dB down (much of it dither noise) too; another
# recording of the same kind, or the same one played 6% faster, with its
# boom boosted or with its decay changed by an expander (as another
# velocity layer changes it), is not, nor (at any -e) the expanded one or
# a loop retuned 5 cents.
# Files that cannot be read are reported.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
mkdir -p k o
b="$FIX/real_bd_808_44k1.wav"
cp "$b" k/bd.wav
sox -R "$b" k/bd_quiet.wav gain -20
sox -R "$b" -b 8 k/bd_8.wav
sox -R "$b" -b 8 k/bd_8q.wav gain -38
sox -R "$b" -b 24 k/bd_24.flac
sox -R "$b" k/bd_22k.wav rate 22050
sox -R "$b" k/bd_pad.wav pad 0.3 0.5
sox -R "$b" -c 2 k/bd_stereo.wav remix 1v0.9 1v0.4
sox -R "$b" -C 3 k/bd.ogg
lame --quiet -b 128 "$b" k/bd.mp3
cp "$FIX/kick_44k1.flac" o/kick.flac
sox -R "$b" o/faster.wav speed 1.06
sox -R "$b" o/boom.wav gain -6 equalizer 60 1q +6
sox -R "$b" o/expanded.wav compand 0.001,0.02 -80,-80,-30,-34.5,0,0
as-extract -r k o | as-index -o l.asx

run as-search -D -H l.asx
expect_status 0
expect_no_err
[ "$(cut -f 1 "$T/out" | sort -u)" = 1 ] || fail "one group: $(cat "$T/out")"
cut -f 3 "$T/out" >got
printf '%s\n' k/bd.mp3 k/bd.ogg k/bd.wav k/bd_22k.wav k/bd_24.flac k/bd_8.wav \
    k/bd_8q.wav k/bd_pad.wav k/bd_quiet.wav k/bd_stereo.wav >want
cmp -s want got || { diff want got; fail "the copies"; }
# each within the default 0.5 dB of the first, which is at 0
awk -F '\t' '$8 > 0.5 || ($2 == 1 && $8 != 0) { exit 1 }' "$T/out" ||
    fail "differences: $(cut -f 3,8 "$T/out")"
# the 24-bit FLAC holds the WAV's very samples
[ "$(awk -F '\t' '$7 == "identical" { print $3 }' "$T/out" | tr '\n' ' ')" = \
    "k/bd.wav k/bd_24.flac " ] || fail "audio column: $(cut -f 3,7 "$T/out")"

# Byte-identical whatever the threads; -e 0 (and its old spelling):
# identical audio only, and none of these is.
as-search -D -j 1 l.asx >j1
as-search -D -j 2 l.asx >j2
cmp -s j1 j2 || fail "-j 1 and -j 2 differ"
# (more threads than pairs: the leader, decoded once, copied to each)
as-search -D -j 8 l.asx >j8
cmp -s j1 j8 || fail "-j 1 and -j 8 differ"
run as-search -D -H -e 0 l.asx
expect_status 0
printf '%s\n' "1	1	k/bd.wav	k	0.559773	0.000000	identical	0.00" \
    "1	2	k/bd_24.flac	k	0.559773	0.000000	identical	0.00" >want
cmp -s want "$T/out" || { diff want "$T/out"; fail "-e 0"; }
as-search -D -H --dup-distance=0 l.asx >old
cmp -s old "$T/out" || fail "--dup-distance"
# A threshold that lets the boosted one in, and one that keeps the
# 8-bit copy out. The expanded one stays out at any -e: its level
# against the copy's falls as it decays (another envelope).
run as-search -D -H -e 5 l.asx
grep -q '	o/boom.wav	' "$T/out" || fail "-e 5: $(cut -f 3,8 "$T/out")"
grep -q '	o/expanded.wav	' "$T/out" && fail "-e 5: $(cut -f 3,8 "$T/out")"
run as-search -D -H -e 0.001 l.asx
grep -q 'bd_8.wav' "$T/out" && fail "-e 0.001: $(cut -f 3,8 "$T/out")"

# A pitched sound and its copies 24 dB down, at 8 bits and in Vorbis are
# one group: lined up to the sample near its peak over 4096 samples (over
# 1024 a noisy copy lined up a period off, and its lag, followed from
# there, wandered as if it played at another rate).
mkdir p
cp "$AS_DATA/real/guit_e_slide_22k.flac" p/slide.flac
sox -R p/slide.flac p/slide_q.wav gain -24
sox -R p/slide.flac -b 8 p/slide_8.wav
sox -R p/slide.flac -C 3 p/slide.ogg
as-extract -r p | as-index -o p.asx
run as-search -D -H p.asx
expect_status 0
[ "$(cut -f 1,3 "$T/out" | tr '\t\n' ' ')" = \
    "1 p/slide.flac 1 p/slide.ogg 1 p/slide_8.wav 1 p/slide_q.wav " ] ||
    fail "pitched copies: $(cut -f 1,3,8 "$T/out")"

# A file gone since indexing is reported; the others are still grouped.
rm k/bd_pad.wav
run as-search -D -H l.asx
expect_status 1
expect_err "as-search: k/bd_pad.wav: No such file or directory"
[ "$(wc -l <"$T/out")" -eq 9 ] || fail "without bd_pad: $(cat "$T/out")"
# A FIFO in its place is not read (nor waited on).
mkfifo k/bd_pad.wav
run timeout 60 as-search -D -H l.asx
expect_status 1
expect_err "as-search: k/bd_pad.wav: not a regular file"
[ "$(wc -l <"$T/out")" -eq 9 ] || fail "bd_pad a FIFO: $(cat "$T/out")"
rm k/bd_pad.wav
# a folder, the system's reason, as as-stats and as-anomaly -C give it
mkdir k/bd_pad.wav
run as-search -D -H l.asx
expect_status 1
expect_err "as-search: k/bd_pad.wav: Is a directory"
rmdir k/bd_pad.wav

# A loop retuned 5 cents up (sox pitch: the same length, each piece
# played 0.3% faster) is not a copy, though its spectrum differs by
# hundredths of a dB; its Vorbis and MP3 copies are.
mkdir -p t
l="$FIX/real_loop_amen_44k1.wav"
cp "$l" t/loop.wav
sox -R "$l" -C 3 t/loop.ogg
lame --quiet -b 128 "$l" t/loop.mp3
sox -R "$l" t/loop_up5.wav pitch 5
as-extract -r t | as-index -o t.asx
run as-search -D -H t.asx
expect_status 0
printf '%s\n' t/loop.mp3 t/loop.ogg t/loop.wav >want
cut -f 3 "$T/out" >got
cmp -s want got || { diff want got; fail "the retuned loop: $(cut -f 3,8 "$T/out")"; }
run as-search -D -H -e 5 t.asx
grep -q 'loop_up5' "$T/out" && fail "-e 5, retuned: $(cut -f 3,8 "$T/out")"

# Bad values.
run as-search -D -e -1 l.asx
expect_status 2
run as-search -j 2 l.asx k/bd.wav
expect_status 2
head -n 1 "$T/err" | grep -q '^as-search: -j goes with -D$' || fail "-j alone"
