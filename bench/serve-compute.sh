#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/serve-compute.sh [ENTRIES [RUNS]]
#
# What as-serve's computed answers cost beside the tools that compute the
# same: on an index of ENTRIES (default 100000) synthetic entries of the
# default set (as-bench-index gen), for
#   - GET /anomalies?method=knn, lof and iforest (limit 20) against
#     as-anomaly -a METHOD -n 20,
#   - GET /clusters?method=kmeans against as-cluster -m kmeans,
# the tool's run (-j 2) and a fresh as-serve -j 2's first answer (from
# the first request to the 200, asking again every 0.1 s while it
# answers 503, so up to 0.1 s late), in turn (A B A B), RUNS runs
# (default 3): their medians and ratio, and the time of asking that
# server again (the answer kept).
# Curl and the shell's clock: no timing tool of our own.
#
# Measured on December 4, 2026 (bench/serve-compute.sh 100000 3, 2 cores):
#   anomalies knn      tool    7.96 s   as-serve    8.07 s (1.01 times)   again 0.0075 s
#   anomalies lof      tool   10.65 s   as-serve   10.81 s (1.02 times)   again 0.0103 s
#   anomalies iforest  tool    0.11 s   as-serve    0.14 s (1.26 times)   again 0.0090 s
#   clusters kmeans    tool    9.36 s   as-serve    9.62 s (1.03 times)   again 0.0080 s
# (the isolation forest's 0.03 s more is the request and the polling; the
# ids of 100000 entries make the k-means answer 0.6 MB).
set -eu
. "$(dirname "$0")/common.sh"
n=${1:-100000}
runs=${2:-3}
bin=$build/tools
pid=""
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT

"$build/bench/as-bench-index" gen "$n" "$tmp/lib.bin" >/dev/null
"$bin/as-index" -q -o "$tmp/lib.asx" "$tmp/lib.bin"

# serve QUERY: a fresh server's first answer to QUERY, then again; one
# line "first_s again_s"
serve() {
    serve_start "$bin/as-serve" "$tmp/lib.asx"
    t0=$(now)
    while :; do
        c=$(curl -s -o "$tmp/out.json" -w '%{http_code}' "$url$1")
        [ "$c" = 503 ] || break
        sleep 0.1
    done
    t1=$(now)
    [ "$c" = 200 ] || {
        echo "serve-compute.sh: $1: HTTP $c: $(head -c 200 "$tmp/out.json")" >&2
        exit 1
    }
    curl -s -o /dev/null "$url$1"
    t2=$(now)
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    pid=""
    awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "%.3f %.4f\n", b - a, c - b }'
}

# tool CMD...: the command's time, seconds
tool() {
    t0=$(now)
    "$@" >/dev/null
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

echo "as-serve's computed answers beside the tools, $n entries, -j 2, median of $runs runs (A B)"
echo "command: bench/serve-compute.sh $n $runs"
for m in "anomalies knn" "anomalies lof" "anomalies iforest" "clusters kmeans"; do
    set -- $m
    : >"$tmp/a.txt"
    : >"$tmp/b.txt"
    r=0
    while [ $r -lt "$runs" ]; do
        if [ "$1" = anomalies ]; then
            tool "$bin/as-anomaly" -q -j 2 -a "$2" -n 20 "$tmp/lib.asx" >>"$tmp/a.txt"
            serve "anomalies?method=$2&limit=20" >>"$tmp/b.txt"
        else
            tool "$bin/as-cluster" -q -j 2 -m "$2" "$tmp/lib.asx" >>"$tmp/a.txt"
            serve "clusters?method=$2" >>"$tmp/b.txt"
        fi
        r=$((r + 1))
    done
    a=$(cut -d ' ' -f 1 "$tmp/a.txt" | median)
    b=$(cut -d ' ' -f 1 "$tmp/b.txt" | median)
    again=$(cut -d ' ' -f 2 "$tmp/b.txt" | median)
    awk -v m="$m" -v a="$a" -v b="$b" -v g="$again" 'BEGIN {
        r = a > 0 ? b / a : 0
        printf "%-18s tool %7.2f s   as-serve %7.2f s (%.2f times)   again %.4f s\n", m, a, b, r, g
    }'
done
