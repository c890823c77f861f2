#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/index.sh [ENTRIES] [RUNS] [CHANGED]
#
# Index build and open speed with ENTRIES (default 1000000) entries of the
# default feature set, medians of RUNS (default 3) runs made in turn:
#   - as-index -o from a synthetic binary feature stream (seeded values,
#     paths lib/folderNNNN/sampleNNNNNN.wav in 100 folders, so 100 labels,
#     in the order as-extract -r lists them): wall time and peak RSS;
#   - opening the index and reading its middle entry (as_index_open
#     without verification, as_index_entry, as_index_row): in a fresh
#     process each time (20 per run: the whole process, spawn to exit, and
#     the open and read inside it), the same with the index's pages evicted
#     from the page cache first, and in one process (1000 per run).
#     Target: under 10 ms at 1M entries;
#   - the index's size against the raw float32 matrix (ENTRIES x columns x
#     4 bytes). Target: within 1.3x;
#   - as-index -c, the full verification, for information;
#   - an update of CHANGED (default 100) entries spread through the index
#     (as-bench-index gen -u: the stream's rows with one value moved):
#     as-index -u, which writes a delta segment, against the same update
#     written whole (as-index merge -o INDEX INDEX, which folds the
#     segment in: the work -u did before segments), in turn (A B A B),
#     wall time and peak RSS; then opening the index with its segment in
#     a fresh process. Target: well under a second; memory: the index's
#     pages read, and 33 bytes an entry (as_moves: every entry's audio
#     hash, sorted, to tell a moved file; 16 of them while it sorts);
#   - as-index -u with the whole stream again (nothing changed): every
#     row is read and compared, which must cost no more than the build.
# Needs about 1000 bytes per entry in $TMPDIR (default /tmp).
set -eu
entries=${1:-1000000}
runs=${2:-3}
changed=${3:-100}
for n in "$entries" "$runs" "$changed"; do
    case $n in
    '' | *[!0-9]* | 0 | 0*) echo "usage: bench/index.sh [ENTRIES] [RUNS] [CHANGED]" >&2; exit 2 ;;
    esac
done
. "$(dirname "$0")/common.sh"
bench="$build/bench/as-bench-index"
asindex="$build/tools/as-index"
spawns=20
reps=1000

need_kib=$((entries * 1000 / 1024 + 1024))
avail_kib=$(df -P -k "$tmp" | awk 'NR == 2 { print $4 }')
if [ "$avail_kib" -lt "$need_kib" ]; then
    echo "bench: $entries entries need about $((need_kib / 1024)) MiB in $tmp, $((avail_kib / 1024)) MiB free; give fewer entries" >&2
    exit 1
fi

"$bench" gen "$entries" "$tmp/stream.bin" >"$tmp/gen"
dim=$(cut -f 2 "$tmp/gen")
ix="$tmp/lib.asx"

i=0
while [ $i -lt "$runs" ]; do
    rm -f "$ix"
    "$bench" time "$asindex" -o "$ix" "$tmp/stream.bin" >>"$tmp/build"
    "$bench" time "$asindex" -c "$ix" >>"$tmp/check"
    "$bench" spawn "$spawns" "$ix" >>"$tmp/fresh"
    "$bench" open "$reps" "$ix" >>"$tmp/inproc"
    "$bench" spawn -c "$spawns" "$ix" >>"$tmp/cold"
    i=$((i + 1))
done
size=$(wc -c <"$ix" | tr -d ' ')
cp "$ix" "$tmp/same.asx"

