#!/bin/sh
# SPDX-License-Identifier: MIT
# as-tools(7): the letters of the common options mean the same in every
# tool that takes them (-h -V -q -J -H -z -j, and the filters but for the
# table of exceptions in Entry filters and as-serve's -l), read from each
# tool's --help.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
for tool in as-extract as-index as-search as-cluster as-map as-anomaly \
    as-stats as-serve; do
    "$tool" --help | sed -n 's/^ *-\([A-Za-z0-9]\), \(--[a-z-]*\).*/\1 \2/p' |
        sed "s/^/$tool /" >>letters
done
[ -s letters ] || fail "no options read from --help"
# letter long-name: every tool that takes the letter names it so
check() {
    awk -v l="$1" -v want="$2" -v skip="${3-}" '
        BEGIN { n = split(skip, s, " "); for (i = 1; i <= n; i++) out[s[i]] = 1 }
        $2 == l && !($1 in out) && $3 != want {
            print $1 ": -" l " is " $3 ", not " want; bad = 1 }
        END { exit bad }' letters || fail "-$1 differs"
}
check h --help
check V --version
check q --quiet
check J --json
check H --no-header
check z --zero-terminated
check j --jobs
check g --path-glob
# the exceptions of as-tools(7), Entry filters, and as-serve's -l
check l --label "as-index as-serve"
check c --cluster "as-anomaly as-cluster as-index as-map as-stats"
check t --duration "as-anomaly"
