#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/learn.sh [-b "blend ..."] [-f stream] [-s "shrinkage ..."]
#                       [CORPUSDIR]
#
# What as-index -L (a projection learnt from the index's labels) and
# as-search -P add, measured on the labelled drum corpus of
# bench/corpus/README (default bench/corpus/out) leave-one-source-out,
# through as-index and as-search end to end, on the default feature set.
#
# The pool, the queries, the hold-out units and the scoring are those of
# bench/quality.sh (read it first): one file of each set of identical
# copies, drum files as queries, the non-drum files as distractors,
# MuseScore_General and FluidR3_GM one unit. For each unit: an index of
# the whole pool, labelled with the manifest's class except the unit's
# own entries, which have no label (so the projection never sees them);
# then the unit's drum files query it (as-search -F, every entry a
# result). Only the other-source mode counts: the unit's own entries are
# left out of its rankings, so the figures are those of a library whose
# labels come from other kits. The rankings of all units are pooled and
# scored at once, without -P (the baseline) and with -P after as-index -L
# for each shrinkage (-s, default "0.1 0.3 0.5 0.7 0.9") and blend weight
# (-b, default "0.2 0.3 0.5 1"; 1 is the projection alone).
#
# -f: a default-set stream of the pool already extracted (paths relative
# to the corpus, as quality.sh's as-extract run writes them), to skip
# extraction.
set -eu
. "$(dirname "$0")/common.sh"

shrinks="0.1 0.3 0.5 0.7 0.9"
blends="0.2 0.3 0.5 1"
stream=""
while getopts b:f:s: c; do
    case $c in
    b) blends=$OPTARG ;;
    f) stream=$(cd "$(dirname "$OPTARG")" && pwd)/$(basename "$OPTARG") ;;
    s) shrinks=$OPTARG ;;
    *) echo "usage: bench/learn.sh [-b blends] [-f stream] [-s shrinkages] [CORPUSDIR]" >&2
       exit 2 ;;
    esac
done
shift $((OPTIND - 1))
corpus=${1:-$root/bench/corpus/out}
man="$corpus/manifest.tsv"
if [ ! -f "$man" ] || [ ! -f "$corpus/SHA256SUMS" ]; then
    echo "learn.sh: $corpus: no corpus there; build it with" >&2
    echo "  bench/corpus/make.sh $corpus" >&2
    exit 1
fi
corpus=$(cd "$corpus" && pwd)
man="$corpus/manifest.tsv"
units="MuseScore_General=FluidR3_GM"
export LC_ALL=C
bin="$build/tools"

awk -F '\t' 'NR == FNR { split($0, w, "  "); h[w[2]] = w[1]; next }
    FNR > 1 && $2 != "unknown" && !(h[$1] in seen) { seen[h[$1]]; print $1 }' \
    "$corpus/SHA256SUMS" "$man" >"$tmp/pool.txt"
if [ -z "$stream" ]; then
    (cd "$corpus" && "$bin/as-extract" -k -s default -T "$tmp/pool.txt" \
        -o "$tmp/raw.tsv") ||
        echo "learn.sh: some files could not be extracted" >&2
    stream="$tmp/raw.tsv"
fi
tail -n +2 "$stream" | cut -f1 >"$tmp/pool"
n=$(wc -l <"$tmp/pool")
echo "corpus $corpus: $n files (manifest sha256 $(sha256sum <"$man" | cut -c1-16))"

# the hold-out unit of each path
awk -F '\t' -v OFS='\t' -v units="$units" 'BEGIN {
        k = split(units, w, " ")
        for (i = 1; i <= k; i++) { split(w[i], ab, "="); u[ab[1]] = ab[2] } }
    NR > 1 { print $1, $2, ($3 in u) ? u[$3] : $3 }' "$man" >"$tmp/units.tsv"
cut -f3 "$tmp/units.tsv" | sort -u >"$tmp/unitlist"

# the header bench/quality.awk finds the columns by, once a file (each
# unit's block below is printed without it)
for f in base $(for s in $shrinks; do for a in $blends; do
    echo "lda-$s-$a"; done; done); do
    printf 'query\trank\tpath\tlabel\tdistance\n' >"$tmp/$f.res"
