#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/serve.sh [ENTRIES] [SECONDS] [ROUNDS] [approx]
#
# as-serve under load, with wrk (Debian package wrk; bench only) on
# loopback: an index of ENTRIES (default 100000) synthetic entries of the
# default set (as-bench-index gen), two servers with -j 2 over it, one
# batching searches (the default) and one with -B, and wrk with 2
# threads and 16 connections for SECONDS (default 5) per run:
#   - GET /search?path=P&k=10, P drawn from 1000 indexed entries, on the
#     batching server and on the -B one in turn (A B A B, ROUNDS rounds,
#     default 3): the median of each's requests/s and p50 and p99;
#   - GET /stats;
#   - the same search with one connection (what one search costs);
#   - POST /search with a 1 s WAV as the body (extraction, then search),
#     with 16 connections and then with one (the cost of one upload);
#   - beside it, the median time the library takes to extract the same
#     file in one process (as-bench-extract, the extractor made once as
#     the server's are): an upload costs its extraction plus the search.
# With "approx" (a build with hnswlib): as-index -a builds the graph
# (its time printed), the batching server runs with -a, and the search
# runs alternate GET /search?path&approx=1 and the exact one on it
# (A B A B) instead of the -B comparison.
# Targets (issue 15): >= 1000 requests/s for /search?path at p99 <= 20
# ms; an upload costs its extraction plus at most 3 ms.
set -eu
. "$(dirname "$0")/common.sh"
n=${1:-100000}
secs=${2:-5}
rounds=${3:-3}
approx=${4:-}
if ! command -v wrk >/dev/null 2>&1; then
    echo "serve.sh: wrk not found (apt-get install wrk)" >&2
    exit 1
fi
bin=$build/tools
"$build/bench/as-bench-index" gen "$n" "$tmp/lib.bin" >/dev/null
"$bin/as-index" -q -o "$tmp/lib.asx" "$tmp/lib.bin"
"$bin/as-search" -L -H "$tmp/lib.asx" | cut -f 1 |
    awk -v n="$n" 'NR % int((n + 999) / 1000) == 1' >"$tmp/paths.txt"
"$build/tests/mksignal" -d 1 -r 44100 chirp "$tmp/one.wav"

# start NAME ARG...: a server, its URL in $tmp/NAME.url
pids=""
trap 'kill $pids 2>/dev/null || true; rm -rf "$tmp"' EXIT
start() {
    _name=$1
    shift
    "$bin/as-serve" -q -j 2 -l 127.0.0.1:0 "$@" "$tmp/lib.asx" \
        >"$tmp/$_name.url" &
    pids="$pids $!"
    while [ ! -s "$tmp/$_name.url" ]; do sleep 0.05; done
}
if [ "$approx" = approx ]; then
    t0=$(now)
    "$bin/as-index" -A "$tmp/lib.asx"
    t1=$(now)
    echo "as-index -a: $(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }') s"
    start batch -a
else
    start batch
fi
start single -B
batch=$(cat "$tmp/batch.url")
single=$(cat "$tmp/single.url")

