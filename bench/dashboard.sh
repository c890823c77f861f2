#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/dashboard.sh [-r runs] [-b as-serve] [entries ...]
#
# What the dashboard costs the server on a large library: for indexes of
# ENTRIES (default 10000 and 100000) synthetic entries of the default
# set (as-bench-index gen), a fresh as-serve -j 2 each run, then
#   - time to first map: from the first GET /map?format=page&method=pca
#     (the dashboard's map above 5000 entries) to its 200, asking again
#     every 0.1 s while the server answers 503 (so up to 0.1 s late);
#   - the size of that answer (the page data);
#   - GET /clusters asked 0.2 s after the map: its status and time (the
#     map's computation used to hold it);
#   - the points of the same map (GET /map?format=points&method=pca,
#     asked again while 503) once its page and the clusters are there:
#     their time (the server placed the map again for them before it
#     kept placements);
#   - the size of the filter panel's answer when every entry passes:
#     GET /search-by-filters?format=ids&limit=100000 (before format=ids:
#     ?limit=1000000, every entry's metadata).
# With -b, the same for another as-serve binary (the one before a
# change), runs alternating A B A B; medians of -r runs (default 3).
# Curl and the shell's clock: no timing tool of our own.
set -eu
runs=3
before=""
while getopts b:r: opt; do
    case $opt in
    b) before=$(cd "$(dirname "$OPTARG")" && pwd)/$(basename "$OPTARG") ;;
    r) runs=$OPTARG ;;
    *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- 10000 100000
. "$(dirname "$0")/common.sh"
bin=$build/tools
pid=""
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT

# one SERVE INDEX: one run, one line "first_map_s page_bytes
# clusters_status clusters_s filter_bytes points_s"
one() {
    serve_start "$1" "$2"
    t0=$(now)
    (
        while :; do
            c=$(curl -s -o "$tmp/page.json" -w '%{http_code}' \
                "${url}map?format=page&method=pca")
            [ "$c" = 503 ] || break
            sleep 0.1
        done
        echo "$c" >"$tmp/page.code"
        now >"$tmp/page.t1"
    ) &
    poll=$!
    sleep 0.2
    cl=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' "${url}clusters")
    wait "$poll"
    [ "$(cat "$tmp/page.code")" = 200 ] || {
        echo "dashboard.sh: GET /map?format=page: $(cat "$tmp/page.code")" >&2
        exit 1
    }
    t1=$(cat "$tmp/page.t1")
    # the clusters asked for above first, so that nothing else is being
    # computed when the points are asked for
    while [ "$(curl -s -o /dev/null -w '%{http_code}' "${url}clusters")" = 503 ]; do
        sleep 0.1
    done
    t2=$(now)
    while :; do
        c=$(curl -s -o /dev/null -w '%{http_code}' \
            "${url}map?format=points&method=pca")
        [ "$c" = 503 ] || break
        sleep 0.1
    done
    t3=$(now)
    if curl -s -o "$tmp/f.json" -w '%{http_code}' \
        "${url}search-by-filters?format=ids&limit=100000" | grep -q 200; then
        :
    else
        curl -s -o "$tmp/f.json" "${url}search-by-filters?limit=1000000"
    fi
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    pid=""
    awk -v a="$t0" -v b="$t1" -v p="$(wc -c <"$tmp/page.json")" \
        -v c="$cl" -v f="$(wc -c <"$tmp/f.json")" -v d="$(awk -v x="$t2" -v y="$t3" 'BEGIN { print y - x }')" \
        'BEGIN { split(c, x, " "); printf "%.2f %d %s %.2f %d %.2f\n", b - a, p, x[1], x[2], f, d }'
}

# column N of FILE, median
med() {
    awk -v n="$1" '{ print $n }' "$2" | median
}

report() {
    printf '%-8s %7s  first map %7.2f s  page %6.2f MB  /clusters %s in %6.2f s  filter %6.2f MB  points after page %6.2f s\n' \
        "$1" "$2" "$(med 1 "$3")" "$(med 2 "$3" | awk '{ print $1 / 1e6 }')" \
        "$(awk '{ print $3 }' "$3" | sort | uniq -c | awk '{ printf "%s%s", s, $2 "x" $1; s = "," }')" \
        "$(med 4 "$3")" "$(med 5 "$3" | awk '{ print $1 / 1e6 }')" "$(med 6 "$3")"
}

echo "as-serve's dashboard: -j 2, loopback, median of $runs runs${before:+, alternating before/after}"
echo "command: bench/dashboard.sh -r $runs${before:+ -b $before} $*"
for n in "$@"; do
    "$build/bench/as-bench-index" gen "$n" "$tmp/lib.bin" >/dev/null
    "$bin/as-index" -q -o "$tmp/lib$n.asx" "$tmp/lib.bin"
    : >"$tmp/a.txt"
    : >"$tmp/b.txt"
    r=0
    while [ $r -lt "$runs" ]; do
        [ -z "$before" ] || one "$before" "$tmp/lib$n.asx" >>"$tmp/b.txt"
        one "$bin/as-serve" "$tmp/lib$n.asx" >>"$tmp/a.txt"
        r=$((r + 1))
    done
    [ -z "$before" ] || report before "$n" "$tmp/b.txt"
    report after "$n" "$tmp/a.txt"
done
