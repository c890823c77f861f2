#!/bin/sh
# SPDX-License-Identifier: MIT
# examples/in-library.c, built the way its comment says: against the
# library installed into a temporary prefix (cmake --install --prefix,
# the "dev" component), with pkg-config --cflags --libs --static. The
# installed audiosearch.pc names that prefix, and the program finds a
# FLAC file's audio under another name in an index.
. "$AS_SRC/tests/cli/lib.sh"

command -v pkg-config >/dev/null 2>&1 || fail "pkg-config not installed"
command -v cmake >/dev/null 2>&1 || fail "cmake not installed"
cd "$T"
run cmake --install "$AS_BUILD" --prefix "$T/prefix" --component dev
expect_status 0
pc=$(find "$T/prefix" -name audiosearch.pc)
[ -n "$pc" ] || fail "no audiosearch.pc installed"
[ "$(sed -n 's/^prefix=//p' "$pc")" = "$T/prefix" ] ||
    fail "audiosearch.pc: $(grep '^prefix=' "$pc"), want prefix=$T/prefix"
PKG_CONFIG_PATH=$(dirname "$pc")
export PKG_CONFIG_PATH
run pkg-config --cflags --libs --static audiosearch
expect_status 0
flags=$(cat "$T/out")
# The sanitizer build's library needs the sanitizers' runtime too.
san=
[ "$AS_SANITIZE" = ON ] && san="-fsanitize=address,undefined"
# shellcheck disable=SC2086
run "$AS_CC" $san -std=c11 -Wall -Wextra -Werror -o in-library \
    "$AS_SRC/examples/in-library.c" $flags
expect_status 0
expect_no_err

mkdir lib
cp "$FIX/kick_44k1.flac" "$FIX/sine440_44k1.wav" lib/
as-extract lib/kick_44k1.flac lib/sine440_44k1.wav >lib.tsv
as-index -o lib.asx lib.tsv
cp "$FIX/kick_44k1.flac" renamed.flac
run ./in-library lib.asx renamed.flac "$FIX/hihat_48k.wav"
expect_status 0
expect_no_err
expect_out "renamed.flac	lib/kick_44k1.flac" "$FIX/hihat_48k.wav	-"

run ./in-library lib.asx missing.wav
expect_status 1
expect_err "in-library: missing.wav: No such file or directory"
