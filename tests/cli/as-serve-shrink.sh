#!/bin/sh
# SPDX-License-Identifier: MIT
# An entry's audio file that shrinks while it is sent ends the connection
# at once, with a warning naming the file: the client learns the body is
# cut short, rather than waiting for the rest until the idle timeout (-i).
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
# the first entry's file is named a\b.wav (a backslash, which the
# warning escapes once, as every message does)
as_synthetic_tsv 4 8 1 | sed '2s|^syn/c0/e00000\.wav|syn/c0/a\\b.wav|' |
    as-index -q -o lib.asx
# more than the sockets between server and client can hold, so that the
# server is still sending when the file shrinks
mkdir -p syn/c0
F='syn/c0/a\b.wav'
dd if=/dev/zero of="$F" bs=1M count=48 2>/dev/null
as_serve_start -i 120 lib.asx
http "${URL}entries/0"
grep -q '^{"id":0,"filename":"syn/c0/a\\\\b.wav",' "$T/out" ||
    fail "entry 0: $(cat "$T/out")"

# whole, it is sent whole
http "${URL}entries/0/audio"
expect_code 200
[ "$(wc -c <"$T/out")" -eq $((48 << 20)) ] || fail "a whole download is cut"

# the client reads a megabyte, the file shrinks to 100 kB, the client
# reads on: the connection ends within seconds, not at -i's 120
set +e
timeout 60 curl -sS "${URL}entries/0/audio" 2>"$T/curl.err" | {
    head -c 1048576 >/dev/null
    truncate -s 100000 "$F"
    cat >/dev/null
}
set -e
grep -q '^curl: (18) ' "$T/curl.err" ||
    fail "the client was not told the body is short: $(cat "$T/curl.err")"
wait_for "the warning" grep -q '^as-serve: syn/c0/a\\\\b\.wav: shrank while being sent (nothing to read at byte [0-9]*); connection closed$' \
    "$T/serve.err"
grep -q '^as-serve: 127\.0\.0\.1 GET /entries/0/audio 200 50331648 [0-9]* aborted$' \
    "$T/serve.err" || fail "access log: $(cat "$T/serve.err")"

# the server goes on
http "${URL}entries/0/audio"
expect_code 200
cmp -s "$T/out" "$F" || fail "after: the file differs"
as_serve_stop
[ "$status" -eq 0 ] || fail "as-serve exited $status"
exit 0
