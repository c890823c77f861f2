#!/bin/sh
# SPDX-License-Identifier: MIT
# Truncated, damaged, foreign and other-version indexes: a clear message,
# never a crash, whatever reads them; and never a result computed from a
# damaged byte: one flipped byte in every section, read by every tool,
# gives the undamaged output or "index is damaged" with nothing printed.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as-extract -r "$FIX" >raw.tsv 2>/dev/null || true
# labelled by the file name's first word (n22k, mix, real ...), so that
# as-index -L learns a projection: the index is a version-3 file with
# every section, PROJECTION too
awk -F '\t' -v OFS='\t' 'NR == 1 { $1 = $1 OFS "label"; print; next }
    { n = $1; sub(/.*\//, "", n); sub(/_.*/, "", n); $1 = $1 OFS n; print }' \
    raw.tsv >lib.tsv
as-index -o lib.asx lib.tsv
as-index -L lib.asx
size=$(wc -c <lib.asx)

# The section table (man/as-format.5): eleven offsets, each section's
# region running to the next one's in the file, where PROJECTION (the
# eleventh slot) comes before SUMS, which ends the file.
names="META COLUMNS STATS ENTRIES LABELS STRINGS SORTED MATRIX NORMS SUMS PROJECTION"
table=""
for w in $(od -An -tu8 -j 56 -N 176 -v lib.asx); do
    table="$table $w"
done
set -- $table
[ "$1" -eq 256 ] || fail "META not at 256"
# "offset size name" for each section, in file order
sections=""
sums=""
for name in $names; do
    if [ "$name" = SUMS ]; then
        sums="$1 $2 SUMS"
    else
        sections="$sections $1 $2 $name"
    fi
    shift 2
done
sections="$sections $sums"

# region AT: sets reg to the section holding byte AT (its padding
# included), or "header".
region() {
    reg=header
    _at=$1
    set -- $sections
    while [ $# -gt 0 ]; do
        [ "$_at" -ge "$1" ] && reg=$3
        shift 3
    done
}

# flip AT: bad.asx is lib.asx with byte AT changed.
flip() {
    cp lib.asx bad.asx
    _b=$(od -An -tu1 -j "$1" -N1 lib.asx | tr -d ' ')
    printf "\\$(printf %o $(((_b + 1) % 256)))" |
        dd of=bad.asx bs=1 seek="$1" conv=notrunc 2>/dev/null
    cmp -s lib.asx bad.asx && fail "byte $1 not flipped"
    return 0
}

# expect_damaged TOOL AT: stderr is TOOL's damaged-index line for a flip
# at AT: the section named when it was found after opening, not when the
# open itself failed (the header, the checksum table, the sections read
# at open: META, COLUMNS, STATS, LABELS and the label strings).
expect_damaged() {
    region "$2"
    _plain="$1: bad.asx: index is damaged (checksum mismatch)"
    _named="$1: bad.asx: index is damaged (checksum mismatch in $reg)"
    case $reg in
    header | SUMS | META | COLUMNS | STATS | LABELS) _ok="$_plain" ;;
    STRINGS) _ok="$_plain|$_named" ;;
    *) _ok="$_named" ;;
    esac
    _got=""
    _lines=0
    while IFS= read -r _l; do
        _got=$_l
        _lines=$((_lines + 1))
    done <"$T/err"
    [ "$_lines" -eq 1 ] || fail "byte $2 ($reg): $1: $(cat "$T/err")"
    case "|$_ok|" in
    *"|$_got|"*) ;;
    *) fail "byte $2 ($reg): $1 says '$_got', want '$_ok'" ;;
    esac
}

# Truncated: the header, a section, the last byte (an index's magic and
# less than its header is an index cut short too; without its whole
# magic, not an index).
for n in 100 300 $((size / 2)) $((size - 1)); do
    head -c "$n" lib.asx >cut.asx
    run as-index -c cut.asx
    expect_status 1
    expect_err "as-index: cut.asx: corrupt index"
done
head -c 7 lib.asx >cut.asx
run as-index -c cut.asx
expect_status 1
expect_err "as-index: cut.asx: not an index"

# One flipped byte in the header, the entries, the strings, the matrix,
# the checksums: every one is found, by -c, -d and -u alike.
for at in 20 300 $((size / 3)) $((size / 2)) $((size - 10)); do
    flip "$at"
    for mode in -c -d -u; do
        run as-index "$mode" bad.asx
        [ "$mode" = -u ] && run_in /dev/null as-index -u bad.asx
        expect_status 1
        [ -s "$T/out" ] && fail "as-index $mode: output from a damaged index"
        expect_damaged as-index "$at"
    done
