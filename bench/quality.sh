#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/quality.sh [CORPUSDIR]
#        bench/quality.sh --names [DIR]
#
# Retrieval quality of the feature sets, librosa45 beside default, on the
# labelled drum corpus of bench/corpus/README (default bench/corpus/out;
# build it first with bench/corpus/make.sh [CORPUSDIR]), measured end to
# end through as-search's own ranking: every corpus file but the unknown
# ones extracted with as-extract, indexed with as-index (label = the
# manifest's class), and every drum file's stream row a query (-F), with
# all entries as results (-k the index's size) so that ranks are exact.
#
# What the figures mean:
# - Kits of one soundfont share samples: of the files with a class, about
#   1300 are byte-identical copies of another file of the same source
#   (SHA256SUMS). Only the first of each set of copies (in manifest order)
#   is used, so that no sample counts several times as a query or fills
#   a top 10 with copies of itself. The same sample at another velocity
#   is not a copy and stays.
# - Queries are the files of the drum classes (kick ... other_perc). The
#   non-drum files (tonal, fx, loop) stay in the index as distractors:
#   they are candidates, never queries, and never relevant. Files of class
#   unknown are left out altogether (they are drums of no class, so as a
#   result they would be neither right nor surely wrong).
# - A result is relevant when its class is the query's. The query itself
#   is never a result.
# - Two modes. "all": every other file is a candidate; files from the
#   same kit (and the same sample at other velocities) make this easy.
#   "other-source", the headline: the results from the query's own
#   hold-out unit are removed ("find a kick from another kit"). The unit
#   is the source (the soundfont, lmms, sonicpi), except that
#   MuseScore_General and FluidR3_GM are one unit: MuseScore_General is
#   built from the Fluid R3 samples, and half their cross matches are near
#   copies (distance < 0.02).
# - P@1: share of queries whose first result is relevant. P@10: share of
#   relevant results among the first 10. mAP: mean over queries of the
#   average precision over the whole ranking. "all" rows average over
#   queries (so the 900 other_perc queries weigh most), "mean of classes"
#   averages the classes' figures, each class weighing the same.
# - Calibration: of the top-10 results in the other-source mode, the
#   share of the same class per bin of cosine distance (n: results in the
#   bin). This is what a confidence column would have to estimate.
# - Reasons: the share of the top-10 results (other-source) that give each
#   group as a reason (as-search's reasons column; as-search(1) says
#   when a group is a reason).
#
# --names: the older, smaller measurement on Debian's sonic-pi-samples
# (or DIR) with the category of each file name (bd_, sn_, drum_cymbal_,
# elec_, loop_ ...) as the class: leave-one-out precision@1 and @10, at
# feature level (as-bench-quality) and through as-search -k 11 -F.
set -eu
. "$(dirname "$0")/common.sh"

if [ "${1-}" = "--names" ]; then
    dir=${2:-/usr/share/sonic-pi/samples}
    printf '%-10s %6s %5s %8s %9s\n' set files dim "P@1" "P@10"
    for set in librosa45 default; do
        "$build/tools/as-extract" -r -s "$set" "$dir" >"$tmp/$set.tsv"
        "$build/bench/as-bench-quality" -k 10 "$tmp/$set.tsv" |
            awk -v s="$set" -F '\t' '{ printf "%-10s %6d %5d %8.3f %9.3f\n", s, $1, $2, $3, $4 }'
    done
    # precision@1 and @10 of as-search output (query, rank, path ...)
    # with k + 1 rows per query, the query's own row dropped
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
    echo "rerun: bench/quality.sh --names $(shq "$dir")"
    exit 0
fi

corpus=${1:-$root/bench/corpus/out}
man="$corpus/manifest.tsv"
if [ ! -f "$man" ]; then
    echo "quality.sh: $man: no corpus there; build it with" >&2
    echo "  bench/corpus/make.sh $corpus" >&2
    exit 1
fi
corpus=$(cd "$corpus" && pwd)
man="$corpus/manifest.tsv"
units="MuseScore_General=FluidR3_GM"
export LC_ALL=C

# the pool: files with a class, one of each set of identical files
[ -f "$corpus/SHA256SUMS" ] || {
    echo "quality.sh: $corpus/SHA256SUMS: missing; run bench/corpus/make.sh $corpus" >&2
    exit 1
}
awk -F '\t' 'NR == FNR { split($0, w, "  "); h[w[2]] = w[1]; next }
    FNR > 1 && $2 != "unknown" && !(h[$1] in seen) { seen[h[$1]]; print $1 }' \
    "$corpus/SHA256SUMS" "$man" >"$tmp/pool.txt"
