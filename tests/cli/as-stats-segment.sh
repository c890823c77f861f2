#!/bin/sh
# SPDX-License-Identifier: MIT
# The index section of an index updated through a delta segment: the
# size is the file's and the segment's, segment_bytes the segment's part,
# mtime the later of the two; an approximate index beside it is reported
# apart (approx_bytes) and not counted; without a segment, or with one
# left from an older base (which readers ignore), the file alone. The
# column statistics are those of the entries, the segment's too.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder -7
as-extract -r samples >seed.tsv
# 35 entries, so that one change goes to a segment (a tenth of the base
# or more would be merged at once)
awk -F '\t' 'BEGIN { OFS = FS } NR == 1 { print; next }
    { p = $1; for (k = 0; k < 5; k++) {
      $1 = p "." k; $7 = $7 + 0.01 * k; print; $7 = $7 - 0.01 * k } }' \
    seed.tsv >all.tsv
as-index -o lib.asx all.tsv

# index_lines SIZE MTIME [SEGMENT [APPROX]]: the section expected.
index_lines() {
    printf 'index\tpath\tlib.asx\n'
    printf 'index\tsize_bytes\t%s\n' "$1"
    [ -z "${3-}" ] || printf 'index\tsegment_bytes\t%s\n' "$3"
    [ -z "${4-}" ] || printf 'index\tapprox_bytes\t%s\n' "$4"
    printf 'index\tformat_version\t2\n'
    printf 'index\tmtime\t%s\n' "$2"
    printf 'index\tchecksum\tverified\n'
}
check_index() {
    run as-stats -n "$@" lib.asx
    expect_status 0
    expect_no_err
    grep '^index	' "$T/out" >got || true
    cmp -s want got || { diff want got >&2 || true; fail "index section"; }
}
size() { wc -c <"$1" | tr -d ' '; }

# No segment: the file alone.
touch -d 2026-01-02T03:04:05Z lib.asx
index_lines "$(size lib.asx)" 2026-01-02T03:04:05Z >want
check_index

# One entry changed by an update: the base file stays, a segment holds it.
awk -F '\t' 'BEGIN { OFS = FS } NR == 1 { print; next }
    NR == 2 { $7 = $7 + 1; print; exit }' all.tsv >u.tsv
run as-index -u lib.asx u.tsv
expect_status 0
[ -f lib.asx.seg ] || fail "no segment written"
base=$(size lib.asx)
seg=$(size lib.asx.seg)
touch -d 2026-01-02T03:04:05Z lib.asx
touch -d 2026-02-03T04:05:06Z lib.asx.seg
index_lines $((base + seg)) 2026-02-03T04:05:06Z "$seg" >want
check_index
# ... with a filter, still the whole index on disk
check_index -l kicks
# ... the column section: the statistics of the entries held now, the
# segment's row included, as an index built from them has them (not the
# base file's, which searches use until the segment is folded in)
as-index -d lib.asx >now.tsv
as-index -o now.asx now.tsv
for ix in now.asx lib.asx; do
    run as-stats -n -c "$ix"
    expect_status 0
    expect_no_err
    grep '^column	' "$T/out" >"$ix.columns" || fail "$ix: no column section"
done
cmp -s now.asx.columns lib.asx.columns ||
    { diff now.asx.columns lib.asx.columns >&2 || true; fail "column section"; }
# ... the base written last: its time
touch -d 2026-03-04T05:06:07Z lib.asx
index_lines $((base + seg)) 2026-03-04T05:06:07Z "$seg" >want
check_index
# ... in JSON, the same keys
run as-stats -J -n lib.asx
expect_status 0
grep -qF "\"size_bytes\":$((base + seg)),\"segment_bytes\":$seg,\"format_version\":2," \
    "$T/out" || fail "JSON: $(cat "$T/out")"

# An approximate index beside it (any file of that name: as-stats does
# not read it): reported apart, not counted.
printf 'graph' >lib.asx.ann
index_lines $((base + seg)) 2026-03-04T05:06:07Z "$seg" 5 >want
check_index
rm lib.asx.ann

# Folded into a new base: the file alone again; the old segment put back
# belongs to an older base, is ignored by readers, and is not counted.
cp lib.asx.seg old.seg
as-index merge -o lib.asx lib.asx
[ -f lib.asx.seg ] && fail "segment left after the merge"
cp old.seg lib.asx.seg
touch -d 2026-01-02T03:04:05Z lib.asx
index_lines "$(size lib.asx)" 2026-01-02T03:04:05Z >want
check_index