done

# -a (the approximate index) on a flipped byte of the matrix, which it
# reads whole: refused, no graph written (it crashed).
set -- $sections
while [ "$3" != MATRIX ]; do
    shift 3
done
at=$(($1 + $2 / 2))
flip "$at"
run as-index -a bad.asx
expect_status 1
expect_damaged as-index "$at"
[ -e bad.asx.ann ] && fail "as-index -a: a graph of a damaged index"

# Every tool on one flipped byte at a time: every K bytes, the first and
# last byte of every section, the first padding byte after it, and the
# header's unused bytes and checksum. Each gives the undamaged index's
# output, or fails with the damaged-index message and prints nothing.
query=$(sed -n 5p lib.tsv | cut -f1)
set -- "as-search -k 3 -F lib.tsv" "as-search -k 3 -p $query" \
    "as-search -P -k 3 -F lib.tsv" "as-search -L" "as-cluster" \
    "as-cluster -P" "as-anomaly" "as-map -m pca" "as-map -P -m pca" "as-stats"
i=0
for cmd in "$@"; do
    i=$((i + 1))
    run $cmd lib.asx
    expect_status 0
    expect_no_err
    cp "$T/out" "want.$i"
    [ -s "want.$i" ] || fail "$cmd: no output"
done
ats="20 100 220 250"
set -- $sections
while [ $# -gt 0 ]; do
    o=$1 l=$2
    shift 3
    [ "$l" -gt 0 ] || continue
    ats="$ats $o $((o + l - 1))"
    [ $(((o + l) % 64)) -ne 0 ] && [ $# -gt 0 ] && ats="$ats $((o + l))"
done
at=256
while [ "$at" -lt "$size" ]; do
    ats="$ats $at"
    at=$((at + 1999))
done
set -- "as-search -k 3 -F lib.tsv" "as-search -k 3 -p $query" \
    "as-search -P -k 3 -F lib.tsv" "as-search -L" "as-cluster" \
    "as-cluster -P" "as-anomaly" "as-map -m pca" "as-map -P -m pca" "as-stats"
seen=""
for at in $ats; do
    flip "$at"
    region "$at"
    seen="$seen $reg"
    i=0
    for cmd in "$@"; do
        i=$((i + 1))
        run $cmd bad.asx
        if [ "$status" -eq 0 ]; then
            cmp -s "want.$i" "$T/out" ||
                fail "byte $at ($reg): $cmd: changed output, exit 0"
            expect_no_err
            continue
        fi
        expect_status 1
        [ -s "$T/out" ] && fail "byte $at ($reg): $cmd: output from a damaged index"
        expect_damaged "${cmd%% *}" "$at"
    done
done
# every section was hit (the label is there: LABELS is not empty)
for s in header $names; do
    case " $seen " in
    *" $s "*) ;;
    *) fail "no byte of $s flipped" ;;
    esac
done

# Not an index; another version; a directory; a missing file.
cp lib.tsv notindex.asx
run as-index -c notindex.asx
expect_status 1
expect_err "as-index: notindex.asx: not an index"
cp lib.asx v4.asx
printf '\004' | dd of=v4.asx bs=1 seek=8 conv=notrunc 2>/dev/null
run as-index -c v4.asx
expect_status 1
expect_err "as-index: v4.asx: index version 4 not supported"
mkdir dir.asx
run as-index -c dir.asx
expect_status 1
expect_err "as-index: dir.asx: Is a directory"
run as-index -d missing.asx
expect_status 1
expect_err "as-index: missing.asx: No such file or directory"
: >empty.asx
run as-index -c empty.asx
expect_status 1
expect_err "as-index: empty.asx: not an index"
# -U with a damaged index: as-extract says so and writes nothing.
head -c 1000 lib.asx >cut.asx
run as-extract -U cut.asx "$FIX/kick_44k1.flac"
expect_status 1
expect_err "as-extract: cut.asx: corrupt index"
flip $((size / 2))
run as-extract -U bad.asx "$FIX/kick_44k1.flac"
expect_status 1
expect_out_empty
expect_damaged as-extract $((size / 2))
# merge into a damaged input (folding a segment in, adding a shard):
# nothing is written over it, and none of its entries is lost; nor over
# one with other columns. Nor is anything written when another input is
# damaged: a merge is all or nothing, as -o is.
as-extract "$FIX/kick_44k1.flac" "$FIX/hihat_48k.wav" >two.tsv
as-index -o two.asx two.tsv
for spell in bad.asx ./bad.asx; do
    flip $((size / 2))
    cp bad.asx saved.asx
    run as-index merge -o bad.asx "$spell" two.asx
    expect_status 1
    expect_err "as-index: $spell: index is damaged (checksum mismatch in MATRIX)" \
        "as-index: bad.asx: not written: it is an input that could not be read whole"
    cmp -s saved.asx bad.asx || fail "merge over the damaged input $spell"