# Updates: two streams that move the same rows by 1 and by 2, so that
# each update changes every row of it after the previous one was folded.
"$bench" gen -u "$changed" -s 1 "$entries" "$tmp/upd1.bin" >/dev/null
"$bench" gen -u "$changed" -s 2 "$entries" "$tmp/upd2.bin" >/dev/null
i=0
while [ $i -lt "$runs" ]; do
    "$bench" time "$asindex" -q -u "$ix" "$tmp/upd$((i % 2 + 1)).bin" >>"$tmp/upd_seg"
    [ -f "$ix.seg" ] || { echo "bench: no segment written" >&2; exit 1; }
    wc -c <"$ix.seg" >>"$tmp/seg_size"
    "$bench" spawn "$spawns" "$ix" >>"$tmp/fresh_seg"
    "$bench" time "$asindex" merge -q -o "$ix" "$ix" >>"$tmp/upd_whole"
    # the whole stream again into the index it built: every row read,
    # none changed, nothing written
    "$bench" time "$asindex" -q -u "$tmp/same.asx" "$tmp/stream.bin" >>"$tmp/upd_same"
    i=$((i + 1))
done

col() { cut -f "$2" "$tmp/$1" | median; }
echo "index: $entries entries, $dim columns (default set), median of $runs runs"
awk -F '\t' '{ printf "  synthetic stream: %.1f MB written in %.2f s\n", $3 / 1e6, $4 }' "$tmp/gen"
awk -v w="$(col build 1)" -v r="$(col build 2)" -v n="$entries" 'BEGIN {
    printf "  build (as-index -o):        %8.3f s, %.0f entries/s, peak RSS %.1f MiB\n", w, n / w, r / 1024 }'
awk -v w="$(col fresh 1)" -v o="$(col fresh 2)" 'BEGIN {
    printf "  open + read, fresh process: %8.3f ms spawn to exit, %.3f ms to open and read (target < 10 ms)\n", w, o }'
awk -v w="$(col cold 1)" -v o="$(col cold 2)" 'BEGIN {
    printf "    the same, pages evicted:  %8.3f ms spawn to exit, %.3f ms to open and read\n", w, o }'
awk -v m="$(col inproc 1)" -v r="$reps" 'BEGIN {
    printf "  open + read, in process:    %8.4f ms (median of %d)\n", m, r }'
awk -v s="$size" -v n="$entries" -v d="$dim" 'BEGIN {
    m = n * d * 4
    printf "  size: %.1f MB, float32 matrix %.1f MB: %.3fx (target <= 1.3x), %.1f bytes per entry besides the matrix\n", s / 1e6, m / 1e6, s / m, (s - m) / n }'
awk -v w="$(col check 1)" -v r="$(col check 2)" -v s="$size" 'BEGIN {
    printf "  verify (as-index -c):       %8.3f s, %.0f MB/s, peak RSS %.1f MiB\n", w, s / w / 1e6, r / 1024 }'
awk -v w="$(col upd_seg 1)" -v r="$(col upd_seg 2)" -v c="$changed" -v z="$(median <"$tmp/seg_size")" 'BEGIN {
    printf "  update of %d entries (as-index -u, delta segment): %8.3f s, peak RSS %.1f MiB, segment %.1f KB\n", c, w, r / 1024, z / 1e3 }'
awk -v w="$(col upd_whole 1)" -v r="$(col upd_whole 2)" -v a="$(col upd_seg 1)" -v ra="$(col upd_seg 2)" 'BEGIN {
    printf "    the same written whole (merge -o INDEX INDEX): %8.3f s, peak RSS %.1f MiB: the segment is %.1fx faster, %.1fx less memory\n", w, r / 1024, w / a, r / ra }'
awk -v w="$(col upd_same 1)" -v r="$(col upd_same 2)" -v n="$entries" -v b="$(col build 1)" 'BEGIN {
    printf "  update with the whole stream, nothing changed (as-index -u): %8.3f s, %.1f us a row, peak RSS %.1f MiB (%.2fx the build)\n", w, w / n * 1e6, r / 1024, w / b }'
awk -v w="$(col fresh_seg 1)" -v o="$(col fresh_seg 2)" 'BEGIN {
    printf "  open + read with the segment, fresh process: %8.3f ms spawn to exit, %.3f ms to open and read\n", w, o }'
echo "rerun: bench/index.sh $entries $runs $changed"
