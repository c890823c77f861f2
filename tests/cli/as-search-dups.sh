#!/bin/sh
# SPDX-License-Identifier: MIT
# --duplicates: the same audio in other files and containers, and near
# copies (re-encoded, requantised), confirmed on the audio
# (as-search-dups-near.sh has the other changes).
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
mkdir -p s/a s/b
# the same 0.5 s mix as PCM16 WAV and AIFF (identical samples), 24-bit
# FLAC and float WAV (near each other), MP3 (near the PCM16)
cp "$FIX"/mix_44k1_* s/a/
cp "$FIX/mix_44k1_pcm16.wav" s/b/copy.wav
cp "$FIX/kick_44k1.flac" "$FIX/hihat_48k.wav" "$FIX/sine440_44k1.wav" \
    "$FIX/real_bd_808_44k1.wav" s/b/
as-extract -r s | as-index -o l.asx

HEAD="group	member	path	label	duration_s	distance	audio	difference_db"

# Identical audio only.
run as-search -D -e 0 l.asx
expect_status 0
expect_no_err
expect_out "$HEAD" \
    "1	1	s/a/mix_44k1_pcm16.aiff	a	0.500000	0.000000	identical	0.00" \
    "1	2	s/a/mix_44k1_pcm16.wav	a	0.500000	0.000000	identical	0.00" \
    "1	3	s/b/copy.wav	b	0.500000	0.000000	identical	0.00"

# Near copies too (default threshold): the MP3, float and 24-bit versions
# join the PCM16 ones in one group, led by the first path; "identical"
# marks a member whose audio another member holds too; the distances are
# those as-search reports between the entries and the group's first, the
# differences (dB) those of their audio, at most the threshold (0.5).
run as-search -D l.asx
expect_status 0
cut -f 1-5,7 "$T/out" >got
printf '%s\n' "group	member	path	label	duration_s	audio" \
    "1	1	s/a/mix_44k1_128k.mp3	a	0.500000	near" \
    "1	2	s/a/mix_44k1_float32.wav	a	0.500000	near" \
    "1	3	s/a/mix_44k1_pcm16.aiff	a	0.500000	identical" \
    "1	4	s/a/mix_44k1_pcm16.wav	a	0.500000	identical" \
    "1	5	s/a/mix_44k1_pcm24.flac	a	0.500000	near" \
    "1	6	s/b/copy.wav	b	0.500000	identical" >want
cmp -s want got || { diff want got; fail "near duplicates"; }
d=$(as-search -H -k 1 -p s/a/mix_44k1_128k.mp3 -l b l.asx | cut -f 5)
[ "$(grep copy.wav "$T/out" | cut -f 6)" = "$d" ] || fail "distance to the first"
awk -F '\t' 'NR > 1 && ($8 > 0.5 || ($2 == 1) != ($8 == 0)) { exit 1 }' \
    "$T/out" || fail "differences: $(cut -f 3,8 "$T/out")"

# The other sounds are not copies even at 2 dB; filters apply.
run as-search -D -e 2 -H l.asx
[ "$(wc -l <"$T/out")" -eq 6 ] || fail "-e 2: $(cat "$T/out")"
run as-search -D -H -l b l.asx
expect_out_empty
run as-search -D -H -e 0 -g '*.wav' l.asx
[ "$(cut -f 3 "$T/out" | tr '\n' ' ')" = "s/a/mix_44k1_pcm16.wav s/b/copy.wav " ] ||
    fail "-D with -g"
# Entries that are all one identical copy: no pair left to compare.
run as-search -D -H -g '*pcm16*' l.asx
expect_status 0
expect_no_err
[ "$(cut -f 3,7 "$T/out" | tr '\n\t' ' :')" = "s/a/mix_44k1_pcm16.aiff:identical s/a/mix_44k1_pcm16.wav:identical " ] ||
    fail "-D of identical copies alone: $(cat "$T/out")"

# JSON: one object per group.
run as-search -D -J -e 0 l.asx
expect_out '{"group":1,"files":[{"filename":"s/a/mix_44k1_pcm16.aiff","label":"a","duration":0.500000,"distance":0.000000,"identical":true,"difference_db":0.00},{"filename":"s/a/mix_44k1_pcm16.wav","label":"a","duration":0.500000,"distance":0.000000,"identical":true,"difference_db":0.00},{"filename":"s/b/copy.wav","label":"b","duration":0.500000,"distance":0.000000,"identical":true,"difference_db":0.00}]}'

# Across shards, one-shots far shorter than fingerprinting needs: a 30 ms
# blip as WAV in one shard and as FLAC in another, and another blip
# beside it.
mkdir -p x y
mksignal -d 0.03 -f pcm16 sine:1000 x/burst.wav
mksignal -d 0.03 -f pcm16 sine:1000 y/burst_copy.flac
mksignal -d 0.03 -f pcm16 sine:3000 y/other.wav
as-extract -r x | as-index -o x.asx
as-extract -r y | as-index -o y.asx
run as-search -D -e 0 -H l.asx x.asx y.asx
expect_status 0
grep -v '^1	' "$T/out" >got
printf '%s\n' "2	1	x/burst.wav	x	0.030023	0.000000	identical	0.00" \
    "2	2	y/burst_copy.flac	y	0.030023	0.000000	identical	0.00" >want
cmp -s want got || { diff want got; fail "one-shots across shards"; }

# A sound so quiet that its power underflows float (a constant 1e-30 in
# a float WAV) is silence to the spectrograms, as to the envelope: no
# duplicate of anything, and never taken for running out of memory
# (which it was when its path came first).
mkdir q
mksignal -a 1e-30 -d 1 -f float dc q/a_quiet.wav
mksignal -d 1 -f pcm16 sine:440 q/b_tone.wav
as-extract -r q | as-index -o q.asx
run as-search -D -H q.asx
expect_status 0
expect_no_err
expect_out_empty
