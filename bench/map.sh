#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/map.sh [RUNS]
#
# t-SNE speed against scikit-learn's TSNE (Debian's python3-sklearn run by
# /usr/bin/python3, one thread, init "pca", learning rate "auto", the
# defaults otherwise), on the same float32 matrix of 10000 entries x 30
# columns (what as-map feeds t-SNE: the first 30 principal components),
# medians of RUNS (default 1) runs made in turn: seconds, and the share of
# each point's 10 nearest neighbours the map keeps (first 1000 points).
# Target: at least as fast as scikit-learn. Then ours alone on 100000.
set -eu
runs=${1:-1}
case $runs in
'' | *[!0-9]* | 0 | 0*) echo "usage: bench/map.sh [RUNS]" >&2; exit 2 ;;
esac
. "$(dirname "$0")/common.sh"
ml="$build/bench/as-bench-ml"
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
