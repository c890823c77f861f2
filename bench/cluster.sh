#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/cluster.sh [CORPUSDIR]
#        bench/cluster.sh --reference
#
# as-cluster's methods measured against the classes of the labelled drum
# corpus of bench/corpus/README (default bench/corpus/out; build it with
# bench/corpus/make.sh): the files with a class, one of each set of
# identical files (as bench/quality.sh picks them), extracted with the
# default feature set and indexed with the class as the label. For each
# method: clusters, noise entries, the adjusted Rand index of the
# clusters against the classes (noise as one more cluster, as
# scikit-learn's adjusted_rand_score sees DBSCAN's labels), the purity
# (the share of clustered entries whose class is their cluster's most
# common one), the largest cluster and the seconds taken (2 threads).
# Then DBSCAN's own eps (-D) on each source folder of the corpus with
# its copies kept, as a library holds them (kits sharing samples: many
# entries with exact copies, which the k-distance curve leaves out).
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

# ARI, purity and sizes of as-cluster's entries (path, label, cluster)
score() {
    awk -F '\t' '
    function c2(m) { return m * (m - 1) / 2 }
    NR > 1 { n++; t[$3 SUBSEP $2]++; a[$3]++; b[$2]++; if ($3 < 0) noise++ }
    END {
        for (k in t) s += c2(t[k])
        for (k in a) { sa += c2(a[k]); if (k >= 0) { k_n++; if (a[k] > big) big = a[k] } }
        for (k in b) sb += c2(b[k])
        e = sa * sb / c2(n); ari = (s - e) / ((sa + sb) / 2 - e)
        for (k in t) { split(k, w, SUBSEP); if (w[1] >= 0 && t[k] > top[w[1]]) top[w[1]] = t[k] }
        for (k in top) agree += top[k]
        printf "%4d %6d %7.3f %7.3f %8d", k_n, noise, ari, (n > noise ? agree / (n - noise) : 0), big
    }'
}

corpus_figures() {
    corpus=${1:-$root/bench/corpus/out}
    man="$corpus/manifest.tsv"
    if [ ! -f "$man" ] || [ ! -f "$corpus/SHA256SUMS" ]; then
        echo "cluster.sh: $corpus: no corpus there; build it with" >&2
        echo "  bench/corpus/make.sh $corpus" >&2
        exit 1
    fi
    corpus=$(cd "$corpus" && pwd)
    man="$corpus/manifest.tsv"
    export LC_ALL=C
    awk -F '\t' 'NR == FNR { split($0, w, "  "); h[w[2]] = w[1]; next }
        FNR > 1 && $2 != "unknown" && !(h[$1] in seen) { seen[h[$1]]; print $1 }' \
        "$corpus/SHA256SUMS" "$man" >"$tmp/pool.txt"
    (cd "$corpus" && "$build/tools/as-extract" -q -k -T "$tmp/pool.txt" \
        -o "$tmp/raw.tsv") ||
        echo "cluster.sh: some files could not be extracted" >&2
    awk -F '\t' -v OFS='\t' 'NR == FNR { c[$1] = $2; next }
        FNR == 1 { $1 = "path" OFS "label"; print; next }
        { $1 = $1 OFS c[$1]; print }' "$man" "$tmp/raw.tsv" >"$tmp/c.tsv"
    "$build/tools/as-index" -q -l column -o "$tmp/c.asx" "$tmp/c.tsv"
    echo "corpus $corpus: $(($(wc -l <"$tmp/c.tsv") - 1)) files," \
        "$(tail -n +2 "$tmp/c.tsv" | cut -f 2 | sort -u | wc -l) classes" \
        "(manifest sha256 $(sha256sum <"$man" | cut -c1-16))"
    printf '%-30s %4s %6s %7s %7s %8s %6s\n' method k noise ARI purity largest s
    for m in "-k 8" "-k 16" "-K 4:30" "-K 2:20" "-D" "-m hdbscan" \
        "-m hdbscan -c 15 -M 3" "-m auto"; do
        t0=$(now)
        # shellcheck disable=SC2086
        "$build/tools/as-cluster" -q -j 2 $m "$tmp/c.asx" >"$tmp/out"
        t1=$(now)
        printf '%-30s %s %6.1f\n' "as-cluster $m" "$(score <"$tmp/out")" \
            "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
    done
    echo
    echo "as-cluster -D, each source folder with its copies:"
    printf '%-30s %4s %6s %7s %7s %8s %9s\n' folder k noise ARI purity largest eps
    awk -F '\t' 'FNR > 1 && $2 != "unknown" { print $1 }' "$man" >"$tmp/all.txt"
    (cd "$corpus" && "$build/tools/as-extract" -q -k -T "$tmp/all.txt" \
        -o "$tmp/allraw.tsv") ||
        echo "cluster.sh: some files could not be extracted" >&2
    for f in $(cut -d / -f 1 "$tmp/all.txt" | sort -u); do
        awk -F '\t' -v OFS='\t' -v f="$f/" 'NR == FNR { c[$1] = $2; next }
            FNR == 1 { $1 = "path" OFS "label"; print; next }
            index($1, f) == 1 { $1 = $1 OFS c[$1]; print }' \
            "$man" "$tmp/allraw.tsv" >"$tmp/f.tsv"
        "$build/tools/as-index" -q -l column -o "$tmp/f.asx" "$tmp/f.tsv"
        "$build/tools/as-cluster" -j 2 -D "$tmp/f.asx" >"$tmp/out" 2>"$tmp/err"
        printf '%-30s %s %9s\n' "$f ($(($(wc -l <"$tmp/f.tsv") - 1)))" \
            "$(score <"$tmp/out")" \
            "$(sed -n 's/.*: eps \([0-9.]*\),.*/\1/p' "$tmp/err")"
    done
    echo "rerun: bench/cluster.sh $(shq "$corpus")"
}

case ${1-} in
--reference) reference ;;
-*) echo "usage: bench/cluster.sh [CORPUSDIR] | --reference" >&2; exit 2 ;;
*) corpus_figures "${1-}" ;;
esac
