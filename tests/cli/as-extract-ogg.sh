#!/bin/sh
# SPDX-License-Identifier: MIT
# A cut or damaged Ogg Vorbis file is reported and the rest goes on. In
# the sanitizer build this also checks that libsndfile's leak on a
# damaged one (tests/lsan.supp) does not fail the run.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
mksignal -r 22050 -d 1 -f vorbis sine v.ogg
head -c 1000 v.ogg >cut.ogg
# the codec's setup header overwritten, the pages whole
cp v.ogg damaged.ogg
head -c 160 /dev/zero | tr '\0' U |
    dd of=damaged.ogg bs=1 seek=100 conv=notrunc 2>/dev/null
mksignal -r 22050 -d 0.5 sine good.wav
run as-extract -i -H cut.ogg damaged.ogg good.wav
expect_status 1
expect_err "as-extract: cut.ogg: truncated file" \
    "as-extract: damaged.ogg: corrupt data"
[ "$(cut -f 1 "$T/out")" = good.wav ] || fail "rows: $(cat "$T/out")"
