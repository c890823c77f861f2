#!/bin/sh
# SPDX-License-Identifier: MIT
# Feature streams: sets, columns, formats, threads, stdin, bad values, and
# the EXAMPLES of as-extract(1).
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
mkdir samples
cp "$FIX/kick_44k1.flac" "$FIX/hihat_48k.wav" "$FIX/mix_44k1_128k.mp3" \
    "$FIX/real_loop_amen_44k1.wav" "$FIX/stereo_u8_8k.wav" samples/
echo "notes" >samples/README

# librosa45: the reference design's columns, in its order.
run as-extract -s librosa45 samples/kick_44k1.flac
expect_status 0
expect_no_err
head -n 1 "$T/out" | tr '\t' '\n' >"$T/cols"
{
    printf '%s\n' path duration_s file_size file_mtime audio_hash
    i=0
    while [ $i -le 12 ]; do echo "mfcc_mean_$i"; i=$((i + 1)); done
    i=0
    while [ $i -le 12 ]; do echo "mfcc_std_$i"; i=$((i + 1)); done
    for p in C 'C#' D 'D#' E F 'F#' G 'G#' A 'A#' B; do echo "chroma_$p"; done
    printf '%s\n' centroid_mean rolloff_mean bandwidth_mean zcr_mean \
        rms_mean rms_std tempo_bpm
} >"$T/want"
cmp -s "$T/want" "$T/cols" || { diff "$T/want" "$T/cols"; fail "librosa45 header"; }
[ "$(sed -n 2p "$T/out" | cut -f 1-3)" = "samples/kick_44k1.flac	0.500000	6374" ] ||
    fail "librosa45 row"
# the modification time, to the nanosecond
mtime=$(stat -c '%Y.%y' samples/kick_44k1.flac | sed 's/\..* [0-9:]*\.\([0-9]*\) .*/.\1/')
[ "$(sed -n 2p "$T/out" | cut -f 4)" = "$mtime" ] || fail "file_mtime $mtime"
# a time after 2262 does not fit 64-bit nanoseconds: unknown, and -U
# extracts such a file again (the file system must hold the time)
cp samples/kick_44k1.flac far.flac
if touch -d '2400-01-01 00:00:00 UTC' far.flac 2>/dev/null &&
    [ "$(stat -c %Y far.flac)" -gt 9300000000 ]; then
    run as-extract -s librosa45 -H far.flac
    expect_status 0
    expect_no_err
    [ "$(cut -f 4 "$T/out")" = -1 ] || fail "file_mtime after 2262: $(cut -f 4 "$T/out")"
    as-extract far.flac | as-index -o far.asx
    run as-extract -U far.asx far.flac
    expect_status 0
    [ "$(wc -l <"$T/out")" -eq 2 ] || fail "-U left out a file of unknown time"
fi
# the decoded-audio hash: 16 hex digits, the same for the same audio in
# another container (the AIFF holds the WAV's samples)
sed -n 2p "$T/out" | cut -f 5 | grep -qx '[0-9a-f]\{16\}' || fail "audio_hash"
run as-extract -s librosa45 -H "$FIX/mix_44k1_pcm16.wav" "$FIX/mix_44k1_pcm16.aiff" "$FIX/mix_44k1_pcm24.flac"
[ "$(sed -n 1p "$T/out" | cut -f 5)" = "$(sed -n 2p "$T/out" | cut -f 5)" ] ||
    fail "same audio, same hash"
[ "$(sed -n 1p "$T/out" | cut -f 5)" != "$(sed -n 3p "$T/out" | cut -f 5)" ] ||
    fail "other audio, other hash"

# -C lists the columns with their groups; the default set has 103.
run as-extract -C
expect_status 0
[ "$(wc -l <"$T/out")" -eq 104 ] || fail "-C lists 103 columns"
expect_out_line "tempo_confidence	rhythm		strength of the periodicity behind the tempo, 0..1"
expect_out_line "log_decay_band_5	envelope	log10 s	decay of the 6-11 kHz band, its peak to -20 dB"
expect_out_line "crest_body	noisiness	dB	mean spectral crest (peak over mean power) over the body"
run as-extract -C -s librosa45
[ "$(wc -l <"$T/out")" -eq 46 ] || fail "-C -s librosa45 lists 45 columns"
# -H leaves the header line out, as everywhere
run as-extract -C -H -s librosa45
[ "$(wc -l <"$T/out")" -eq 45 ] || fail "-C -H: a header line"
grep -q '^column' "$T/out" && fail "-C -H: the header line"
# -o takes the table as it takes the features
run as-extract -C -s librosa45 -o cols.tsv
expect_status 0
expect_out_empty
as-extract -C -s librosa45 | cmp -s - cols.tsv || fail "-C -o: not the table"

# The default set: 5 + 103 columns, every value a finite number, input
# order, non-audio skipped while walking.
run as-extract -r samples
expect_status 0
expect_no_err
awk -F '\t' 'NR > 1 { if (NF != 108) bad = 1; for (i = 2; i <= NF; i++)
    if (i != 5 && $i !~ /^-?[0-9.]+(e[-+][0-9]+)?$/) bad = 1 } END { exit bad }' \
    "$T/out" || fail "rows of 108 numeric fields"
