#!/bin/sh
# SPDX-License-Identifier: MIT
# Audio or a feature stream to be read from a terminal (as-extract or
# as-index run without files, at a prompt) is a usage error at once, not
# a silent wait for typing; a terminal given a list of paths (-T -) is
# read. The terminal is a pseudo-terminal from script(1).
. "$AS_SRC/tests/cli/lib.sh"

if ! command -v script >/dev/null 2>&1 ||
    [ "$(script -qec 'test -t 0 && echo tty' /dev/null </dev/null | tr -d '\r')" != tty ]; then
    echo "note: no script(1) or no pseudo-terminal; terminal input not checked" >&2
    exit 0
fi
cd "$T"
cp "$FIX/kick_44k1.flac" kick.flac
# on_tty CMD: CMD's stdin, stdout and stderr on a new terminal; its
# output (without CRs and the progress line's erase sequences) in $T/out,
# its exit status in $T/status
esc=$(printf '\033')
on_tty() {
    script -qec "$1; echo \"status \$?\"" /dev/null </dev/null |
        tr -d '\r' | sed "s/$esc\[K//g" >"$T/tty"
    grep -v '^status ' "$T/tty" >"$T/out" || :
    sed -n 's/^status //p' "$T/tty" >"$T/status"
}

on_tty "as-extract"
[ "$(cat "$T/status")" = 2 ] || fail "as-extract at a terminal: status $(cat "$T/status")"
grep -qx "as-extract: audio from a terminal; give files, or a folder with -r, or redirect standard input" "$T/out" ||
    fail "as-extract at a terminal: $(cat "$T/out")"
on_tty "as-extract -i -"
[ "$(cat "$T/status")" = 2 ] || fail "as-extract - at a terminal"
on_tty "as-index -o lib.asx"
[ "$(cat "$T/status")" = 2 ] || fail "as-index at a terminal: status $(cat "$T/status")"
grep -qx "as-index: a feature stream from a terminal; give stream files, or redirect standard input" "$T/out" ||
    fail "as-index at a terminal: $(cat "$T/out")"
[ ! -e lib.asx ] || fail "as-index at a terminal wrote the index"
# files given: the terminal is not read
on_tty "as-extract -i -H kick.flac"
[ "$(cat "$T/status")" = 0 ] || fail "as-extract kick.flac at a terminal: $(cat "$T/out")"
grep -q '^kick.flac	flac' "$T/out" || fail "as-extract kick.flac at a terminal: $(cat "$T/out")"
# as-search's query "-" is audio too; its -F - a stream
as-extract kick.flac | as-index -q -o lib.asx
on_tty "as-search lib.asx -"
[ "$(cat "$T/status")" = 2 ] || fail "as-search - at a terminal: status $(cat "$T/status")"
grep -qx "as-search: audio from a terminal; give files, or redirect standard input" "$T/out" ||
    fail "as-search - at a terminal: $(cat "$T/out")"
on_tty "as-search -F - lib.asx"
[ "$(cat "$T/status")" = 2 ] || fail "as-search -F - at a terminal: status $(cat "$T/status")"
