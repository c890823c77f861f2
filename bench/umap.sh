#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/umap.sh [--full]
#
# lib/map/umap.c against umap-learn (Debian's umap-learn, installed
# through examples/deps.sh), both with their defaults (n_neighbors 15,
# min_dist 0.1), seed 0, on the same float32 matrices from as-bench-ml
# gen (12 clusters of unequal sizes and widths in 8 latent dimensions
# mapped into 30 columns, as as-map hands UMAP 30 principal components).
# Per case: seconds (ours on 2 threads; umap-learn's include numba's
# compilation) and "kept", the share of each of the first 1000 points'
# 10 nearest neighbours that stay among its 10 nearest on the 2-D map.
# Then ours alone on 100k points (the target: 2 minutes on 2 cores);
# --full runs umap-learn there too (many minutes).
set -eu
BENCH_ARG=${1-}
case $BENCH_ARG in '' | --full) ;; *) echo "usage: bench/umap.sh [--full]" >&2; exit 2 ;; esac
. "$(dirname "$0")/common.sh"
. "$root/examples/deps.sh"
ml="$build/bench/as-bench-ml"
as_deps_ensure $AS_DEPS_REFERENCE
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 NUMBA_NUM_THREADS=2

printf '%7s %3s | %9s %6s | %9s %6s\n' n d ours_s kept umap_s kept
for c in "5000 30 5" "20000 30 6" "100000 30 7"; do
    set -- $c
    "$ml" gen "$1" "$2" 12 "$3" "$tmp/m"
    ours=$("$ml" umap "$tmp/m" "$1" "$2" 2 0)
    if [ "$1" -lt 100000 ] || [ "$BENCH_ARG" = --full ]; then
        ref=$(/usr/bin/python3 "$root/bench/ref/umap_learn_map.py" "$tmp/m" "$1" "$2" 0 2>/dev/null)
    else
        ref="-	-"
    fi
    printf '%7s %3s | %s | %s\n' "$1" "$2" \
        "$(echo "$ours" | awk -F '\t' '{ printf "%9.1f %6.4f", $1, $2 }')" \
        "$(echo "$ref" | awk -F '\t' '{ printf "%9s %6s", $1, $2 }')"
done
echo "rerun: bench/umap.sh${BENCH_ARG:+ $BENCH_ARG}"
