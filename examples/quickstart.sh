#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: examples/quickstart.sh [DIR]
#
# Sets up audiosearch on a Debian 12 machine and runs the main job on DIR
# (default: Debian's sonic-pi-samples): installs what is missing (when run
# as root; otherwise prints the apt-get line and stops), builds into
# build/, describes every sample of the folder, extracts its feature
# vectors with the kind tags (kick, snare, ... tonal, fx, loop), indexes
# them in build/quickstart/, searches the index with one of its own files
# (the top 5), groups it, lists its most unusual samples, sums it up,
# counts the kinds and lists the likeliest kicks, and writes a map of it
# (build/quickstart/map.html).
# Labels are the samples' folders; sonic-pi-samples keeps every sample in
# one folder with its category at the start of the name (bd_, sn_,
# drum_cymbal_ ...), so there the category is the label, through the
# stream's label column.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/examples/deps.sh"

if [ $# -gt 1 ]; then
    echo "usage: examples/quickstart.sh [DIR]" >&2
    exit 2
fi
if [ $# -eq 1 ]; then
    dir=$1
    as_deps_ensure $AS_DEPS_BUILD
else
    dir=/usr/share/sonic-pi/samples
    as_deps_ensure $AS_DEPS_BUILD $AS_DEPS_SAMPLES
fi

cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release \
    -DAS_BUILD_TESTS=OFF >/dev/null
cmake --build "$root/build" -j "$(as_jobs)" >/dev/null
bin="$root/build/tools"

out="$root/build/quickstart"
mkdir -p "$out"

# A file that cannot be read is reported by as-extract (by each of the
# two steps that read it) and the run goes on with the others
# (as-extract exits 1 then; 2 is a usage error).
some() {
    "$@" || [ $? -eq 1 ]
}

echo "== What is in $dir (as-extract --info):" >&2
some "$bin/as-extract" -ri "$dir"

echo "== Feature vectors and kind tags (as-extract -K, default set, every core):" >&2
if [ $# -eq 1 ]; then
    # -k: lib.tsv holds the files that could be read
    some "$bin/as-extract" -k -K -r -o "$out/lib.tsv" "$dir"
else
    "$bin/as-extract" -K -r "$dir" | awk -F '\t' 'BEGIN { OFS = "\t" }
        NR == 1 { $1 = $1 "\tlabel"; print; next }
        {
            n = split($1, part, "/"); split(part[n], word, /[_.]/)
            label = word[1]
            if (label == "drum" && part[n] ~ /^drum_/) label = label "_" word[2]
            $1 = $1 "\t" label; print
        }' >"$out/lib.tsv"
fi
rows=$(($(wc -l <"$out/lib.tsv") - 1))
cols=$(($("$bin/as-extract" -C | wc -l) - 1))
echo "wrote $rows vectors of $cols features to $out/lib.tsv" >&2

echo "== Index (as-index):" >&2
"$bin/as-index" -o "$out/lib.asx" "$out/lib.tsv"
"$bin/as-index" -c "$out/lib.asx"
echo "indexed $rows samples in $out/lib.asx ($(wc -c <"$out/lib.asx") bytes)" >&2

# A file of the library as the query: extracted on the fly with the
# index's settings; it finds itself first, at distance 0.
query=$(find "$dir" -type f -name 'bd_haus.*' | head -n 1)
[ -n "$query" ] || query=$(sed -n 2p "$out/lib.tsv" | cut -f 1)
if [ -n "$query" ]; then
    echo "== What sounds like $(basename "$query") (as-search, top 5):" >&2
    "$bin/as-search" -k 5 "$out/lib.asx" "$query" | cut -f 2,3,5,12
fi

echo "== Groups (as-cluster, k-means, k chosen by silhouette from 4 to 12, stored in the index):" >&2
"$bin/as-cluster" -q -s -W -K 4:12 "$out/lib.asx" | cut -f 1-5

echo "== The most unusual samples (as-anomaly, top 5):" >&2
"$bin/as-anomaly" -W -n 5 "$out/lib.asx"

echo "== Samples that sound like another label (as-anomaly --mislabeled, top 5):" >&2
"$bin/as-anomaly" -M -n 5 "$out/lib.asx"

echo "== The library (as-stats):" >&2
"$bin/as-stats" "$out/lib.asx" | grep -E '^(entries|duration|rate|channels|container)'

echo "== What kind of sound each sample is (as-stats: entries per kind; as-kind(7)):" >&2
"$bin/as-stats" "$out/lib.asx" | awk -F '\t' '$1 == "kind" && $3 > 0 { print $2 "\t" $3 }' |
    sort -t "$(printf '\t')" -k 2,2nr -k 1,1
echo "== The five most certain kicks (as-search --like kick):" >&2
"$bin/as-search" -H --like kick -k 5 "$out/lib.asx" | cut -f 3,5

echo "== A map to explore and listen to (as-map, t-SNE):" >&2
"$bin/as-map" -q -c cluster -w "$out/map.html" -s "$out/map.svg" "$out/lib.asx"
echo "open $out/map.html in a browser (it needs no network); $out/map.svg is the same map as a picture" >&2

# single-quoted for the shell, for a folder with spaces or quotes
shq() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
echo "== The same over HTTP (as-serve; Ctrl-C stops it):" >&2
echo "  $(shq "$bin/as-serve") $(shq "$out/lib.asx")" >&2
echo "  curl -F $(shq "file=@${query:-kick.wav}") 'http://127.0.0.1:8001/search?n_results=5'" >&2
echo "  then open http://127.0.0.1:8001/ in a browser for the dashboard" >&2
