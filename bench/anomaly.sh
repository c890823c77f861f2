#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/anomaly.sh [CORPUSDIR]
#
# How well as-anomaly's rankings find non-drum sounds hidden among real
# drum one-shots, on the labelled corpus of bench/corpus/README (default
# bench/corpus/out; build it first with bench/corpus/make.sh [CORPUSDIR]).
#
# What the figures mean:
# - The library: every corpus file of a drum class (kick ... other_perc,
#   the inliers) and every non-drum file (classes tonal, fx and loop: the
#   LMMS instruments, basses, pads and effects and the sonic-pi tonal,
#   fx and loop samples; the outliers), extracted with as-extract's
#   default feature set and indexed with as-index. Files of class unknown
#   are left out (drums of no class, as in bench/quality.sh). Of each set
#   of byte-identical files (SHA256SUMS) only the first in manifest order
#   is used, as in bench/quality.sh: kits of one soundfont share samples.
# - Three libraries: "all" holds every drum and every non-drum file;
#   "lmms" and "sonicpi" hold every drum file and the non-drum files of
#   that source only, so that the outliers are a smaller share, as in a
#   drum library with a few stray files.
# - "twice" and "thrice": the "all" library with a second (and third)
#   copy of every non-drum file (the same features under another path):
#   a stray sound imported two or three times, as real libraries have
#   them. A k-NN distance with k below the number of copies cannot see
#   such an outlier: its nearest neighbours are its copies.
# - Each ranking is unsupervised: nothing is held out or tuned on the
#   labels; the labels only score the ranking. ROC-AUC is the chance that
#   a random outlier ranks above a random drum (ties count half); AP is
#   the average precision of the ranking, as sklearn's
#   average_precision_score computes it (tied scores form one step).
# - iforest is seed 0 (-r 0), as the tool's default forest; "iforest
#   5 seeds" is the mean of seeds 0 to 4, to show how much a seed moves it.
set -eu
. "$(dirname "$0")/common.sh"

corpus=${1:-$root/bench/corpus/out}
man="$corpus/manifest.tsv"
if [ ! -f "$man" ] || [ ! -f "$corpus/SHA256SUMS" ]; then
    echo "anomaly.sh: $corpus: no corpus there; build it with" >&2
    echo "  bench/corpus/make.sh $corpus" >&2
    exit 1
fi
corpus=$(cd "$corpus" && pwd)
man="$corpus/manifest.tsv"
export LC_ALL=C

# the pool: one of each set of identical files, class known
awk -F '\t' 'NR == FNR { split($0, w, "  "); h[w[2]] = w[1]; next }
    FNR > 1 && $2 != "unknown" && !(h[$1] in seen) { seen[h[$1]]; print $1 }' \
    "$corpus/SHA256SUMS" "$man" >"$tmp/pool.txt"
(cd "$corpus" && "$build/tools/as-extract" -k -T "$tmp/pool.txt" \
    -o "$tmp/raw.tsv") ||
    echo "anomaly.sh: some files could not be extracted" >&2
# label = class, and the source of the non-drum files
awk -F '\t' -v OFS='\t' 'NR == FNR { c[$1] = $2; s[$1] = $3; next }
    FNR == 1 { $1 = "path" OFS "label"; print; next }
    { $1 = $1 OFS c[$1]; print }' "$man" "$tmp/raw.tsv" >"$tmp/all.tsv"
for src in lmms sonicpi; do
    awk -F '\t' -v src="$src" 'NR == FNR { s[$1] = $3; next }
        FNR == 1 || $2 !~ /^(tonal|fx|loop)$/ || s[$1] == src' \
        "$man" "$tmp/all.tsv" >"$tmp/$src.tsv"
done
awk -F '\t' -v OFS='\t' '{ print }
    NR > 1 && $2 ~ /^(tonal|fx|loop)$/ { $1 = "copy/" $1; print }' \
    "$tmp/all.tsv" >"$tmp/twice.tsv"
awk -F '\t' -v OFS='\t' '{ print }
    NR > 1 && $2 ~ /^(tonal|fx|loop)$/ { p = $1; $1 = "copy/" p; print
        $1 = "copy2/" p; print }' "$tmp/all.tsv" >"$tmp/thrice.tsv"
for lib in all lmms sonicpi twice thrice; do
    "$build/tools/as-index" -q -l column -o "$tmp/$lib.asx" "$tmp/$lib.tsv"
    awk -F '\t' -v lib="$lib" 'NR > 1 { n++; o += $2 ~ /^(tonal|fx|loop)$/ }
        END { printf "%-8s %5d files, %4d outliers (%.1f%%)\n", lib, n, o, 100 * o / n }' \
        "$tmp/$lib.tsv"
done

# ROC-AUC and AP of as-anomaly -H output (path, label, score ...; lower
# scores more anomalous), outliers being the non-drum classes
rate() {
    awk -F '\t' -v OFS='\t' '{ print $3, ($2 ~ /^(tonal|fx|loop)$/) }' |
        sort -t "$(printf '\t')" -k1,1g |
        awk -F '\t' '
        { s[NR] = $1; y[NR] = $2; P += $2 }
        END {
            N = NR - P
            # AUC from the ranks, most anomalous = highest rank; ties
            # share their mean rank; AP stepping over groups of ties
            i = 1; tp = 0; ap = 0; rsum = 0
            while (i <= NR) {
                j = i; pos = 0
                while (j <= NR && s[j] == s[i]) { pos += y[j]; j++ }
                # ranks (NR - i + 1) .. (NR - j + 2) in descending order
                r = (NR - i + 1 + NR - j + 2) / 2
                rsum += pos * r
                tp += pos
                if (pos > 0) ap += (pos / P) * (tp / (j - 1))
                i = j
            }
            auc = (rsum - P * (P + 1) / 2) / (P * N)
            printf "%.3f %.3f", auc, ap
        }'
}

ranking() { # method k -> "auc ap" for each library
    for lib in all lmms sonicpi twice thrice; do
        if [ "$1" = iforest ]; then
            "$build/tools/as-anomaly" -H -a iforest -r "$2" "$tmp/$lib.asx"
        else
            "$build/tools/as-anomaly" -H -a "$1" -k "$2" "$tmp/$lib.asx"
        fi | rate
        printf '   '
    done
    echo
}

echo
printf '%-16s %-13s   %-13s   %-13s   %-13s   %-13s\n' "" all lmms sonicpi \
    twice thrice
printf '%-16s' "method"
for lib in 1 2 3 4 5; do printf ' %-13s  ' "AUC   AP"; done
echo
printf '%-16s ' "iforest"
ranking iforest 0
printf '%-16s ' "iforest 5 seeds"
for r in 0 1 2 3 4; do ranking iforest $r; done |
    awk '{ for (i = 1; i <= NF; i++) v[i] += $i } END {
        for (i = 1; i <= 10; i += 2)
            printf "%.3f %.3f   ", v[i] / NR, v[i + 1] / NR
        printf "\n" }'
for k in 1 2 3 5 10 20; do
    printf '%-16s ' "knn k=$k"
    ranking knn $k
done
for k in 5 10 20 50 100; do
    printf '%-16s ' "lof k=$k"
    ranking lof $k
done
echo
echo "rerun: bench/anomaly.sh $(shq "$corpus")"