# each request of the search runs asks for another entry
{
    echo "local paths = {}"
    echo "for line in io.lines(os.getenv('AS_PATHS')) do paths[#paths + 1] = line end"
    echo "local i = 0"
    echo "request = function()"
    echo "    i = i % #paths + 1"
    echo "    return wrk.format('GET', '/search?k=10&path=' .. paths[i])"
    echo "end"
} >"$tmp/paths.lua"
sed 's|/search?k=10|/search?approx=1\&k=10|' "$tmp/paths.lua" >"$tmp/approx.lua"
cat >"$tmp/post.lua" <<'LUA'
local f = assert(io.open(os.getenv("AS_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "audio/wav"
LUA

# ms VALUE: wrk's latency (us, ms or s) in milliseconds
ms() {
    awk -v v="$1" 'BEGIN {
        x = v + 0
        if (v ~ /us$/) x /= 1000
        else if (v ~ /ms$/) x += 0
        else if (v ~ /s$/) x *= 1000
        printf "%.2f\n", x
    }'
}

# run URL CONNECTIONS [WRK-ARG...]: one wrk run; "req/s p50_ms p99_ms
# non2xx" on stdout
run() {
    _u=$1 _c=$2
    shift 2
    _t=2
    [ "$_c" -ge 2 ] || _t=1
    wrk -t "$_t" -c "$_c" -d "${secs}s" --latency "$@" "$_u" >"$tmp/wrk.txt"
    _rps=$(awk '/Requests\/sec/ { print $2 }' "$tmp/wrk.txt")
    _p50=$(ms "$(awk '/^ +50%/ { print $2 }' "$tmp/wrk.txt")")
    _p99=$(ms "$(awk '/^ +99%/ { print $2 }' "$tmp/wrk.txt")")
    _bad=$(awk '/Non-2xx/ { print $NF }' "$tmp/wrk.txt")
    echo "$_rps $_p50 $_p99 ${_bad:-0}"
}

# line NAME FILE: the medians of the runs in FILE
line() {
    _r=$(cut -d ' ' -f 1 "$2" | median)
    _a=$(cut -d ' ' -f 2 "$2" | median)
    _b=$(cut -d ' ' -f 3 "$2" | median)
    _e=$(cut -d ' ' -f 4 "$2" | sort -n | tail -n 1)
    printf '%-34s %9.1f req/s  p50 %7.2f ms  p99 %7.2f ms' "$1" "$_r" "$_a" "$_b"
    [ "$_e" = 0 ] && echo || echo "  (non-2xx: up to $_e)"
}

echo "as-serve, $n entries, -j 2, wrk -t 2 -c 16 -d ${secs}s, loopback"
echo "$(getconf _NPROCESSORS_ONLN) processors, load average: $(cut -d ' ' -f 1-3 /proc/loadavg)"
: >"$tmp/on.txt"
: >"$tmp/off.txt"
r=0
while [ "$r" -lt "$rounds" ]; do
    if [ "$approx" = approx ]; then
        AS_PATHS=$tmp/paths.txt run "$batch" 16 -s "$tmp/approx.lua" >>"$tmp/ap.txt"
        AS_PATHS=$tmp/paths.txt run "$batch" 16 -s "$tmp/paths.lua" >>"$tmp/on.txt"
    else
        AS_PATHS=$tmp/paths.txt run "$batch" 16 -s "$tmp/paths.lua" >>"$tmp/on.txt"
        AS_PATHS=$tmp/paths.txt run "$single" 16 -s "$tmp/paths.lua" >>"$tmp/off.txt"
    fi
    r=$((r + 1))
done
line "GET /search?path k=10, batched" "$tmp/on.txt"
if [ "$approx" = approx ]; then
    line "GET /search?path k=10, approx=1" "$tmp/ap.txt"
    awk 'NR == FNR { a[FNR] = $1; next } { printf "%s%.2f", (FNR > 1 ? " " : ""), a[FNR] / $1 }
         END { print "" }' "$tmp/ap.txt" "$tmp/on.txt" >"$tmp/ratio.txt"
    echo "  approx=1 / exact requests/s per round: $(cat "$tmp/ratio.txt")"
else
    line "GET /search?path k=10, -B" "$tmp/off.txt"
    awk 'NR == FNR { a[FNR] = $1; next } { printf "%s%.2f", (FNR > 1 ? " " : ""), a[FNR] / $1 }
         END { print "" }' "$tmp/on.txt" "$tmp/off.txt" >"$tmp/ratio.txt"
    echo "  batched / -B requests/s per round: $(cat "$tmp/ratio.txt")"
fi
AS_PATHS=$tmp/paths.txt run "$batch" 1 -s "$tmp/paths.lua" >"$tmp/one.txt"
line "GET /search?path k=10, 1 conn." "$tmp/one.txt"
curl -sS "${batch}stats" | sed -n 's/.*"server":{[^}]*"searches":\([0-9]*\),"scans":\([0-9]*\).*/  batched server: \1 searches in \2 scans/p'

run "${batch}stats" 16 >"$tmp/stats.txt"
line "GET /stats" "$tmp/stats.txt"
AS_BODY=$tmp/one.wav run "${batch}search?k=10" 16 -s "$tmp/post.lua" >"$tmp/post.txt"
line "POST /search (1 s WAV)" "$tmp/post.txt"
AS_BODY=$tmp/one.wav run "${batch}search?k=10" 1 -s "$tmp/post.lua" >"$tmp/post1.txt"
line "POST /search (1 s WAV), 1 conn." "$tmp/post1.txt"
# extraction alone: 20 in one process, 7 processes
set -- "$tmp/one.wav"
i=1
while [ "$i" -lt 20 ]; do
    set -- "$@" "$tmp/one.wav"
    i=$((i + 1))
done
for i in 1 2 3 4 5 6 7; do
    "$build/bench/as-bench-extract" "$@" | cut -f 3
done | median | awk '{ printf "extraction alone of the same WAV: %.2f ms (median of 7 runs of 20)\n", $1 / 20 * 1000 }'
echo "rerun: sh bench/serve.sh $n $secs $rounds${approx:+ $approx}"
