#!/bin/sh
# SPDX-License-Identifier: MIT
# examples/in-library.c, built the way its comment says: against the
# library installed into a temporary prefix (cmake --install --prefix,
# the "dev" component), with pkg-config --cflags --libs --static. The
# installed audiosearch.pc names that prefix, and the program finds a
# FLAC file's audio under another name in an index.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_dev_install
as_cc_installed in-library "$AS_SRC/examples/in-library.c"

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

# The README's packages for building by hand are examples/deps.sh's
# build list, which holds what the static link above needs
# (libmp3lame-dev: sndfile.pc names -lmp3lame).
awk '/^    apt-get install/ { on = 1 } on { print; if (!/\\$/) exit }' \
    "$AS_SRC/README.md" | sed 's/apt-get install//; s/\\//g' |
    tr -s ' ' '\n' | grep . | sort >readme.deps
(. "$AS_SRC/examples/deps.sh" && printf '%s\n' $AS_DEPS_BUILD) | sort >build.deps
cmp -s readme.deps build.deps || {
    diff readme.deps build.deps
    fail "README's apt-get line is not examples/deps.sh's AS_DEPS_BUILD"
}
grep -qx libmp3lame-dev build.deps || fail "AS_DEPS_BUILD lacks libmp3lame-dev"
