#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/corpus/train.sh [-f FILE] [model|measure] [CORPUSDIR]
#
# The kind model (lib/include/as/kind.h) from the labelled drum corpus
# of bench/corpus/README (default bench/corpus/out):
#
#   model    trains on every file with a class and writes
#            lib/kind/default.model, which the library embeds at build
#            time (the default stage)
#   measure  the cross-source figures: for each hold-out unit, trained
#            without it and tested on it; accuracy, macro-F1, confusion
#            matrix, expected calibration error, beside the k-NN vote of
#            the same columns, and inference cost per file next to
#            extraction's (bench/kind.sh runs this)
#
# The rows: the files with a class (not unknown), one of each set of
# byte-identical copies (as bench/quality.sh keeps them). The columns:
# those of the default feature set, by name, as `as-extract -C` lists
# them now, so after a change of the set one run of this script retrains
# on the new columns. Hold-out units: the source, with MuseScore_General
# and FluidR3_GM one unit (the first is built from the second's
# samples). -f FILE: take the default set's as-extract output for the
# corpus files (paths as in the manifest) instead of extracting.
#
# Deterministic: the same corpus and columns give the same model file.
set -eu
feat=""
if [ "${1-}" = "-f" ]; then
    feat=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
    shift 2
fi
stage=${1:-model}
root=$(cd "$(dirname "$0")/../.." && pwd)
build="$root/build-bench"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DAS_BUILD_TESTS=ON >/dev/null
cmake --build "$build" -j "$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)" >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
corpus=$(cd "${2:-$root/bench/corpus/out}" && pwd)
man="$corpus/manifest.tsv"
[ -f "$man" ] || { echo "train.sh: $man: no corpus (bench/corpus/make.sh)" >&2; exit 1; }
[ -f "$corpus/SHA256SUMS" ] || { echo "train.sh: $corpus/SHA256SUMS: missing" >&2; exit 1; }
sha=$(sha256sum <"$man" | cut -d ' ' -f 1)
set=default
l2=0.01
export LC_ALL=C

awk -F '\t' 'NR == FNR { split($0, w, "  "); h[w[2]] = w[1]; next }
    FNR > 1 && $2 != "unknown" && !(h[$1] in seen) { seen[h[$1]]; print $1 }' \
    "$corpus/SHA256SUMS" "$man" >"$tmp/pool.txt"
n=$(wc -l <"$tmp/pool.txt")
t0=$(date +%s.%N)
if [ -n "$feat" ]; then
    cp "$feat" "$tmp/raw.tsv"
else
    (cd "$corpus" && "$build/tools/as-extract" -k -q -j 1 -s "$set" \
        -T "$tmp/pool.txt" -o "$tmp/raw.tsv") || true
fi
t1=$(date +%s.%N)
"$build/tools/as-extract" -C -s "$set" | tail -n +2 | cut -f 1 >"$tmp/cols.txt"
# path, class, unit, then the set's columns by name
awk -F '\t' -v OFS='\t' '
    FILENAME == ARGV[1] { col[++nc] = $1; next }
    FILENAME == ARGV[2] { if (FNR > 1) { cls[$1] = $2
        u[$1] = $3 == "MuseScore_General" ? "FluidR3_GM" : $3 }; next }
    FILENAME == ARGV[3] { pool[$1]; next }
    FNR == 1 { for (i = 1; i <= NF; i++) at[$i] = i
        line = "path" OFS "class" OFS "unit"
        for (j = 1; j <= nc; j++) {
            if (!(col[j] in at)) { print "train.sh: no column " col[j] >"/dev/stderr"; exit 1 }
            line = line OFS col[j] }
        print line; next }
    $1 in pool { line = $1 OFS cls[$1] OFS u[$1]
        for (j = 1; j <= nc; j++) line = line OFS $(at[col[j]])
        print line }' "$tmp/cols.txt" "$man" "$tmp/pool.txt" "$tmp/raw.tsv" >"$tmp/data.tsv"
rows=$(($(wc -l <"$tmp/data.tsv") - 1))

case $stage in
model)
    "$build/bench/as-bench-kind" train -l "$l2" -m "$sha" -s "$set" \
        "$tmp/data.tsv" >"$tmp/model"
    mv "$tmp/model" "$root/lib/kind/default.model"
    echo "wrote lib/kind/default.model: $rows files, manifest sha256 $sha"
    ;;
measure)
    echo "corpus $corpus: $rows of $n files (manifest sha256 $(echo "$sha" | cut -c1-16))"
    "$build/bench/as-bench-kind" eval -l "${KIND_L2:-$l2}" -k 5 "$tmp/data.tsv"
    "$build/bench/as-bench-kind" train -l "$l2" -m "$sha" -s "$set" \
        "$tmp/data.tsv" >"$tmp/model"
    per=$("$build/bench/as-bench-kind" time -M "$tmp/model" "$tmp/data.tsv" | cut -f 1)
    echo
    echo "== cost per file"
    if [ -z "$feat" ]; then
        awk -v a="$t0" -v b="$t1" -v n="$n" -v p="$per" 'BEGIN {
            printf "extraction (as-extract -j 1) %10.3f ms\n", (b - a) * 1000 / n
            printf "kind inference               %10.6f ms\n", p * 1000 }'
    else
        awk -v p="$per" 'BEGIN { printf "kind inference %10.6f ms (extraction not run: -f)\n", p * 1000 }'
    fi
    echo "rerun: bench/corpus/train.sh measure $corpus"
    ;;
*)
    echo "train.sh: $stage: not model or measure" >&2
    exit 2
    ;;
esac
