#!/bin/sh
# SPDX-License-Identifier: MIT
# The golden test: every tool's output on the test library (see
# tests/golden/cases.sh) against tests/golden/expected/, numbers within
# a small tolerance (tests/tools/tsvcmp), text, stderr and exit status
# exactly. After an intended change, tests/golden/regen.sh rewrites the
# expected files; review their diff and commit it on its own.
. "$AS_SRC/tests/cli/lib.sh"

want="$AS_SRC/tests/golden/expected"
mkdir "$T/work" "$T/got"
(cd "$T/work" && sh "$AS_SRC/tests/golden/cases.sh" "$T/got")

# The same cases, no more and no fewer.
(cd "$want" && ls) >"$T/want.list"
(cd "$T/got" && ls) >"$T/got.list"
if ! cmp -s "$T/want.list" "$T/got.list"; then
    diff "$T/want.list" "$T/got.list" >&2 || true
    fail "the cases differ from tests/golden/expected (run tests/golden/regen.sh)"
fi

# Relative 1e-5 and absolute 1e-6: a few float32 ulps, for a change in
# the order of sums or in the compiler; any real change is far larger.
bad=0
while read -r name; do
    if ! tsvcmp -a 1e-6 -r 1e-5 "$want/$name" "$T/got/$name" >"$T/cmp"; then
        sed 's/^/  /' "$T/cmp" >&2
        printf 'golden: %s differs\n' "$name" >&2
        bad=$((bad + 1))
    fi
done <"$T/want.list"
[ "$bad" -eq 0 ] ||
    fail "$bad cases differ (if intended, run tests/golden/regen.sh and review)"
