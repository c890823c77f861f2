# SPDX-License-Identifier: MIT
# Sourced by examples/quickstart.sh and tests/run.sh: makes sure the Debian
# packages a job needs are installed. As root it installs what is missing
# with apt-get (no questions asked); otherwise it prints the one apt-get
# line needed and exits 1. On a system without dpkg it assumes the
# packages are there and lets CMake say otherwise.

# What building needs; g++ and libhnswlib-dev (header-only) are for the
# optional approximate search (as-index -a, as-search -a), which a build
# without them leaves out; libmp3lame-dev for a static link against the
# installed library (examples/in-library.c), since sndfile.pc names
# -lmp3lame but libsndfile1-dev does not pull it in.
AS_DEPS_BUILD="cmake make gcc pkg-config libsndfile1-dev libflac-dev \
libmpg123-dev libsoxr-dev libmicrohttpd-dev g++ libhnswlib-dev libmp3lame-dev"
# Example audio for the quick start (CC0 one-shots and loops).
AS_DEPS_SAMPLES="sonic-pi-samples"
# What the test suite needs besides: clang for the sanitizer build,
# ninja-build for the suite's builds (tests/run.sh says why), mandoc for
# the man page checks, sox for the examples that use it and lame (with
# sox) for the copies of as-search-dups-near.sh, zsh for the completion
# test, curl for the as-serve tests, python3 for the
# tests that check JSON and odd bytes in paths; clang-format for
# tests/format.sh; strace for the lock test that holds a writer midway.
AS_DEPS_TEST="clang ninja-build mandoc sox lame sonic-pi-samples parallel make \
zsh curl python3 clang-format strace"
# What bench/corpus/make.sh renders and cuts the drum corpus from.
AS_DEPS_CORPUS="fluidsynth timidity fluid-soundfont-gm timgm6mb-soundfont \
musescore-general-soundfont-small freepats lmms-common sonic-pi-samples sox"
# The reference implementations that bench/cluster.sh compares with
# (R's dbscan::hdbscan) and bench/umap.sh (umap-learn).
AS_DEPS_REFERENCE="r-cran-dbscan umap-learn"

# as_deps_ensure PACKAGE...
as_deps_ensure() {
    if ! command -v dpkg-query >/dev/null 2>&1; then
        echo "note: not a Debian system; assuming these are installed: $*" >&2
        return 0
    fi
    _missing=""
    for _p in "$@"; do
        case " $_missing " in *" $_p "*) continue ;; esac
        if ! dpkg-query -W -f='${Status}' "$_p" 2>/dev/null |
            grep -q 'ok installed'; then
            _missing="$_missing $_p"
        fi
    done
    [ -z "$_missing" ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "Missing Debian packages. Install them with:" >&2
        echo "  sudo apt-get install -y$_missing" >&2
        exit 1
    fi
    echo "Installing:$_missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    # Two tries: a fresh machine's package lists may be stale or busy.
    for _try in 1 2; do
        if apt-get update -qq </dev/null &&
            apt-get install -y -qq --no-install-recommends $_missing \
                </dev/null >/dev/null; then
            return 0
        fi
        sleep 5
    done
    echo "apt-get could not install:$_missing" >&2
    exit 1
}

# Parallel build jobs: every core.
as_jobs() {
    getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2
}
