#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/quality.sh [DIR]
#
# Retrieval quality of the feature sets on DIR (default: Debian's
# sonic-pi-samples), using the category in each file name (bd_, sn_,
# drum_cymbal_, elec_, loop_ ...): leave-one-out nearest neighbours under
# the distance as-search uses (z-scored columns, every group weighted the
# same, cosine), precision@1 and precision@10, librosa45 beside default.
set -eu
. "$(dirname "$0")/common.sh"
dir=${1:-/usr/share/sonic-pi/samples}

printf '%-10s %6s %5s %8s %9s\n' set files dim "P@1" "P@10"
for set in librosa45 default; do
    "$build/tools/as-extract" -r -s "$set" "$dir" >"$tmp/$set.tsv"
    "$build/bench/as-bench-quality" -k 10 "$tmp/$set.tsv" |
        awk -v s="$set" -F '\t' '{ printf "%-10s %6d %5d %8.3f %9.3f\n", s, $1, $2, $3, $4 }'
done
loops=$(awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "is_loop") c = i; next }
    $c == 1 { n++; if ($1 ~ /\/loop_[^\/]*$/) t++ }
    $1 ~ /\/loop_[^\/]*$/ { l++ }
    END { printf "%d flagged, %d of %d loop_ files", n, t, l }' "$tmp/default.tsv")
echo "is_loop: $loops"
echo "rerun: bench/quality.sh $dir"
