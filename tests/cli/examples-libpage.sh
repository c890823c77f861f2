#!/bin/sh
# SPDX-License-Identifier: MIT
# libaudiosearch(3): installed with the "dev" component beside the other
# library pages, and its C example, taken from the page, builds against
# the installed library with pkg-config --static and finds what as-search
# finds.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_dev_install
page=$(find "$T/prefix" -path '*/man3/libaudiosearch.3')
[ -n "$page" ] || fail "libaudiosearch.3 not installed with the dev component"
cmp -s "$page" "$AS_SRC/man/libaudiosearch.3" || fail "installed page differs"

# The example: from its #include lines to the end of the display, with
# roff's \e back to a backslash, and a main that runs it.
sed -n '/^#include <stdio.h>$/,/^\.Ed$/p' "$AS_SRC/man/libaudiosearch.3" |
    sed -e '$d' -e 's/\\e/\\/g' >nearest.c
grep -q '^nearest(void)$' nearest.c || fail "no example in the page"
cat >>nearest.c <<'EOC'

int
main(void)
{
    int st = nearest();
    if (st != AS_OK)
        fprintf(stderr, "nearest: %s\n", as_strerror(st));
    return st != AS_OK;
}
EOC
as_cc_installed nearest nearest.c

as_sample_folder -7
as-extract -r samples | as-index -o lib.asx
cp "$FIX/kick_44k1.flac" kick.wav
as-search -H lib.asx kick.wav | cut -f 3,5 >want
run ./nearest
expect_status 0
expect_no_err
expect_out_file want
[ "$(wc -l <want)" -eq 7 ] || fail "7 entries, nearest first"

# Its failure path: no index, the status returned (AS_EIO).
rm lib.asx
run ./nearest
expect_status 1
expect_err "nearest: input/output error"
