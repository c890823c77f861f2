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
# no row and a failure: nothing at all, not even the header line, so
# that as-index -o at the end of a pipe refuses the empty input
expect_out_empty
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

# A named device is refused, not copied to TMPDIR until the disk fills
# (the file size limit keeps a failing run from doing that); a FIFO is
# read like standard input.
run sh -c 'ulimit -f 2048; TMPDIR="$1" exec as-extract -i /dev/zero' sh "$T"
expect_status 1
expect_err "as-extract: /dev/zero: not a regular file"
run sh -c 'ulimit -f 2048; TMPDIR="$1" exec as-extract /dev/zero' sh "$T"
expect_status 1
expect_err "as-extract: /dev/zero: not a regular file"
# ... and so is one on standard input; a stream is copied only while
# its first megabyte may be audio ("yes |" was copied until the disk
# filled): under a file size limit of 8192 blocks (4 MiB at least: a
# block is 512 bytes to some shells), these end with the format
run sh -c 'ulimit -f 2048; TMPDIR="$1" exec as-extract </dev/zero' sh "$T"
expect_status 1
expect_err "as-extract: stdin: unsupported format"
run sh -c 'exec as-extract </dev/null'
expect_status 1
expect_err "as-extract: stdin: empty file"
run sh -c 'yes | (ulimit -f 8192; TMPDIR="$1" exec as-extract -i)' sh "$T"
expect_status 1
expect_err "as-extract: stdin: unsupported format"
# ... while audio longer than that megabyte is copied whole
mksignal -r 44100 -c 2 -b 16 -d 30 sine long.wav
run sh -c 'cat long.wav | as-extract -i -H'
expect_status 0
[ "$(cut -f 8 "$T/out")" = 30.000000 ] || fail "a long stream: $(cat "$T/out")"
mkfifo pipe
cat walk/a.wav >pipe &
run as-extract -i -H pipe
wait
expect_status 0
expect_no_err
[ "$(cut -f 1,7 "$T/out")" = "$(printf 'pipe\t4000')" ] || fail "FIFO: $(cat "$T/out")"
# ... copied to a temporary file first: one that cannot be made is the
# folder's fault, named (with -q too), not the input's
cat walk/a.wav >pipe &
run env TMPDIR="$T/none" as-extract -q -H pipe
wait
expect_status 1
expect_err "as-extract: pipe: a temporary file in $T/none (TMPDIR): No such file or directory"
run sh -c 'cat walk/a.wav | TMPDIR="$1/none" as-extract -H' sh "$T"
expect_status 1
expect_err "as-extract: stdin: a temporary file in $T/none (TMPDIR): No such file or directory"
