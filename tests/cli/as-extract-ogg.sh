#!/bin/sh
# SPDX-License-Identifier: MIT
# A cut or damaged Ogg Vorbis file is reported and the rest goes on. In
# the sanitizer build this also checks that libsndfile's leak on such a
# file (tests/lsan.supp) does not fail the run.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
mksignal -r 22050 -d 1 -f vorbis sine v.ogg
head -c 1000 v.ogg >cut.ogg
mksignal -r 22050 -d 0.5 sine good.wav
run as-extract -i -H cut.ogg good.wav
expect_status 1
expect_err "as-extract: cut.ogg: corrupt data"
[ "$(cut -f 1 "$T/out")" = good.wav ] || fail "rows: $(cat "$T/out")"
