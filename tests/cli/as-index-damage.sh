#!/bin/sh
# SPDX-License-Identifier: MIT
# Truncated, damaged, foreign and other-version indexes: a clear message,
# never a crash, whatever reads them.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as-extract -r "$FIX" >lib.tsv 2>/dev/null || true
as-index -o lib.asx lib.tsv
size=$(wc -c <lib.asx)

# Truncated: the header, a section, the last byte.
for n in 100 300 $((size / 2)) $((size - 1)); do
    head -c "$n" lib.asx >cut.asx
    run as-index -c cut.asx
    expect_status 1
    if [ "$n" -lt 256 ]; then
        expect_err "as-index: cut.asx: not an index"
    else
        expect_err "as-index: cut.asx: corrupt index"
    fi
done

# One flipped byte anywhere: in the header, the entries, the strings, the
# matrix: every one is found, by -c, -d and -u alike.
for at in 20 300 $((size / 3)) $((size / 2)) $((size - 10)); do
    cp lib.asx bad.asx
    byte=$(od -An -tu1 -j "$at" -N1 lib.asx | tr -d ' ')
    printf "\\$(printf %o $(((byte + 1) % 256)))" |
        dd of=bad.asx bs=1 seek="$at" conv=notrunc 2>/dev/null
    cmp -s lib.asx bad.asx && fail "byte $at not flipped"
    for mode in -c -d -u; do
        run as-index "$mode" bad.asx
        [ "$mode" = -u ] && run_in /dev/null as-index -u bad.asx
        expect_status 1
        expect_err "as-index: bad.asx: corrupt index"
    done
done

# Not an index; another version; a directory; a missing file.
cp lib.tsv notindex.asx
run as-index -c notindex.asx
expect_status 1
expect_err "as-index: notindex.asx: not an index"
cp lib.asx v2.asx
printf '\002' | dd of=v2.asx bs=1 seek=8 conv=notrunc 2>/dev/null
run as-index -c v2.asx
expect_status 1
expect_err "as-index: v2.asx: index version 2 not supported"
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
