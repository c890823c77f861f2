#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/approx.sh [SIZES] [RUNS] [CORPUS]
#
# The approximate index (as-index -a, as-search -a) against the exact
# search, one thread, CPU time, on indexes of each of SIZES entries
# (a comma-separated list, default 10000,100000) of the default feature
# set, three data sets: 12 clusters in 8 latent dimensions
# (as-bench-ml gen: thousands of rows within 0.001 in cosine of each
# other), real drum features tiled with noise (the corpus's features,
# each value moved by 1% of its column's spread), and the same with a
# tenth of the rows in 10 groups of exact copies (one sound under many
# paths; the graph holds one node a group) (CORPUS, default
# bench/corpus/out, whose features are extracted once into
# build-bench/corpus-default.bin). For each (bench/as-bench-approx): the
# graph's build time (default -M 16 -E 200), its file size, the time to
# load it (what one as-search -a process pays first), and for 200 queries
# near the data, one at a time, the exact search's time per query and,
# at several -E, recall@10 against it and the time per query; then the
# same at the default -E with a filter of a share of the entries, spread
# over the index or gathered in one region (the highest values of the
# first column, as a label or a folder gathers similar sounds), and how
# many of the queries were answered by ranking every entry that passes;
# medians of RUNS (default 3) runs, exact and approximate in turn
# (A B A B).
# Then, per size, whether -a pays per query (a server or a batch, which
# load the graph once) and for one query per process (the load, in CPU
# time, plus one query).
# Needs about 3 KB per entry in $TMPDIR (default /tmp).
set -eu
sizes=${1:-10000,100000}
runs=${2:-3}
case $runs in '' | *[!0-9]* | 0) echo "usage: bench/approx.sh [SIZES] [RUNS] [CORPUS]" >&2; exit 2 ;; esac
case $sizes in '' | *[!0-9,]*) echo "usage: bench/approx.sh [SIZES] [RUNS] [CORPUS]" >&2; exit 2 ;; esac
. "$(dirname "$0")/common.sh"
corpus=${3:-$root/bench/corpus/out}
bench="$build/bench/as-bench-search"
approx="$build/bench/as-bench-approx"
gen="$build/bench/as-bench-index"
efs="16 32 64 100 200"
nq=200
# the default set's columns
dim=$("$gen" gen 1 "$tmp/one.bin" | cut -f 2)

feats="$build/corpus-default.bin"
if [ -f "$corpus/manifest.tsv" ] && [ ! -f "$feats" ]; then
    echo "note: extracting the corpus's features once into $feats" >&2
    "$build/tools/as-extract" -k -q -r -f bin -o "$feats" "$corpus" || rm -f "$feats"
fi
sets="clustered"
if [ -f "$feats" ]; then
    sets="clustered real copies"
else
    echo "note: no corpus at $corpus (bench/corpus/make.sh builds it): real features skipped" >&2
fi

echo "approximate search: as-index -a (hnswlib HNSW, M 16, ef_construction 200) against the exact as-search,"
echo "$dim columns (default set), one thread, CPU time, $nq queries one at a time, top 10, median of $runs runs"
for set in $sets; do
    for n in $(echo "$sizes" | tr ',' ' '); do
        if [ "$set" = clustered ]; then
            "$build/bench/as-bench-ml" gen "$n" "$dim" 12 1 "$tmp/rows.raw"
        elif [ "$set" = real ]; then
            "$bench" tile "$feats" "$n" "$tmp/rows.raw"
        else
            "$bench" tile "$feats" "$n" "$tmp/rows.raw" 10
        fi
        "$bench" index "$tmp/rows.raw" "$n" "$tmp/lib.asx"
        rm -f "$tmp/rows.raw"
        "$approx" "$tmp/lib.asx" "$tmp/lib.asx.ann" $nq "$runs" $efs >"$tmp/r"
        awk -F '\t' -v set="$set" -v n="$n" '
            $1 == "build" { b = $2; sz = $3; rss = $4; ld = $5 }
            $1 == "exact" { ex = $2 }
            $1 == "ef" { m++; ef[m] = $2; rc[m] = $3; t[m] = $4 }
            $1 == "cost" { cw = $2; cr = $3 }
            $1 == "filter" { nf++; fl[nf] = sprintf("    filter %-6s %5.1f%% (%7d entries): exact %8.4f ms, -a %8.4f ms per query (%.1fx), recall@10 %.3f, %3.0f%% ranked exactly",
                $2, $3 * 100, $4, $5, $6, $5 / $6, $7, $8 * 100) }
            END {
                printf "  %s, %d entries: build %.1f s, %.1f MiB (%.0f B/entry), peak RSS %.0f MiB; load %.3f s\n",
                    set, n, b, sz / 1048576, sz / n, rss / 1024, ld
                printf "    exact: %.4f ms per query\n", ex
                for (i = 1; i <= m; i++)
                    printf "    -E %-4d recall@10 %.3f  %.4f ms per query  (%.1fx the exact speed)\n",
                        ef[i], rc[i], t[i], ex / t[i]
                for (i = 1; i <= nf; i++)
                    print fl[i]
                printf "    cost in rows of the exact scan: a candidate of the walk %.0f, an entry ranked one by one %.0f (lib/ann/ann.c: 80 and 24)\n", cw, cr
                # the first -E that reaches 0.95; one as-search process
                # with one query pays the load too
                for (i = 1; i <= m && rc[i] < 0.95; i++) ;
                ce = ex / 1000; ca = ld + t[i] / 1000
                if (i <= m)
                    printf "RESULT\t%s\t%d\t%d\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\n", set, n, ef[i], rc[i], t[i], ex, ca, ce
            }' "$tmp/r" >"$tmp/out"
        grep -v '^RESULT' "$tmp/out"
        grep '^RESULT' "$tmp/out" >>"$tmp/results" || true
    done
done
echo "where -a pays, at the first -E that reaches recall 0.95:"
# where it starts paying: per query (a server or a batch loads the graph
# once), and for a process that asks one query
if [ -s "$tmp/results" ]; then
    awk -F '\t' '{
        pays = $6 < $7 ? "pays" : "does not pay"
        one = $8 < $9 ? "pays" : "does not pay"
        printf "  %s %d: at -E %d (recall %.3f) -a %s per query (%.4f vs %.4f ms exact), %s for one query per process (%.1f vs %.1f ms)\n",
            $2, $3, $4, $5, pays, $6, $7, one, $8 * 1000, $9 * 1000 }' "$tmp/results"
fi
echo "rerun: bench/approx.sh $sizes $runs $(shq "$corpus")"
