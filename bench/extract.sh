#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/extract.sh [DIR] [RUNS]
#
# Feature extraction speed on DIR (default: Debian's sonic-pi-samples):
# librosa45 and default on one thread, split by stage (decode, resample,
# STFT, features, tempo), beside decoding and resampling alone, medians
# of RUNS (default 5) runs made in turn; -j 1 against -j 2 for as-extract
# itself; the peak memory of a one-hour 44.1 kHz stereo file. librosa
# 0.10.1 is not in Debian, so its figure is the one measured for the
# reference design on these machines: 56 ms per file for these 165 files.
set -eu
. "$(dirname "$0")/common.sh"
dir=${1:-/usr/share/sonic-pi/samples}
runs=${2:-5}
librosa_ms=56

IFS=$nl
set -f
find "$dir" -type f \( -name '*.flac' -o -name '*.wav' -o -name '*.mp3' -o -name '*.aif*' -o -name '*.ogg' \) | sort >"$tmp/files"
set -- $(cat "$tmp/files")
nfiles=$#

i=0
while [ $i -lt "$runs" ]; do
    "$build/bench/as-bench-decode" "$@" >>"$tmp/decode"
    "$build/bench/as-bench-extract" -s librosa45 "$@" >>"$tmp/librosa45"
    "$build/bench/as-bench-extract" -s default "$@" >>"$tmp/default"
    t0=$(now)
    "$build/tools/as-extract" -j 1 -s librosa45 "$@" >/dev/null
    t1=$(now)
    "$build/tools/as-extract" -j 2 -s librosa45 "$@" >/dev/null
    t2=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }' >>"$tmp/j1"
    awk -v a="$t1" -v b="$t2" 'BEGIN { print b - a }' >>"$tmp/j2"
    i=$((i + 1))
done

col() { cut -f "$2" "$tmp/$1" | median; }
audio=$(col decode 2)
echo "feature extraction, one thread: $nfiles files, $audio s of audio, median of $runs runs"
printf '  %-24s %8s %9s %9s %10s\n' "" "wall s" "ms/file" "x realtime" "x librosa"
for what in decode librosa45 default; do
    wall=$(col "$what" 3)
    label=$what
    [ "$what" = decode ] && label="decode+resample only"
    awk -v l="$label" -v w="$wall" -v n="$nfiles" -v a="$audio" -v r="$librosa_ms" 'BEGIN {
        printf "  %-24s %8.3f %9.2f %9.0f %10.1f\n", l, w, 1000 * w / n, a / w, r / (1000 * w / n) }'
done
for set in librosa45 default; do
    printf '  %s by stage (s):' "$set"
    for c in 4:decode 5:resample 6:stft 7:features 8:tempo; do
        printf ' %s %.3f' "${c#*:}" "$(col "$set" "${c%%:*}")"
    done
    echo
done
j1=$(median <"$tmp/j1")
j2=$(median <"$tmp/j2")
awk -v a="$j1" -v b="$j2" 'BEGIN { printf "as-extract librosa45: -j 1 %.3f s, -j 2 %.3f s, speed-up %.2fx\n", a, b, a / b }'

"$build/tests/mksignal" -c 2 -r 44100 -d 3600 -f pcm16 chirp "$tmp/hour.wav"
for set in librosa45 default; do
    "$build/bench/as-bench-extract" -s "$set" "$tmp/hour.wav" |
        awk -v s="$set" -F '\t' '{ printf "one hour, 44.1 kHz stereo, %s: %.1f s (%.0fx realtime), peak RSS %.1f MiB (%.1f KiB per second of audio)\n", s, $3, $2 / $3, $9 / 1024, $9 / $2 }'
done
echo "rerun: bench/extract.sh $(shq "$dir") $runs"
