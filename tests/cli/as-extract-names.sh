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

# -r skips FIFOs (and sockets and devices) without opening them; -v says
# so, as it does for files that are not audio.
mkdir walk
mksignal -r 8000 -d 0.5 sine walk/a.wav
mkfifo walk/b.fifo
printf 'notes\n' >walk/c.txt
run as-extract -r -H -i walk
expect_status 0
expect_no_err
[ "$(cut -f 1 "$T/out")" = walk/a.wav ] || fail "rows: $(cat "$T/out")"
run as-extract -r -v -H -i walk
expect_status 0
expect_err "as-extract: walk/b.fifo: skipped: not a regular file" \
    "as-extract: walk/c.txt: skipped: not audio"
run as-extract -r -v walk
expect_status 0
expect_err "as-extract: walk/b.fifo: skipped: not a regular file" \
    "as-extract: walk/c.txt: skipped: not audio"
