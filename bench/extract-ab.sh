#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/extract-ab.sh OTHER [DIR] [RUNS] [JOBS]
#
# as-extract of this tree (build-bench/, Release) against another
# as-extract binary OTHER (an older build, say), run in turn (A B A B)
# over the audio files of DIR (default: Debian's sonic-pi-samples) with
# -j JOBS (default 2), RUNS times each (default 5): the median wall time
# and CPU time (user + system, from /usr/bin/time: steadier than the wall
# time on a busy machine) of each, and their ratios. Both outputs must be
# the same bytes; the script stops if they differ.
set -eu
if [ $# -lt 1 ] || [ $# -gt 4 ]; then
    echo "usage: bench/extract-ab.sh OTHER [DIR] [RUNS] [JOBS]" >&2
    exit 2
fi
other=$1
dir=${2:-/usr/share/sonic-pi/samples}
runs=${3:-5}
jobs=${4:-2}
. "$(dirname "$0")/common.sh"
this="$build/tools/as-extract"

find "$dir" -type f \( -name '*.flac' -o -name '*.wav' -o -name '*.mp3' -o -name '*.aif*' -o -name '*.ogg' \) | sort >"$tmp/files"
nfiles=$(wc -l <"$tmp/files")

i=0
while [ "$i" -lt "$runs" ]; do
    for side in a b; do
        bin=$this
        [ "$side" = b ] && bin=$other
        /usr/bin/time -f '%e %U %S' -o "$tmp/time" \
            "$bin" -j "$jobs" -T "$tmp/files" >"$tmp/out.$side"
        awk '{ print $1 >>"'"$tmp/wall.$side"'"; print $2 + $3 >>"'"$tmp/cpu.$side"'" }' "$tmp/time"
    done
    cmp -s "$tmp/out.a" "$tmp/out.b" || { echo "the outputs differ" >&2; exit 1; }
    i=$((i + 1))
done

echo "as-extract -j $jobs, $nfiles files, median of $runs runs in turn (outputs identical)"
for what in wall cpu; do
    a=$(median <"$tmp/$what.a")
    b=$(median <"$tmp/$what.b")
    awk -v w="$what" -v a="$a" -v b="$b" -v o="$other" 'BEGIN {
        printf "  %-4s this tree %.3f s, %s %.3f s, this / other %.3f\n", w, a, o, b, a / b }'
done
echo "rerun: bench/extract-ab.sh $(shq "$other") $(shq "$dir") $runs $jobs"
