#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/search.sh [ENTRIES] [RUNS]
#
# as-search speed on a synthetic index of ENTRIES (default 1000000)
# entries of the default feature set (bench/as-bench-index gen), one
# thread, medians of RUNS (default 3) runs made in turn:
#   - one query's top 10 against the time to read the matrix once in the
#     same process (the memory-bandwidth floor). Target: within 1.2x;
#   - 1000 queries at once (as_search with 1000 rows): the first call
#     (which makes the int8 copy) and a second; and as-search -F with a
#     1000-row stream, the whole process. Beside it, when g++ and
#     libfaiss-dev are installed, FAISS IndexFlatL2 on the same sizes,
#     one thread. Target: 4x faster per query;
#   - a query from a 2 s audio file against the first 100000 entries:
#     as-search's whole process, spawn to exit. Target: under 50 ms.
# Needs about 1000 bytes per entry in $TMPDIR (default /tmp).
set -eu
entries=${1:-1000000}
runs=${2:-3}
for n in "$entries" "$runs"; do
    case $n in
    '' | *[!0-9]* | 0 | 0*) echo "usage: bench/search.sh [ENTRIES] [RUNS]" >&2; exit 2 ;;
    esac
done
. "$(dirname "$0")/common.sh"
gen="$build/bench/as-bench-index"
bench="$build/bench/as-bench-search"
search="$build/tools/as-search"
nq=1000
small=100000
[ "$entries" -lt "$small" ] && small=$entries

"$gen" gen "$entries" "$tmp/stream.bin" >"$tmp/gen"
dim=$(cut -f 2 "$tmp/gen")
"$build/tools/as-index" -o "$tmp/lib.asx" "$tmp/stream.bin"
# 1000 queries: entries of the stream (as-search finds each at distance 0)
"$build/tools/as-index" -d "$tmp/lib.asx" | head -n $((nq + 1)) >"$tmp/q.tsv"
"$build/tools/as-index" -d "$tmp/lib.asx" | head -n $((small + 1)) |
    "$build/tools/as-index" -o "$tmp/small.asx"
"$build/tests/mksignal" -d 2 -r 44100 chirp "$tmp/query.wav"
cat "$tmp/lib.asx" >/dev/null

faiss=""
if command -v g++ >/dev/null 2>&1 && [ -e /usr/include/faiss/IndexFlat.h ]; then
    # Debian's libfaiss is static: BLAS and LAPACK come along
    if g++ -O2 -o "$tmp/faiss-flat" "$root/bench/faiss-flat.cpp" -lfaiss \
        -fopenmp -lopenblas -llapack 2>"$tmp/faiss.log" ||
        g++ -O2 -o "$tmp/faiss-flat" "$root/bench/faiss-flat.cpp" -lfaiss \
            -fopenmp -lblas -llapack 2>>"$tmp/faiss.log"; then
        faiss="$tmp/faiss-flat"
    else
        echo "note: FAISS baseline did not build (see below); skipped" >&2
        cat "$tmp/faiss.log" >&2
    fi
fi

i=0
while [ $i -lt "$runs" ]; do
    "$bench" single 15 10 "$tmp/lib.asx" >>"$tmp/single" 2>/dev/null
    "$bench" batch $nq 10 "$tmp/lib.asx" >>"$tmp/batch" 2>/dev/null
    "$gen" time "$search" -H -k 10 -F "$tmp/q.tsv" "$tmp/lib.asx" >>"$tmp/cli"
    if [ -n "$faiss" ]; then
        OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
            "$faiss" "$entries" "$dim" $nq 1 >>"$tmp/faiss"
    fi
    j=0
    while [ $j -lt 20 ]; do
        "$gen" time "$search" -k 10 "$tmp/small.asx" "$tmp/query.wav" >>"$tmp/audio"
        j=$((j + 1))
    done
    i=$((i + 1))
done
# the CLI's answers are right: each query finds itself first
"$search" -H -k 1 -F "$tmp/q.tsv" "$tmp/lib.asx" |
    awk -F '\t' '$1 != $3 { bad++ } END { if (bad) { print "as-search: " bad " queries did not find themselves"; exit 1 } }'

col() { cut -f "$2" "$tmp/$1" | median; }
echo "search: $entries entries x $dim columns (default set), one thread, median of $runs runs"
awk -v f="$(col single 1)" -v q="$(col single 2)" 'BEGIN {
    printf "  one query, top 10:     %8.2f ms; reading the matrix once %.2f ms: %.2fx the floor (target <= 1.2x)\n", q, f, q / f }'
awk -v a="$(col batch 2)" -v b="$(col batch 4)" -v n=$nq 'BEGIN {
    printf "  %d queries at once:   %8.3f ms per query (first call, with the int8 copy), %.3f ms after; %.0f queries/s\n", n, a, b, 1000 / b }'
awk -v w="$(col cli 1)" -v r="$(col cli 2)" -v n=$nq 'BEGIN {
    printf "  as-search -F (%d rows): %7.3f s whole process, %.3f ms per query, peak RSS %.0f MiB\n", n, w, w * 1000 / n, r / 1024 }'
if [ -n "$faiss" ]; then
    awk -v f="$(col faiss 2)" -v a="$(col batch 2)" -v b="$(col batch 4)" -v w="$(col cli 1)" -v n=$nq 'BEGIN {
        printf "  FAISS IndexFlatL2:      %8.3f ms per query: as_search %.1fx faster (first call), %.1fx (after), as-search -F %.1fx (target >= 4x)\n", f, f / a, f / b, f / (w * 1000 / n) }'
else
    echo "  FAISS IndexFlatL2: not measured (needs g++ and libfaiss-dev)"
fi
awk -v w="$(col audio 1)" -v n="$small" 'BEGIN {
    printf "  2 s audio query, %d entries: %.1f ms whole process (target < 50 ms)\n", n, w * 1000 }'
echo "rerun: bench/search.sh $entries $runs"