n=$(wc -l <"$tmp/pool.txt")
nc=$(awk -F '\t' 'NR > 1 && $2 != "unknown"' "$man" | wc -l)
nq=$(awk -F '\t' 'NR == FNR { p[$1]; next }
    $1 in p && $2 !~ /^(unknown|tonal|fx|loop)$/' "$tmp/pool.txt" "$man" | wc -l)
echo "corpus $corpus: $n files indexed ($((nc - n)) identical copies left out)," \
    "$nq queries (manifest sha256 $(sha256sum <"$man" | cut -c1-16))"
for set in librosa45 default; do
    t0=$(now)
    # paths relative to the corpus, as the manifest has them
    (cd "$corpus" && "$build/tools/as-extract" -k -s "$set" \
        -T "$tmp/pool.txt" -o "$tmp/$set.raw") ||
        echo "quality.sh: $set: some files could not be extracted" >&2
    awk -F '\t' -v OFS='\t' 'NR == FNR { c[$1] = $2; next }
        FNR == 1 { $1 = "path" OFS "label"; print; next }
        { $1 = $1 OFS c[$1]; print }' "$man" "$tmp/$set.raw" >"$tmp/$set.tsv"
    tail -n +2 "$tmp/$set.tsv" | cut -f1 >"$tmp/$set.pool"
    t1=$(now)
    "$build/tools/as-index" -q -l column -o "$tmp/$set.asx" "$tmp/$set.tsv"
    awk -F '\t' 'NR == 1 || $2 !~ /^(tonal|fx|loop)$/' "$tmp/$set.tsv" \
        >"$tmp/$set.q.tsv"
    "$build/tools/as-search" -k "$n" -F "$tmp/$set.q.tsv" "$tmp/$set.asx" |
        awk -F '\t' -v set="$set" -v units="$units" \
            -f "$root/bench/quality.awk" "$man" "$tmp/$set.pool" - \
            >>"$tmp/scores"
    t2=$(now)
    awk -v s="$set" -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {
        printf "%s: extract %.0f s, index + search + score %.0f s\n", s, b - a, c - b }' >&2
done

awk -F '\t' '
$1 == "score" { k = $3 SUBSEP $4; n[k] = $5; v[$2, k] = sprintf("%.3f %.3f %.3f", $6, $7, $8)
    if ($4 != "all") { cls[$4]; m1[$2, $3] += $6; m10[$2, $3] += $7; mm[$2, $3] += $8; nc[$2, $3]++ } }
$1 == "calib" && $3 == "other" { bins[$4]; cn[$2, $4] = $5; cs[$2, $4] = $6
    lo = substr($4, 1, 4) + 0; c = lo < 0.1 ? "0.0-0.1" : lo < 0.2 ? "0.1-0.2" : lo < 0.3 ? "0.2-0.3" : "0.3+"
    kn[$2, c] += $5; ks[$2, c] += $6 }
$1 == "reason" && $3 == "other" { grp[$4]; rs[$2, $4] = $5 }
function sort(a, o,   k, i, j, t, m) {
    m = 0; for (k in a) o[++m] = k
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (o[j] < o[i]) { t = o[i]; o[i] = o[j]; o[j] = t }
    return m }
END {
    nk = sort(cls, C)
    split("other all", M, " "); split("other-source all-candidates", T, " ")
    for (mi = 1; mi <= 2; mi++) {
        m = M[mi]
        printf "\n== %s: P@1 P@10 mAP\n", T[mi]
        printf "%-16s %5s   %-17s   %-17s\n", "class", "n", "librosa45", "default"
        for (i = 0; i <= nk; i++) {
            c = i ? C[i] : "all"
            printf "%-16s %5d   %-17s   %-17s\n", c, n[m SUBSEP c],
                v["librosa45", m SUBSEP c], v["default", m SUBSEP c]
        }
        printf "%-16s %5s   %.3f %.3f %.3f   %.3f %.3f %.3f\n", "mean of classes", "",
            m1["librosa45", m] / nc["librosa45", m], m10["librosa45", m] / nc["librosa45", m],
            mm["librosa45", m] / nc["librosa45", m], m1["default", m] / nc["default", m],
            m10["default", m] / nc["default", m], mm["default", m] / nc["default", m]
    }
    nb = sort(bins, B)
    printf "\n== calibration, other-source top 10: share of the same class by distance\n"
    printf "%-10s %8s %6s   %8s %6s\n", "distance", "librosa45", "n", "default", "n"
    split("0.0-0.1 0.1-0.2 0.2-0.3 0.3+", K, " ")
    for (i = 1; i <= 4; i++)
        printf "%-10s %8.3f %6d   %8.3f %6d\n", K[i],
            kn["librosa45", K[i]] ? ks["librosa45", K[i]] / kn["librosa45", K[i]] : 0, kn["librosa45", K[i]],
            kn["default", K[i]] ? ks["default", K[i]] / kn["default", K[i]] : 0, kn["default", K[i]]
    printf "finer:\n"
    for (i = 1; i <= nb; i++)
        printf "%-10s %8.3f %6d   %8.3f %6d\n", B[i],
            cn["librosa45", B[i]] ? cs["librosa45", B[i]] / cn["librosa45", B[i]] : 0, cn["librosa45", B[i]],
            cn["default", B[i]] ? cs["default", B[i]] / cn["default", B[i]] : 0, cn["default", B[i]]
    ng = sort(grp, G)
    printf "\n== reasons: share of other-source top-10 results giving each group\n"
    printf "%-14s %9s %8s\n", "group", "librosa45", "default"
    for (i = 1; i <= ng; i++)
        printf "%-14s %9.3f %8.3f\n", G[i], rs["librosa45", G[i]], rs["default", G[i]]
}' "$tmp/scores"
echo
echo "rerun: bench/quality.sh $(shq "$corpus")"
