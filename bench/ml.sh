#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/ml.sh [RUNS]
#
# as-cluster's and as-anomaly's algorithms against scikit-learn (Debian's
# python3-sklearn, run by /usr/bin/python3), one thread each, on the same
# float32 matrices, medians of RUNS (default 1) runs made in turn:
#   - k-means, 100k x 87, k 12, one initialisation: time and inertia.
#     Target: 2x faster at equal or lower inertia;
#   - silhouette of 10k entries (the k-means labels). Target: 5x;
#   - DBSCAN on 100k entries, eps from as-cluster's k-distance knee,
#     min_samples 5: time, peak memory, and whether the labels are the
#     same. Target: 8x, bounded memory;
#   - Isolation Forest fit + score on 1M x 87. Target: 10x.
# The matrices (bench/as-bench-ml gen): 12 clusters of unequal sizes and
# widths in 8 latent dimensions mapped into 87 columns, like features.
# Needs about 400 MB in $TMPDIR and, for the scikit-learn side,
# python3-sklearn (apt-get install python3-sklearn); without it only our
# figures are printed. scikit-learn's DBSCAN takes minutes and ~2 GB.
set -eu
runs=${1:-1}
case $runs in
'' | *[!0-9]* | 0 | 0*) echo "usage: bench/ml.sh [RUNS]" >&2; exit 2 ;;
esac
. "$(dirname "$0")/common.sh"
ml="$build/bench/as-bench-ml"
sklearn_setup

"$ml" gen 100000 87 12 1 "$tmp/m100k"
"$ml" gen 1000000 87 12 2 "$tmp/m1m"
eps=$("$ml" eps "$tmp/m100k" 100000 87 4 | cut -f 2)

i=0
while [ $i -lt "$runs" ]; do
    "$ml" kmeans "$tmp/m100k" 100000 87 12 >>"$tmp/km"
    "$ml" silhouette "$tmp/m100k" 100000 87 10000 >>"$tmp/sil"
    "$ml" dbscan "$tmp/m100k" 100000 87 "$eps" 5 >>"$tmp/db"
    "$ml" iforest "$tmp/m1m" 1000000 87 >>"$tmp/if"
    if [ -n "$sk" ]; then
        "$py" "$sk" kmeans "$tmp/m100k" 100000 87 12 >>"$tmp/km.sk"
        "$py" "$sk" silhouette "$tmp/m100k" 100000 87 10000 >>"$tmp/sil.sk"
        "$py" "$sk" dbscan "$tmp/m100k" 100000 87 "$eps" 5 >>"$tmp/db.sk"
        "$py" "$sk" iforest "$tmp/m1m" 1000000 87 >>"$tmp/if.sk"
    fi
    i=$((i + 1))
done

col() { cut -f "$2" "$tmp/$1" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", b / a }'; }
echo "ml: one thread, median of $runs runs (ours | scikit-learn)"
printf '  k-means 100k x 87, k 12, 1 init: %.3f s, inertia %.6g, %d iterations' \
    "$(col km 1)" "$(col km 2)" "$(col km 3)"
[ -n "$sk" ] && printf ' | %.3f s, inertia %.6g, %d iterations: %s (target >= 2x, inertia <=)' \
    "$(col km.sk 1)" "$(col km.sk 2)" "$(col km.sk 3)" "$(ratio "$(col km 1)" "$(col km.sk 1)")"
echo
printf '  silhouette 10k:                   %.3f s = %.6f' "$(col sil 1)" "$(col sil 2)"
[ -n "$sk" ] && printf ' | %.3f s = %.6f: %s (target >= 5x)' \
    "$(col sil.sk 1)" "$(col sil.sk 2)" "$(ratio "$(col sil 1)" "$(col sil.sk 1)")"
echo
printf '  DBSCAN 100k, eps %.4f, 5:        %.3f s, %d clusters, %d noise, peak %.0f MiB' \
    "$eps" "$(col db 1)" "$(col db 2)" "$(col db 3)" "$(awk -v k="$(col db 4)" 'BEGIN { print k / 1024 }')"
if [ -n "$sk" ]; then
    same=no
    cmp -s "$tmp/m100k.dblabels" "$tmp/m100k.sklabels" && same=yes
    printf ' | %.3f s, %d clusters, %d noise, peak %.0f MiB: %s (target >= 8x); same labels: %s' \
        "$(col db.sk 1)" "$(col db.sk 2)" "$(col db.sk 3)" \
        "$(awk -v k="$(col db.sk 4)" 'BEGIN { print k / 1024 }')" \
        "$(ratio "$(col db 1)" "$(col db.sk 1)")" "$same"
fi
echo
printf '  Isolation Forest 1M x 87:         %.3f s, mean score %.4f' "$(col if 1)" "$(col if 2)"
[ -n "$sk" ] && printf ' | %.3f s, mean score %.4f: %s (target >= 10x)' \
    "$(col if.sk 1)" "$(col if.sk 2)" "$(ratio "$(col if 1)" "$(col if.sk 1)")"
echo
echo "rerun: bench/ml.sh $runs"