done
as-extract -s librosa45 "$FIX/kick_44k1.flac" | as-index -o l45.asx
cp l45.asx saved.asx
run as-index merge -q -o l45.asx two.asx l45.asx
expect_status 1
cmp -s saved.asx l45.asx || fail "merge over an input of other columns"
run as-index merge -o new.asx two.asx bad.asx
expect_status 1
expect_err "as-index: bad.asx: index is damaged (checksum mismatch in MATRIX)" \
    "as-index: new.asx: not written: 1 input error"
[ ! -e new.asx ] || fail "merge wrote without the damaged input"
cp two.asx new.asx
run as-index merge -q -o new.asx two.asx no-such.asx bad.asx
expect_status 1
cmp -s two.asx new.asx || fail "merge replaced its output after input errors"

# -u that folds its segment in (changes past a tenth of the index; an
# index without a projection) checks every block first: damage in a row
# it did not compare (a block of the matrix past the rows it changed) is
# refused, and named as -c names it.
awk -F '\t' -v OFS='\t' 'NR == 1 { print; next }
    { p = $1; for (k = 0; k < 12; k++) { $1 = "f/" k "/" p; print } }' \
    raw.tsv >many.tsv
as-index -o fold.asx many.tsv
rows=$(($(wc -l <many.tsv) - 1))
# the first fifth of the rows, changed: a fold, in the matrix's first block
awk -F '\t' -v OFS='\t' -v n=$((rows / 5)) 'NR == 1 { print; next }
    NR <= n + 1 { $7 = $7 + 1; print }' many.tsv >fifth.tsv
set -- $(od -An -tu8 -j $((56 + 16 * 7)) -N 16 -v fold.asx)
[ "$2" -gt 32768 ] || fail "a matrix of one block: $2 bytes"
at=$(($1 + $2 - 4)) # the last row's last value
cp fold.asx bad.asx
_b=$(od -An -tu1 -j "$at" -N1 fold.asx | tr -d ' ')
printf "\\$(printf %o $(((_b + 1) % 256)))" |
    dd of=bad.asx bs=1 seek="$at" conv=notrunc 2>/dev/null
cp bad.asx saved.asx
run as-index -u bad.asx fifth.tsv
expect_status 1
expect_err "as-index: bad.asx: index is damaged (checksum mismatch in MATRIX)"
cmp -s saved.asx bad.asx || fail "-u folded a damaged index"
[ ! -e bad.asx.seg ] || fail "-u wrote a segment"

# -u writing a segment checks the blocks of the entries it compares:
# damage there is the index's, said once and named as -c names it (not
# a message per row, as if the stream were at fault), and the update
# stops with nothing written, with -q too; streams after it are not read.
set -- $(od -An -tu8 -j $((56 + 16 * 7)) -N 16 -v fold.asx)
at=$(($1 + 4)) # the first row's second value
cp fold.asx bad.asx
_b=$(od -An -tu1 -j "$at" -N1 fold.asx | tr -d ' ')
printf "\\$(printf %o $(((_b + 1) % 256)))" |
    dd of=bad.asx bs=1 seek="$at" conv=notrunc 2>/dev/null
cp bad.asx saved.asx
head -n 4 fifth.tsv >three.tsv
for q in "" -q; do
    run as-index $q -u bad.asx three.tsv three.tsv
    expect_status 1
    expect_err "as-index: bad.asx: index is damaged (checksum mismatch in MATRIX)"
    cmp -s saved.asx bad.asx || fail "-u $q: the damaged index was written"
    [ ! -e bad.asx.seg ] || fail "-u $q: a segment written beside a damaged index"
done
