#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/corpus/fit.sh [-f DIR] weights|measure [CORPUSDIR]
#
# Fits what as-search ships as data from the labelled drum corpus of
# bench/corpus/README (default bench/corpus/out), and measures it through
# as-search's own output:
#   weights     the default set's distance weights (sqrt of each column's
#               Fisher ratio on the drum classes, bench/corpus/fit.awk)
#               into lib/features/weights_default.h
#   measure     P@1, P@10 and mAP (other-source and all candidates), per
#               class, how often each group is a reason, and the
#               calibration of the confidence column, librosa45 beside
#               default
# -f DIR takes the features from DIR/default.tsv and DIR/librosa45.tsv
# (as-extract output for the corpus files, paths as in the manifest)
# instead of extracting them. Hold-out units, queries and relevance are
# those of bench/quality.sh: the source, with MuseScore_General and
# FluidR3_GM one unit; drum classes are queries, tonal/fx/loop files are
# distractors, unknown files are left out.
set -eu
feat=""
if [ "${1-}" = "-f" ]; then
    feat=$(cd "$2" && pwd)
    shift 2
fi
stage=${1:?usage: bench/corpus/fit.sh [-f DIR] weights|measure [CORPUSDIR]}
# as bench/common.sh does, from one level deeper: a Release build in
# build-bench/ and a temporary folder
root=$(cd "$(dirname "$0")/../.." && pwd)
build="$root/build-bench"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DAS_BUILD_TESTS=ON >/dev/null
cmake --build "$build" -j "$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)" >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
here="$root/bench/corpus"
corpus=$(cd "${2:-$here/out}" && pwd)
man="$corpus/manifest.tsv"
[ -f "$man" ] || { echo "fit.sh: $man: no corpus (bench/corpus/make.sh)" >&2; exit 1; }
sha=$(sha256sum <"$man" | cut -d ' ' -f 1)
units="MuseScore_General=FluidR3_GM"
export LC_ALL=C
awk -F '\t' 'NR > 1 && $2 != "unknown" { print $1 }' "$man" >"$tmp/pool.txt"
n=$(wc -l <"$tmp/pool.txt")

# stream SET: the set's features of the pool with the class as label
stream() {
    if [ -n "$feat" ]; then
        cp "$feat/$1.tsv" "$tmp/$1.raw"
    else
        (cd "$corpus" && "$build/tools/as-extract" -k -q -s "$1" \
            -T "$tmp/pool.txt" -o "$tmp/$1.raw") || true
    fi
    awk -F '\t' -v OFS='\t' 'NR == FNR { if (FNR > 1 && $2 != "unknown") c[$1] = $2; next }
        FNR == 1 { $1 = "path" OFS "label"; print; next }
        $1 in c { $1 = $1 OFS c[$1]; print }' "$man" "$tmp/$1.raw" >"$tmp/$1.tsv"
    tail -n +2 "$tmp/$1.tsv" | cut -f1 >"$tmp/$1.pool"
}

# search SET: every drum file's row a query, all entries as results,
# scored by measure.awk; pairs in $tmp/SET.pairs
search() {
    stream "$1"
    "$build/tools/as-index" -q -l column -o "$tmp/$1.asx" "$tmp/$1.tsv"
    awk -F '\t' 'NR == 1 || $2 !~ /^(tonal|fx|loop)$/' "$tmp/$1.tsv" >"$tmp/$1.q.tsv"
    "$build/tools/as-search" -k "$n" -F "$tmp/$1.q.tsv" "$tmp/$1.asx" |
        awk -F '\t' -v set="$1" -v units="$units" -v pairs="$tmp/$1.pairs" \
            -f "$here/measure.awk" "$man" "$tmp/$1.pool" - >>"$tmp/scores"
    sort -g "$tmp/$1.pairs" >"$tmp/$1.sorted"
}

case $stage in
weights)
    stream default
    awk -F '\t' -v sha="$sha" -v cmd="bench/corpus/fit.sh weights" \
        -f "$here/fit.awk" "$man" "$tmp/default.tsv" >"$tmp/w.h"
    mv "$tmp/w.h" "$root/lib/features/weights_default.h"
    echo "wrote lib/features/weights_default.h (manifest sha256 $sha)"
    ;;
measure)
    echo "corpus $corpus: $n files indexed (manifest sha256 $(echo "$sha" | cut -c1-16))"
    for set in librosa45 default; do search "$set"; done
    awk -F '\t' '
    $1 == "score" { v[$2, $3, $4] = sprintf("%.3f %.3f %.3f", $6, $7, $8); nq[$3, $4] = $5
        if ($4 != "all") cls[$4] }
    $1 == "reason" { grp[$3]; rs[$2, $3] = $4 }
    $1 == "nores" { nr[$2] = $3 }
    END {
        split("other all", M, " ")
        for (mi = 1; mi <= 2; mi++) {
            m = M[mi]
            printf "\n== %s: P@1 P@10 mAP\n", m == "other" ? "other-source" : "all candidates"
            printf "%-14s %5s   %-17s   %-17s\n", "class", "n", "librosa45", "default"
            printf "%-14s %5d   %-17s   %-17s\n", "all", nq[m, "all"], v["librosa45", m, "all"], v["default", m, "all"]
            for (c in cls) printf "%-14s %5d   %-17s   %-17s\n", c, nq[m, c], v["librosa45", m, c], v["default", m, c] | "sort"
            close("sort")
        }
        printf "\n== reasons: share of top-10 results (other-source)\n"
        for (g in grp) printf "%-14s %8.3f %8.3f\n", g, rs["librosa45", g], rs["default", g]
        printf "%-14s %8.3f %8.3f\n", "(none)", nr["librosa45"], nr["default"]
    }' "$tmp/scores"
    for set in librosa45 default; do
        printf "\n== calibration, %s: top-10 results (other-source) by distance\n" "$set"
        printf "%-13s %6s %6s %10s\n" distance n same confidence
        awk -F '\t' '{ b = int($1 / 0.05); if (b > 10) b = 10; n[b]++; s[b] += $2
            if ($3 != "-") { c[b] += $3; nc[b]++ } }
            END { for (b = 0; b <= 10; b++) if (n[b])
                printf "%-13s %6d %6.3f %10s\n", b < 10 ? sprintf("%.2f-%.2f", b * 0.05, b * 0.05 + 0.05) : "0.50+",
                    n[b], s[b] / n[b], nc[b] ? sprintf("%.3f", c[b] / nc[b]) : "-" }' "$tmp/$set.sorted"
    done
    echo "rerun: bench/corpus/fit.sh measure $corpus"
    ;;
*)
    echo "fit.sh: $stage: not weights or measure" >&2
    exit 2
    ;;
esac
