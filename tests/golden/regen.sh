#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: tests/golden/regen.sh [build-dir]
#
# Rewrites tests/golden/expected/ from the tools of build-dir (default:
# build-test, as tests/run.sh makes it). Run it only after a change that
# is meant to alter the output, then read `git diff tests/golden` line by
# line and commit the new files on their own, saying why they changed.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build-test}" && pwd)
if [ ! -x "$build/tools/as-extract" ] || [ ! -x "$build/tests/mksignal" ]; then
    echo "regen.sh: $build: no tools or test tools built there" >&2
    exit 1
fi
LC_ALL=C
export LC_ALL
PATH="$build/tools:$build/tests:$PATH"
AS_DATA="$root/tests/data"
export PATH AS_DATA
work=$(mktemp -d "${TMPDIR:-/tmp}/as-golden.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/run" "$work/out"
(cd "$work/run" && sh "$root/tests/golden/cases.sh" "$work/out")
rm -rf "$root/tests/golden/expected"
mkdir "$root/tests/golden/expected"
cp "$work/out"/* "$root/tests/golden/expected/"
echo "regen.sh: cases written; review them: git diff tests/golden" >&2
