#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: tests/run.sh
#
# Sets up and runs the whole test suite on a Debian 12 machine: installs
# what is missing (when run as root; otherwise prints the apt-get line and
# stops), then builds and tests two configurations with warnings as
# errors: gcc with optimisation (build-test/) and clang with
# AddressSanitizer and UndefinedBehaviorSanitizer (build-asan/); gcc
# without libFLAC and without libmpg123 (build-noflac/, build-nompg123/,
# the decoding tests only; the second also without hnswlib). Then a short run of every libFuzzer target
# (tests/fuzz/run.sh, build-fuzz/).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/examples/deps.sh"
as_deps_ensure $AS_DEPS_BUILD $AS_DEPS_TEST
(as_deps_ensure chromium chromium-driver) ||
    echo "note: no chromium or chromium-driver; the browser tests will be skipped" >&2
jobs=$(as_jobs)

# The house format, when clang-format is installed (tests/format.sh).
if command -v clang-format >/dev/null 2>&1; then
    echo "== clang-format" >&2
    sh "$root/tests/format.sh"
else
    echo "note: no clang-format; the format check is skipped" >&2
fi

echo "== gcc, RelWithDebInfo" >&2
CC=gcc cmake -S "$root" -B "$root/build-test" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DAS_WERROR=ON -DAS_BUILD_TESTS=ON >/dev/null
cmake --build "$root/build-test" -j "$jobs"
ctest --test-dir "$root/build-test" --output-on-failure -j "$jobs" </dev/null

echo "== clang, Debug, ASan + UBSan" >&2
CC=clang cmake -S "$root" -B "$root/build-asan" -DCMAKE_BUILD_TYPE=Debug \
    -DAS_SANITIZE=ON -DAS_WERROR=ON -DAS_BUILD_TESTS=ON >/dev/null
cmake --build "$root/build-asan" -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0" \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$root/build-asan" --output-on-failure -j "$jobs" </dev/null

# The build options that leave a decoder library out: FLAC, then MPEG,
# through libsndfile instead. Only the tools, the test tools and the
# decoder's unit test are built, and the tests that decode files run.
# The second also leaves approximate search out (AS_WITH_APPROX=OFF:
# the library in C alone), which costs no build of its own: its unit
# test and the CLI case check that both ends say it is not there.
for v in FLAC MPG123; do
    echo "== gcc, AS_WITH_$v=OFF" >&2
    dir="$root/build-no$(echo "$v" | tr 'A-Z' 'a-z')"
    more=""
    tests='unit/decode|cli/as-extract|cli/as-search-dups|cli/as-stats|cli/as-anomaly-checks|golden/'
    if [ "$v" = MPG123 ]; then
        echo "== gcc, AS_WITH_APPROX=OFF" >&2
        more="-DAS_WITH_APPROX=OFF"
        tests="$tests|unit/ann|cli/as-search-approx"
    fi
    CC=gcc cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DAS_WERROR=ON -DAS_BUILD_TESTS=ON -DAS_WITH_$v=OFF $more >/dev/null
    cmake --build "$dir" -j "$jobs" --target as-extract as-index as-search \
        as-cluster as-stats as-anomaly as-map mksignal tsvcmp ixcluster \
        failio test_decode test_ann
    ctest --test-dir "$dir" --output-on-failure -j "$jobs" \
        -R "^($tests)" </dev/null
done

# a smoke run: 6 s per target, to catch a target that no longer builds
# or starts, or a crash its seeds find at once
sh "$root/tests/fuzz/run.sh" 6 </dev/null
echo "== all tests passed" >&2
