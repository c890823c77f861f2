#!/bin/sh
# SPDX-License-Identifier: MIT
# A WAV (or W64) whose codec libsndfile cannot decode names the codec's
# format tag, instead of calling a well-formed file corrupt. 0x674f is
# Ogg Vorbis in WAV, as lmms ships some of its samples.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
mksignal -r 8000 -d 0.5 sine ogg.wav
mksignal -r 8000 -d 0.5 sine ogg.w64
# The format tag: offset 20 in a plain WAV (12 + 8), 64 in W64 (40 + 24).
printf 'Og' | dd of=ogg.wav bs=1 seek=20 conv=notrunc 2>/dev/null
printf 'Og' | dd of=ogg.w64 bs=1 seek=64 conv=notrunc 2>/dev/null
mksignal -r 8000 -d 0.5 sine good.wav

run as-extract -i -H ogg.wav good.wav ogg.w64
expect_status 1
expect_err "as-extract: ogg.wav: unsupported WAV codec 0x674f" \
    "as-extract: ogg.w64: unsupported W64 codec 0x674f"
[ "$(cut -f 1 "$T/out")" = good.wav ] || fail "rows: $(cat "$T/out")"

run as-extract ogg.wav
expect_status 1
expect_err "as-extract: ogg.wav: unsupported WAV codec 0x674f"

# From standard input the file cannot be read again to say more.
run_in ogg.wav as-extract -i
expect_status 1
expect_err "as-extract: stdin: unsupported encoding"

# Through a named FIFO the file cannot be read again either: the reason
# must not wait for a second writer (it hung before).
mkfifo pipe.wav
cat ogg.wav >pipe.wav &
set +e
timeout 60 as-extract pipe.wav >"$T/out" 2>"$T/err"
status=$?
set -e
wait
expect_status 1
expect_err "as-extract: pipe.wav: unsupported encoding"

# WAVE_FORMAT_EXTENSIBLE (0xFFFE) names its codec in an extension the
# 16-byte 'fmt ' chunk of a plain WAV has not: a damaged header, not an
# unknown codec.
mksignal -r 8000 -d 0.5 sine ext.wav
printf '\376\377' | dd of=ext.wav bs=1 seek=20 conv=notrunc 2>/dev/null
run as-extract -i -H ext.wav good.wav
expect_status 1
expect_err "as-extract: ext.wav: corrupt data"
[ "$(cut -f 1 "$T/out")" = good.wav ] || fail "rows: $(cat "$T/out")"
