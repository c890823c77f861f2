# SPDX-License-Identifier: MIT
# Sourced by the bench/*.sh scripts: a Release build in build-bench/ and
# small helpers. Benchmarks never run as tests; they print figures.
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-bench"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DAS_BUILD_TESTS=ON >/dev/null
cmake --build "$build" -j "$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)" >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# median of the numbers on standard input
median() {
    sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

now() {
    date +%s.%N
}
