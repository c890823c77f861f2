#!/bin/sh
# SPDX-License-Identifier: MIT
# Inputs with awkward names and of awkward kinds.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
mksignal -r 8000 -d 0.5 sine sine.wav
mv sine.wav path

# A file named exactly "path" would read back as a TSV header line: the
# message says so (it used to blame a tab or newline), ./path works, and
# so does the binary format.
run as-extract path
expect_status 1
expect_err "as-extract: path: a TSV row cannot hold the path 'path' (write ./path or use -f bin)"
[ "$(wc -l <"$T/out")" -eq 1 ] || fail "more than the header line"
run as-extract ./path
expect_status 0
expect_no_err
[ "$(sed -n '2p' "$T/out" | cut -f 1)" = ./path ] || fail "./path row"
as-extract -f bin -o path.bin path
[ -s path.bin ] || fail "binary stream for 'path'"
