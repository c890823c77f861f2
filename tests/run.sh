#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: tests/run.sh
#
# Sets up and runs the whole test suite on a Debian 12 machine: installs
# what is missing (when run as root; otherwise prints the apt-get line and
# stops), then builds and tests two configurations with warnings as
# errors: gcc with optimisation (build-test/) and clang with
# AddressSanitizer and UndefinedBehaviorSanitizer (build-asan/); gcc
# without libFLAC, then without libmpg123 (build-variant/, the decoding
# tests only; the second also without hnswlib). Then a short run of every
# libFuzzer target (tests/fuzz/run.sh, build-fuzz/).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/examples/deps.sh"
as_deps_ensure $AS_DEPS_BUILD $AS_DEPS_TEST
(as_deps_ensure chromium chromium-driver) ||
    echo "note: no chromium or chromium-driver; the browser tests will be skipped" >&2
jobs=$(as_jobs)
# twice as many tests as cores: many wait (for a server, a lock, a
# timeout, a browser) more than they compute
tjobs=$((jobs * 2))

# The house format, when clang-format is installed (tests/format.sh).
if command -v clang-format >/dev/null 2>&1; then
    echo "== clang-format" >&2
    sh "$root/tests/format.sh"
else
    echo "note: no clang-format; the format check is skipped" >&2
fi

# configure CC DIR ARGS...: cmake with Ninja, which rebuilds what a
# changed option touches and nothing more (Make's trees rebuild a whole
# target when one file's flags change) and builds a little faster; a
# tree set up with another generator keeps it.
configure() {
    _cc=$1 _dir=$2
    shift 2
    _gen=$(sed -n 's/^CMAKE_GENERATOR:INTERNAL=//p' "$_dir/CMakeCache.txt" \
        2>/dev/null || true)
    CC=$_cc cmake -G "${_gen:-Ninja}" -S "$root" -B "$_dir" "$@" >/dev/null
}

gcc_args="-DCMAKE_BUILD_TYPE=RelWithDebInfo -DAS_WERROR=ON -DAS_BUILD_TESTS=ON"
# (line tables only: the reports name file and line, and it builds in
# seven eighths of the time)
asan_args="-DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG=-gline-tables-only \
-DCMAKE_CXX_FLAGS_DEBUG=-gline-tables-only -DAS_SANITIZE=ON -DAS_WERROR=ON \
-DAS_BUILD_TESTS=ON"
noflac="-DAS_WITH_FLAC=OFF -DAS_WITH_MPG123=ON -DAS_WITH_APPROX=AUTO"
nompg123="-DAS_WITH_FLAC=ON -DAS_WITH_MPG123=OFF -DAS_WITH_APPROX=OFF"
dir=$root/build-variant

# The three trees are configured at once: cmake runs one process at a
# time, most of its seconds.
echo "== configure" >&2
configure gcc "$root/build-test" $gcc_args &
p1=$!
configure clang "$root/build-asan" $asan_args &
p2=$!
configure gcc "$dir" $gcc_args $noflac &
p3=$!
wait $p1
wait $p2
wait $p3

echo "== gcc, RelWithDebInfo" >&2
cmake --build "$root/build-test" -j "$jobs"
ctest --test-dir "$root/build-test" --output-on-failure -j "$tjobs" </dev/null

echo "== clang, Debug, ASan + UBSan" >&2
cmake --build "$root/build-asan" -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0" \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$root/build-asan" --output-on-failure -j "$tjobs" </dev/null

# The build options that leave a decoder library out: FLAC, then MPEG,
# through libsndfile instead. Only the tools, the test tools and the
# decoder's unit test are built, and the tests that decode files run.
# The second also leaves approximate search out (AS_WITH_APPROX=OFF:
# the library in C alone), which costs no build of its own: its unit
# test and the CLI case check that both ends say it is not there. Both
# in one tree (build-variant/), one after the other: each option is
# defined on the one file that reads it, so the second recompiles a
# handful of files (every option is given each time, as the tree keeps
# the last ones).
for v in FLAC MPG123; do
    echo "== gcc, AS_WITH_$v=OFF" >&2
    tests='unit/decode|cli/as-extract|cli/as-search-dups|cli/as-stats|cli/as-anomaly-checks|golden/'
    opts=$noflac
    if [ "$v" = MPG123 ]; then
        echo "== gcc, AS_WITH_APPROX=OFF" >&2
        opts=$nompg123
        tests="$tests|unit/ann|cli/as-search-approx"
    fi
    configure gcc "$dir" $gcc_args $opts
    cmake --build "$dir" -j "$jobs" --target as-extract as-index as-search \
        as-cluster as-stats as-anomaly as-map mksignal tsvcmp ixcluster \
        failio test_decode test_ann
    ctest --test-dir "$dir" --output-on-failure -j "$tjobs" \
        -R "^($tests)" </dev/null
done

# a smoke run: 6 s per target, to catch a target that no longer builds
# or starts, or a crash its seeds find at once
sh "$root/tests/fuzz/run.sh" 6 </dev/null
echo "== all tests passed" >&2
