#!/bin/sh
# SPDX-License-Identifier: MIT
# examples/Makefile: builds the stream and the index, does nothing the
# second time, and builds again when a sample is touched, added or
# removed; a bad sample leaves both as they were; make clean.
. "$AS_SRC/tests/cli/lib.sh"

if ! command -v make >/dev/null 2>&1; then
    echo "note: make not installed; examples/Makefile not tested" >&2
    exit 0
fi
# Run as a top-level make, whatever runs the tests.
unset MAKEFLAGS MFLAGS MAKELEVEL
mk() {
    run make -f "$AS_SRC/examples/Makefile" SAMPLES="my samples" "$@"
}
# The two commands a build prints.
built() {
    expect_status 0
    expect_no_err
    expect_out "\"$AS_BIN/as-extract\" -r -o \"lib.tsv\" \"my samples\"" \
        "\"$AS_BIN/as-index\" -o \"lib.asx\" \"lib.tsv\""
}
entries() {
    as-index -c "$1" || fail "as-index -c $1"
    n=$(as-index -H -d "$1" | wc -l)
    [ "$n" -eq "$2" ] || fail "$1: $n entries, want $2"
}
# Dates the outputs in the past (in their order), so that any rewrite,
# however quick, shows.
age() {
    touch -d '2000-01-01 00:00:00' lib.list
    touch -d '2000-01-01 00:00:01' lib.tsv
    touch -d '2000-01-01 00:00:02' lib.asx
}
untouched() {
    [ -z "$(find lib.list lib.tsv lib.asx -newer stamp)" ] ||
        fail "rewritten: $(find lib.list lib.tsv lib.asx -newer stamp)"
}

cd "$T"
touch -d '2000-06-01' stamp
mkdir -p "my samples/kicks" "my samples/tones"
cp "$FIX/kick_44k1.flac" "$FIX/real_bd_808_44k1.wav" "my samples/kicks/"
cp "$FIX/sine440_44k1.wav" "$FIX/chord_ceg_48k_stereo.wav" \
    "$FIX/hihat_48k.wav" "my samples/tones/"
echo "not audio" >"my samples/README.txt"

# First build, with the tools from AS_BIN (set in the environment).
mk
built
entries lib.asx 5
as-extract -r "my samples" | cmp -s - lib.tsv || fail "lib.tsv"

# Nothing changed: nothing done, nothing written.
age
mk
expect_status 0
expect_no_err
expect_out_empty
untouched

# A sample touched: built again.
touch -d '2001-02-03 04:05:06' "my samples/tones/hihat_48k.wav"
mk
built
entries lib.asx 5
[ -n "$(find lib.asx -newer stamp)" ] || fail "lib.asx not rewritten"
age
mk
expect_out_empty
untouched

# A sample added with an old time (as cp -p or mv keep it), older than
# lib.tsv: built again all the same, since the list of files changed.
cp "$FIX/noise_white_44k1.wav" "my samples/tones/noise.wav"
touch -d '1999-01-01' "my samples/tones/noise.wav"
mk
built
entries lib.asx 6
age
# A sample renamed, then one removed.
mv "my samples/tones/noise.wav" "my samples/kicks/noise.wav"
mk
built
entries lib.asx 6
as-index -d lib.asx | grep -q '^my samples/kicks/noise.wav	' || fail "renamed"
rm "my samples/tones/sine440_44k1.wav"
mk
built
entries lib.asx 5
# A hidden file is not a sample (as-extract -r skips it too).
age
cp "$FIX/n22k_sine440.wav" "my samples/.hidden.wav"
mk
expect_out_empty
untouched
rm "my samples/.hidden.wav"

# A sample that cannot be read: make fails, stream and index stay as
# they were; once it is gone, the next make builds.
cp lib.tsv good.tsv
cp lib.asx good.asx
head -c 3000 "$FIX/sine440_44k1.wav" >"my samples/tones/cut.wav"
mk
expect_status 2
expect_out "\"$AS_BIN/as-extract\" -r -o \"lib.tsv\" \"my samples\""
head -n 1 "$T/err" >"$T/err1"
[ "$(cat "$T/err1")" = "as-extract: my samples/tones/cut.wav: truncated file" ] ||
    fail "stderr: $(cat "$T/err")"
cmp -s good.tsv lib.tsv || fail "lib.tsv changed by a failed build"
cmp -s good.asx lib.asx || fail "lib.asx changed by a failed build"
rm "my samples/tones/cut.wav"
mk
built
entries lib.asx 5

# make clean leaves nothing behind.
mk clean
expect_status 0
expect_out 'rm -f "lib.list" "lib.list.new" "lib.tsv" "lib.asx" "lib.asx.lock"'
[ -z "$(ls lib.* 2>/dev/null)" ] || fail "left after clean: $(ls lib.*)"

# Tools from PATH, another index name.
mk AS_BIN= INDEX=other.asx
expect_status 0
expect_no_err
expect_out '"as-extract" -r -o "other.tsv" "my samples"' \
    '"as-index" -o "other.asx" "other.tsv"'
entries other.asx 5
[ -f other.list ] || fail "other.list"

# A missing folder.
run make -f "$AS_SRC/examples/Makefile" SAMPLES="no samples"
expect_status 2
head -n 1 "$T/err" >"$T/err1"
[ "$(cat "$T/err1")" = "no samples: not a directory" ] || fail "stderr: $(cat "$T/err")"
