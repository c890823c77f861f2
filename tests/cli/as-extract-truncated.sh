#!/bin/sh
# SPDX-License-Identifier: MIT
# Every codec and container whose header states the length: a file cut
# short is "truncated file", as it is for PCM WAV, and the whole file
# still decodes. libsndfile alone reads the cut ones short with no error.
# Ogg states no length, but a file ending inside a page is cut short.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
set -- ulaw.wav alaw.wav ima.wav msadpcm.wav ulaw.rf64 alaw.rf64 \
    ulaw.w64 alaw.w64 ima.w64 msadpcm.w64 pcm24.w64 float.w64 \
    ulaw.caf alaw.caf pcm24.caf ulaw.au alaw.au vorbis.ogg opus.opus
want_err=""
for f in "$@"; do
    mksignal -r 8000 -c 2 -d 1.2 -f "${f%%.*}" sine "$f"
    size=$(wc -c <"$f")
    head -c $((size * 2 / 3)) "$f" >"cut-$f"
    want_err="${want_err}as-extract: cut-$f: truncated file
"
done

# The whole files: 9600 frames each (the ADPCMs pad their last block).
run as-extract -i -H "$@"
expect_status 0
expect_no_err
awk -F '\t' '$7 < 9600 || $7 > 9600 + 1024 { bad = 1; print }
    END { exit bad }' "$T/out" ||
    fail "frames of the whole files"
[ "$(wc -l <"$T/out")" -eq $# ] || fail "rows: $(wc -l <"$T/out")"

for f in "$@"; do
    set -- "$@" "cut-$f"
    shift
done
run as-extract -i -H "$@"
expect_status 1
expect_out_empty
printf '%s' "$want_err" >"$T/want"
cmp -s "$T/want" "$T/err" || { diff "$T/want" "$T/err" >&2; fail "stderr"; }

# The same through standard input (spooled first) and for features.
run_in cut-ulaw.wav as-extract -i -H
expect_status 1
expect_err "as-extract: stdin: truncated file"
run as-extract cut-ima.wav
expect_status 1
expect_err "as-extract: cut-ima.wav: truncated file"
