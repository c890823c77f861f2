#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/map.sh [RUNS]
#        bench/map.sh -B OTHER [-j THREADS] [-n N] [RUNS]
#
# t-SNE speed against scikit-learn's TSNE (Debian's python3-sklearn run by
# /usr/bin/python3, one thread, init "pca", learning rate "auto", the
# defaults otherwise), on the same float32 matrix of 10000 entries x 30
# columns (what as-map feeds t-SNE: the first 30 principal components),
# medians of RUNS (default 1) runs made in turn: seconds, and the share of
# each point's 10 nearest neighbours the map keeps (first 1000 points).
# Target: at least as fast as scikit-learn. Then ours alone on 100000.
#
# With -B, this tree's t-SNE against another one's: OTHER is that tree's
# build-bench folder (made by any of its bench scripts), and the two
# as-bench-ml alternate (this, other, this, other ...) on the first N
# (default 10000) rows, with THREADS threads (default 2); medians of RUNS
# (default 3) runs each, their ratio, and "kept" for both.
set -eu
other=""
threads=2
size=10000
while getopts B:j:n: opt; do
    case $opt in
    B) other=$OPTARG ;;
    j) threads=$OPTARG ;;
    n) size=$OPTARG ;;
    *) echo "usage: bench/map.sh [-B other] [-j threads] [-n n] [RUNS]" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
runs=${1:-1}
[ -n "$other" ] && runs=${1:-3}
for v in "$runs" "$threads" "$size"; do
    case $v in
    '' | *[!0-9]* | 0 | 0*) echo "usage: bench/map.sh [-B other] [-j threads] [-n n] [RUNS]" >&2; exit 2 ;;
    esac
done
. "$(dirname "$0")/common.sh"
ml="$build/bench/as-bench-ml"

if [ -n "$other" ]; then
    oml="$other/bench/as-bench-ml"
    [ -x "$oml" ] || { echo "bench/map.sh: $oml: not found" >&2; exit 2; }
    "$ml" gen "$size" 30 12 3 "$tmp/m"
    i=0
    while [ $i -lt "$runs" ]; do
        "$ml" tsne "$tmp/m" "$size" 30 "$threads" >>"$tmp/a"
        "$oml" tsne "$tmp/m" "$size" 30 "$threads" >>"$tmp/b"
        i=$((i + 1))
    done
    a=$(cut -f 1 "$tmp/a" | median)
    b=$(cut -f 1 "$tmp/b" | median)
    echo "t-SNE, 2-D, $size x 30, $threads threads, median of $runs runs (alternating)"
    printf '  this tree %.2f s (kept %.3f), other %.2f s (kept %.3f): other/this %.2fx\n' \
        "$a" "$(cut -f 2 "$tmp/a" | median)" "$b" "$(cut -f 2 "$tmp/b" | median)" \
        "$(awk -v a="$a" -v b="$b" 'BEGIN { print b / a }')"
    echo "rerun: bench/map.sh -B $other -j $threads -n $size $runs"
    exit 0
fi

sklearn_setup
"$ml" gen 100000 30 12 3 "$tmp/m100k"
head -c $((10000 * 30 * 4)) "$tmp/m100k" >"$tmp/m10k"
i=0
while [ $i -lt "$runs" ]; do
    "$ml" tsne "$tmp/m10k" 10000 30 >>"$tmp/ours"
    [ -n "$sk" ] && "$py" "$sk" tsne "$tmp/m10k" 10000 30 >>"$tmp/sk"
    i=$((i + 1))
done
"$ml" tsne "$tmp/m100k" 100000 30 >"$tmp/big"

col() { cut -f "$2" "$tmp/$1" | median; }
echo "t-SNE, 2-D, one thread, median of $runs runs"
printf '  10k x 30: %.2f s, neighbours kept %.3f' "$(col ours 1)" "$(col ours 2)"
[ -n "$sk" ] && printf ' | scikit-learn %.2f s, kept %.3f: %.2fx (target >= 1x)' \
    "$(col sk 1)" "$(col sk 2)" "$(awk -v a="$(col ours 1)" -v b="$(col sk 1)" 'BEGIN { print b / a }')"
echo
printf '  100k x 30: %.2f s, neighbours kept %.3f (first 1000 points)\n' \
    "$(cut -f 1 "$tmp/big")" "$(cut -f 2 "$tmp/big")"
echo "rerun: bench/map.sh $runs"
