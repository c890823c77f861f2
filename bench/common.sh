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

# shq WORD: WORD single-quoted for the shell (the rerun lines)
shq() {
    printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# The file lists hold a path a line: split the unquoted $(cat list) at
# newlines only, with no globbing, so that paths may hold spaces.
nl='
'

# sklearn_setup: py, Debian's python3 (the one with python3-sklearn), and
# sk, the script that runs scikit-learn's side (empty when it is missing:
# then only our figures are printed); BLAS and OpenMP on one thread.
sklearn_setup() {
    py=/usr/bin/python3
    sk=""
    if [ -x "$py" ] && "$py" -c 'import sklearn' 2>/dev/null; then
        sk="$root/bench/ml_sklearn.py"
    else
        echo "note: /usr/bin/python3 with sklearn not found: our figures only" >&2
    fi
    export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
}

# serve_start AS-SERVE INDEX: as-serve -j 2 on a loopback port of its
# choosing, for the bench scripts that time it; its pid in $pid (the
# caller kills it) and its address in $url
serve_start() {
    rm -f "$tmp/url"
    "$1" -q -j 2 -l 127.0.0.1:0 "$2" >"$tmp/url" &
    pid=$!
    while [ ! -s "$tmp/url" ]; do sleep 0.05; done
    url=$(cat "$tmp/url")
}
