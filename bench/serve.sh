#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/serve.sh [ENTRIES] [SECONDS]
#
# as-serve under load, with wrk (Debian package wrk; bench only) on
# loopback: an index of ENTRIES (default 100000) synthetic entries of the
# default set (as-bench-index gen), the server with -j 2, and wrk with 2
# threads and 16 connections for SECONDS (default 10) per endpoint:
#   - GET /search?path=P&k=10 (an indexed entry as the query);
#   - GET /stats;
#   - POST /search with a 1 s WAV as the body (extraction, then search).
# Prints requests/s and the 50th and 99th percentile latency of each, and
# beside the upload the median time as-extract takes for the same file
# (one process each: an upper bound of the extraction alone). Targets
# (issue 15): >= 1000 requests/s for /search?path at p99 <= 20 ms; an
# upload costs its extraction plus at most 3 ms.
set -eu
. "$(dirname "$0")/common.sh"
n=${1:-100000}
secs=${2:-10}
if ! command -v wrk >/dev/null 2>&1; then
    echo "serve.sh: wrk not found (apt-get install wrk)" >&2
    exit 1
fi
bin=$build/tools
"$build/bench/as-bench-index" gen "$n" "$tmp/lib.bin" >/dev/null
"$bin/as-index" -q -o "$tmp/lib.asx" "$tmp/lib.bin"
path=$("$bin/as-search" -L -H -n 1 "$tmp/lib.asx" | cut -f 1)
"$build/tests/mksignal" -d 1 -r 44100 chirp "$tmp/one.wav"

"$bin/as-serve" -q -j 2 -l 127.0.0.1:0 "$tmp/lib.asx" >"$tmp/url" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
while [ ! -s "$tmp/url" ]; do sleep 0.05; done
url=$(cat "$tmp/url")

cat >"$tmp/post.lua" <<'LUA'
local f = assert(io.open(os.getenv("AS_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "audio/wav"
LUA

# run NAME URL [SCRIPT]: one wrk run, one line of figures
run() {
    _name=$1 _u=$2
    shift 2
    wrk -t 2 -c 16 -d "${secs}s" --latency "$@" "$_u" >"$tmp/wrk.txt"
    awk -v name="$_name" '
        /Requests\/sec/ { rps = $2 }
        /^ +50%/ { p50 = $2 }
        /^ +99%/ { p99 = $2 }
        /Non-2xx/ { bad = $NF }
        END { printf "%-24s %10s req/s  p50 %8s  p99 %8s%s\n", name, rps,
              p50, p99, bad ? "  (non-2xx: " bad ")" : "" }' "$tmp/wrk.txt"
}

echo "as-serve, $n entries, -j 2, wrk -t 2 -c 16 -d ${secs}s, loopback"
run "GET /search?path k=10" "${url}search?path=$path&k=10"
run "GET /stats" "${url}stats"
AS_BODY=$tmp/one.wav run "POST /search (1 s WAV)" "${url}search?k=10" \
    -s "$tmp/post.lua"
for i in 1 2 3 4 5 6 7; do
    t0=$(now)
    "$bin/as-extract" "$tmp/one.wav" >/dev/null
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'
done | median | awk '{ printf "as-extract of the same WAV: %.1f ms (median of 7 processes)\n", $1 * 1000 }'