done
for unit in $(cat "$tmp/unitlist"); do
    # labels: the class, none for the held-out unit
    awk -F '\t' -v OFS='\t' -v unit="$unit" '
        NR == FNR { c[$1] = $2; u[$1] = $3; next }
        FNR == 1 { $1 = "path" OFS "label"; print; next }
        { $1 = $1 OFS (u[$1] == unit ? "" : c[$1]); print }' \
        "$tmp/units.tsv" "$stream" >"$tmp/fold.tsv"
    awk -F '\t' -v OFS='\t' -v unit="$unit" '
        NR == FNR { c[$1] = $2; u[$1] = $3; next }
        FNR == 1 { $1 = "path" OFS "label"; print; next }
        u[$1] == unit && c[$1] !~ /^(tonal|fx|loop)$/ { $1 = $1 OFS c[$1]; print }' \
        "$tmp/units.tsv" "$stream" >"$tmp/q.tsv"
    [ "$(wc -l <"$tmp/q.tsv")" -gt 1 ] || continue
    "$bin/as-index" -q -l column -o "$tmp/fold.asx" "$tmp/fold.tsv"
    # query, rank, path, label, distance: what the scores need (every
    # entry a result: the full rows would take gigabytes)
    "$bin/as-search" -H -k "$n" -F "$tmp/q.tsv" "$tmp/fold.asx" |
        cut -f 1-5 >>"$tmp/base.res"
    for s in $shrinks; do
        for a in $blends; do
            "$bin/as-index" -q -L "$tmp/fold.asx" -s "$s" -b "$a"
            "$bin/as-search" -P -H -k "$n" -F "$tmp/q.tsv" "$tmp/fold.asx" |
                cut -f 1-5 >>"$tmp/lda-$s-$a.res"
        done
    done
done

score() { # name results
    awk -F '\t' -v set="$1" -v units="$units" -f "$root/bench/quality.awk" \
        "$man" "$tmp/pool" "$2" | awk -F '\t' -v OFS='\t' '$1 == "score" && $3 == "other"'
}
score base "$tmp/base.res" >"$tmp/scores"
for s in $shrinks; do
    for a in $blends; do
        score "s=$s,a=$a" "$tmp/lda-$s-$a.res" >>"$tmp/scores"
    done
done

awk -F '\t' '
{ cfg[$2]; if (!($2 in ord)) { ord[$2] = ++no; names[no] = $2 }
  v[$2, $4] = sprintf("%.3f %.3f %.3f", $6, $7, $8); n[$4] = $5
  if ($4 != "all") { cls[$4]; m1[$2] += $6; m10[$2] += $7; mm[$2] += $8; nc[$2]++ } }
END {
    printf "== other-source, leave-one-source-out: P@1 P@10 mAP (all queries; mean of classes)\n"
    printf "%-14s %-17s   %-17s\n", "config", "all", "mean of classes"
    best = ""; bv = -1
    for (i = 1; i <= no; i++) {
        c = names[i]
        printf "%-14s %-17s   %.3f %.3f %.3f\n", c, v[c, "all"], m1[c] / nc[c], m10[c] / nc[c], mm[c] / nc[c]
        split(v[c, "all"], f, " ")
        if (c != "base" && f[2] + f[3] > bv) { bv = f[2] + f[3]; best = c }
    }
    m = 0; for (k in cls) o[++m] = k
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (o[j] < o[i]) { t = o[i]; o[i] = o[j]; o[j] = t }
    printf "\n== per class, other-source: P@1 P@10 mAP\n"
    printf "%-16s %5s   %-17s   %-17s\n", "class", "n", "base", best
    for (i = 1; i <= m; i++)
        printf "%-16s %5d   %-17s   %-17s\n", o[i], n[o[i]], v["base", o[i]], v[best, o[i]]
}' "$tmp/scores"
echo
echo "rerun: bench/learn.sh -s $(shq "$shrinks") -b $(shq "$blends") $(shq "$corpus")"
