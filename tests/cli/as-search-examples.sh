#!/bin/sh
# SPDX-License-Identifier: MIT
# Every example of as-search(1) runs and succeeds: each .Dl line and each
# .Bd -literal block of its EXAMPLES section, with the man page's escapes
# undone, in a folder laid out as the page says.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
mkdir -p samples/kicks samples/hats samples/tones samples/loops
cp "$FIX/kick_44k1.flac" "$FIX/real_bd_808_44k1.wav" samples/kicks/
cp "$FIX/hihat_48k.wav" samples/hats/
cp "$FIX/sine440_44k1.wav" "$FIX/chord_ceg_48k_stereo.wav" samples/tones/
cp "$FIX/real_loop_amen_44k1.wav" "$FIX/clicks_120bpm_4s_44k1.flac" \
    samples/loops/
as-extract -r samples | as-index -o lib.asx
as-extract -r samples/kicks samples/hats | as-index -o drums.asx
as-extract -r samples/tones samples/loops | as-index -o music.asx

sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$AS_SRC/man/as-search.1" | awk '
    /^\.Bd -literal/ { lit = 1; n++; next }
    /^\.Ed/ { lit = 0; next }
    lit { print > ("ex" n ".sh"); next }
    /^\.Dl / { n++; sub(/^\.Dl /, ""); print > ("ex" n ".sh") }'
count=0
for ex in ex*.sh; do
    [ -e "$ex" ] || fail "no examples found in as-search.1"
    sed -e "s/\\\\(aq/'/g" -e 's/\\(dq/"/g' -e 's/\\e/\\/g' -e 's/\\-/-/g' \
        "$ex" >"run-$ex"
    set +e
    sh -e "run-$ex" >"$T/out" 2>"$T/err"
    status=$?
    set -e
    if [ "$status" -ne 0 ] || [ -s "$T/err" ]; then
        sed 's/^/  example: /' "run-$ex" >&2
        sed 's/^/  stderr: /' "$T/err" >&2
        fail "example $ex: exit status $status"
    fi
    count=$((count + 1))
done
[ "$count" -ge 8 ] || fail "only $count examples"
