#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/cluster.sh --reference
#
# --reference: lib/cluster/hdbscan.c against a reference implementation,
# R's dbscan::hdbscan (Debian's r-cran-dbscan, installed through
# examples/deps.sh), on the same float32 matrices from as-bench-ml gen
# (clusters of unequal sizes and widths in a few latent dimensions mapped
# into D columns). R's minPts is both min_cluster_size and min_samples,
# so those run equal here. Per case: our time (one thread), clusters and
# noise; R's time, clusters and noise; whether the partitions are the
# same (cluster numbers aside, noise included) and their adjusted Rand
# index.
set -eu
. "$(dirname "$0")/common.sh"
. "$root/examples/deps.sh"
ml="$build/bench/as-bench-ml"

reference() {
    as_deps_ensure $AS_DEPS_REFERENCE
    printf '%6s %3s %3s %6s | %8s %4s %5s | %8s %4s %5s | %-6s %s\n' \
        n d k minpts ours_s k noise R_s k noise result ARI
    # n d clusters seed minPts
    for c in "800 2 8 5 4" "1500 20 4 9 3" "2500 3 20 11 15" \
        "3000 5 12 7 5" "3000 87 12 1 5" "3000 87 12 1 20" "5000 10 30 4 8"; do
        set -- $c
        "$ml" gen "$1" "$2" "$3" "$4" "$tmp/m"
        ours=$("$ml" hdbscan "$tmp/m" "$1" "$2" "$5" 0 1)
        ref=$(Rscript "$root/bench/ref/hdbscan.R" "$tmp/m" "$1" "$2" "$5")
        printf '%6s %3s %3s %6s | %s | %s\n' "$1" "$2" "$3" "$5" \
            "$(echo "$ours" | awk -F '\t' '{ printf "%8.3f %4d %5d", $1, $2, $3 }')" \
            "$(echo "$ref" | awk -F '\t' '{ printf "%8.3f %4d %5d | %-6s %.4f", $1, $2, $3, $4, $5 }')"
    done
    echo "rerun: bench/cluster.sh --reference"
}

case ${1-} in
--reference) reference ;;
*) echo "usage: bench/cluster.sh --reference" >&2; exit 2 ;;
esac