cut -f 1 "$T/out" | tr '\n' ' ' >"$T/paths"
[ "$(cat "$T/paths")" = "path samples/hihat_48k.wav samples/kick_44k1.flac samples/mix_44k1_128k.mp3 samples/real_loop_amen_44k1.wav samples/stereo_u8_8k.wav " ] ||
    fail "order: $(cat "$T/paths")"
cp "$T/out" "$T/j2"

# The same bytes with any number of threads, and twice in a row.
for j in 1 3 8; do
    run as-extract -r -j "$j" samples
    expect_out_file "$T/j2"
done

# -H drops the header; the loop is flagged, the kick is not.
run as-extract -H samples/real_loop_amen_44k1.wav samples/kick_44k1.flac
[ "$(wc -l <"$T/out")" -eq 2 ] || fail "-H: no header"
col=$(head -n 1 "$T/j2" | tr '\t' '\n' | grep -n '^is_loop$' | cut -d: -f1)
[ "$(cut -f "$col" "$T/out" | tr '\n' ' ')" = "1 0 " ] || fail "is_loop"

# Binary: the magic, and a path that TSV cannot hold.
run as-extract -b samples/kick_44k1.flac
expect_status 0
[ "$(od -An -tx1 -N8 "$T/out" | tr -d ' \n')" = "89415346 0d0a1a0a" ] ||
[ "$(od -An -tx1 -N8 "$T/out" | tr -d ' \n')" = "894153460d0a1a0a" ] ||
    fail "binary magic"
cp samples/kick_44k1.flac "$(printf 'tab\there.flac')"
run as-extract -f bin "$(printf 'tab\there.flac')"
expect_status 0
run as-extract "$(printf 'tab\there.flac')"
expect_status 1
expect_err 'as-extract: tab\there.flac: path contains a tab or newline'
expect_out_empty # as for any run where every input failed
# ... while with another file the header comes with that file's row
run as-extract "$(printf 'tab\there.flac')" samples/kick_44k1.flac
expect_status 1
[ "$(cut -f 1 "$T/out" | tr '\n' ' ')" = "path samples/kick_44k1.flac " ] ||
    fail "the header and the good row: $(cut -f 1 "$T/out")"

# Standard input, redirected and through a pipe.
run_in samples/kick_44k1.flac as-extract -s librosa45 -H
expect_status 0
[ "$(cut -f 1-4 "$T/out")" = "-	0.500000	-1	-1" ] || fail "stdin row"

# A bad file among good ones: its message, the others' rows, status 1.
printf 'not audio' >bad.wav
run as-extract -s librosa45 samples/kick_44k1.flac bad.wav samples/hihat_48k.wav
expect_status 1
expect_err "as-extract: bad.wav: unsupported format"
[ "$(wc -l <"$T/out")" -eq 3 ] || fail "good rows kept"

# Bad option values.
run as-extract -j 0 samples
expect_status 2
expect_err "as-extract: -j: 0 is out of range (1 to 1024)" \
    "$(as_usage as-extract)" \
    "Try 'as-extract --help'."
run as-extract -j two samples
expect_status 2
run as-extract -s mfcc samples
expect_status 2
head -n 1 "$T/err" | grep -qx "as-extract: -s: unknown feature set 'mfcc' (default, librosa45)" ||
    fail "unknown set message"
run as-extract -f csv samples
expect_status 2
run as-extract -i -b samples
expect_status 2

# A full disk, features this time.
if [ -w /dev/full ]; then
    set +e
    as-extract samples/kick_44k1.flac >/dev/full 2>"$T/err"
    status=$?
    set -e
    expect_status 1
    expect_err "as-extract: stdout: No space left on device"
fi

# The EXAMPLES of as-extract(1).
as-extract -r -j 2 samples >lib.tsv
cmp -s lib.tsv "$T/j2" || fail "example 1"
find samples \( -name '*.wav' -o -name '*.flac' \) -print0 |
    as-extract -0 -T - -j 2 >lib0.tsv
[ "$(wc -l <lib0.tsv)" -eq 5 ] || fail "example 2"
as-extract -r -s librosa45 -b -o lib45.bin samples
[ -s lib45.bin ] || fail "example 3"
as-extract -r samples | awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++)
    if ($i == "centroid_mean") c = i; next } { print $c "\t" $1 }' |
    sort -g -r | head >"$T/bright"
[ "$(wc -l <"$T/bright")" -eq 5 ] || fail "example 4"
[ "$(head -n 1 "$T/bright" | cut -f 2)" = samples/hihat_48k.wav ] ||
    fail "the hi-hat is the brightest"
total=$(as-extract -ri samples | awk -F '\t' 'NR > 1 { s += $8 } END { print s / 60 }')
[ -n "$total" ] || fail "example 5"
as-extract -r samples | as-index -o lib.asx
as-extract -r -U lib.asx samples | as-index -u lib.asx -p 2>"$T/err"
expect_err "as-index: lib.asx: added 0, changed 0, unchanged 0, removed 0, failed 0"
if command -v sox >/dev/null 2>&1; then
    sox samples/kick_44k1.flac -t wav - reverse | as-extract >"$T/out"
    [ "$(wc -l <"$T/out")" -eq 2 ] || fail "example 6"
fi
