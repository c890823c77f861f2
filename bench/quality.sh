#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/quality.sh [DIR]
#
# Retrieval quality of the feature sets on DIR (default: Debian's
# sonic-pi-samples), using the category in each file name (bd_, sn_,
# drum_cymbal_, elec_, loop_ ...): leave-one-out nearest neighbours under
# the distance as-search uses (z-scored columns, every group weighted the
# same, cosine), precision@1 and precision@10, librosa45 beside default.
# Then the same scored end to end on as-search's own ranked output: each
# set indexed with as-index, every file's stream row as a query (-F), its
# own row left out.
set -eu
. "$(dirname "$0")/common.sh"
dir=${1:-/usr/share/sonic-pi/samples}

printf '%-10s %6s %5s %8s %9s\n' set files dim "P@1" "P@10"
for set in librosa45 default; do
    "$build/tools/as-extract" -r -s "$set" "$dir" >"$tmp/$set.tsv"
    "$build/bench/as-bench-quality" -k 10 "$tmp/$set.tsv" |
        awk -v s="$set" -F '\t' '{ printf "%-10s %6d %5d %8.3f %9.3f\n", s, $1, $2, $3, $4 }'
done
# precision@1 and @10 of as-search output (query, rank, path ...) with
# k + 1 rows per query, the query's own row dropped
score() {
    awk -F '\t' '
    function cat(p,   n, w) {
        sub(/^.*\//, "", p); n = split(p, w, "_")
        return (w[1] == "drum" && n > 1) ? w[1] "_" w[2] : w[1] }
    $1 == $3 { next }
    { seen[$1]++; if (seen[$1] > 10) next
      hit = cat($1) == cat($3)
      if (seen[$1] == 1) { q++; p1 += hit }
      p10 += hit }
    END { printf "%d\t%.3f\t%.3f\n", q, p1 / q, p10 / (10 * q) }'
}
echo
echo "end to end: as-index, then as-search -k 11 -F (own row dropped)"
printf '%-10s %6s %8s %9s\n' set files "P@1" "P@10"
for set in librosa45 default; do
    "$build/tools/as-index" -o "$tmp/$set.asx" "$tmp/$set.tsv"
    "$build/tools/as-search" -H -k 11 -F "$tmp/$set.tsv" "$tmp/$set.asx" |
        score | awk -v s="$set" -F '\t' '{ printf "%-10s %6d %8.3f %9.3f\n", s, $1, $2, $3 }'
done
loops=$(awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "is_loop") c = i; next }
    $c == 1 { n++; if ($1 ~ /\/loop_[^\/]*$/) t++ }
    $1 ~ /\/loop_[^\/]*$/ { l++ }
    END { printf "%d flagged, %d of %d loop_ files", n, t, l }' "$tmp/default.tsv")
echo "is_loop: $loops"
echo "rerun: bench/quality.sh $dir"
