#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/decode.sh [DIR] [RUNS]
#
# Decode + resample to 22050 Hz mono throughput on the samples of DIR
# (default: Debian's sonic-pi-samples), beside sox doing the same job
# (sox FILE -t f32 -r 22050 -c 1 /dev/null) in the same run. Each figure is
# the median of RUNS (default 5) runs. Also: peak memory while decoding a
# one-hour 44.1 kHz stereo file.
#   per file:  one process per file, for sox and for us alike
#   one batch: every file in one process (how as-extract works)
set -eu
. "$(dirname "$0")/common.sh"
dir=${1:-/usr/share/sonic-pi/samples}
runs=${2:-5}
command -v sox >/dev/null || { echo "bench: sox is needed (apt-get install sox)" >&2; exit 1; }
bench="$build/bench/as-bench-decode"

IFS=$nl
set -f
find "$dir" -type f \( -name '*.flac' -o -name '*.wav' -o -name '*.mp3' -o -name '*.aif*' -o -name '*.ogg' \) | sort >"$tmp/files"
nfiles=$(wc -l <"$tmp/files")
audio=$("$bench" $(cat "$tmp/files") | cut -f 2)

i=0
while [ $i -lt "$runs" ]; do
    t0=$(now)
    while IFS= read -r f; do sox -V1 "$f" -t f32 -r 22050 -c 1 /dev/null; done <"$tmp/files"
    t1=$(now)
    while IFS= read -r f; do "$bench" "$f" >/dev/null; done <"$tmp/files"
    t2=$(now)
    "$bench" $(cat "$tmp/files") | cut -f 3 >>"$tmp/batch"
    awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }' >>"$tmp/sox"
    awk -v a="$t1" -v b="$t2" 'BEGIN { print b - a }' >>"$tmp/ours"
    i=$((i + 1))
done
sox_s=$(median <"$tmp/sox")
ours_s=$(median <"$tmp/ours")
batch_s=$(median <"$tmp/batch")

echo "decode + resample to 22050 Hz mono: $nfiles files, $audio s of audio, median of $runs runs"
awk -v n="$nfiles" -v a="$audio" -v s="$sox_s" -v o="$ours_s" -v b="$batch_s" 'BEGIN {
    printf "  %-28s %8s %10s %12s %10s\n", "", "wall s", "files/s", "audio s/s", "ms/file"
    printf "  %-28s %8.3f %10.1f %12.0f %10.2f\n", "sox, one process per file", s, n / s, a / s, 1000 * s / n
    printf "  %-28s %8.3f %10.1f %12.0f %10.2f\n", "ours, one process per file", o, n / o, a / o, 1000 * o / n
    printf "  %-28s %8.3f %10.1f %12.0f %10.2f\n", "ours, one batch", b, n / b, a / b, 1000 * b / n
    printf "  per file: ours is %.2fx faster than sox; one batch: %.1fx\n", s / o, s / b
}'

"$build/tests/mksignal" -c 2 -r 44100 -d 3600 -f pcm16 chirp "$tmp/hour.wav"
"$bench" "$tmp/hour.wav" >"$tmp/hour"
"$bench" -n "$tmp/hour.wav" >"$tmp/hour-native"
awk -F '\t' '{ printf "one hour, 44.1 kHz stereo WAV: decode + resample %.2f s (%.0fx realtime), peak RSS %d KiB\n", $3, $2 / $3, $4 }' "$tmp/hour"
awk -F '\t' '{ printf "one hour, 44.1 kHz stereo WAV: decode only       %.2f s, peak RSS %d KiB\n", $3, $4 }' "$tmp/hour-native"
echo "rerun: bench/decode.sh $(shq "$dir") $runs"
