#!/bin/sh
# SPDX-License-Identifier: MIT
# A server people can leave running: it picks up a replaced index without
# a restart, serves shards as one library, cuts off a client too slow,
# answers 503 past -m requests at once, and drains and exits 0 on SIGTERM.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder -7
as-extract -r samples/kicks samples/hats >a.tsv
as-extract -r samples/tones samples/loops >b.tsv
as-index -o lib.asx a.tsv
K=samples/kicks/kick_44k1.flac

entries_are() {
    http "${URL}healthz"
    grep -q "\"entries\":$1," "$T/out"
}

# a server started again (here with another library) does not count its
# generations from where the one before did: ids of the first, with the
# first's generation, are refused rather than taken for the second's
as-index -o other.asx b.tsv
as_serve_start other.asx
as_serve_generation
before=$GEN
as_serve_stop
as_serve_start lib.asx
as_serve_generation
[ "$GEN" != "$before" ] || fail "generation $GEN again after a restart"
http "${URL}entries/0?generation=$before"
expect_code 409
expect_out "{\"error\":\"generation $GEN is served, not $before: ids change when the indexes are replaced\",\"status\":409}"
http "${URL}healthz"
expect_out "{\"status\":\"ok\",\"entries\":3,\"generation\":$GEN}"
g1=$GEN

# as-index -u renames a new index in: the next requests see it
as-index -q -u lib.asx b.tsv
wait_for "the new index" entries_are 7
g2=$((g1 + 1))
expect_out "{\"status\":\"ok\",\"entries\":7,\"generation\":$g2}"
# ids of the version asked for (generation=), and the version answered
http -D head.txt "${URL}entries/0?generation=$g2"
expect_code 200
tr -d '\r' <head.txt | grep -qx "X-As-Generation: $g2" || fail "header: $(cat head.txt)"
http "${URL}entries/0?generation=$g1"
expect_code 409
expect_out "{\"error\":\"generation $g2 is served, not $g1: ids change when the indexes are replaced\",\"status\":409}"
http "${URL}search?id=0&generation=$g1"
expect_code 409
http "${URL}stats?generation=two"
expect_code 400
expect_out '{"error":"generation: not one whole number","status":400}'
http "${URL}search?path=samples/tones/sine440_44k1.wav&k=1"
expect_code 200

# a replacement that is not an index: it says so and keeps the old one
cp a.tsv broken.asx
cp lib.asx good.asx
mv broken.asx lib.asx
wait_for "the warning" grep -q '^as-serve: keeping the indexes opened before$' "$T/serve.err"
grep -q '^as-serve: lib.asx: not an index$' "$T/serve.err" || fail "warning: $(cat "$T/serve.err")"
entries_are 7 || fail "the old index went away"
# SIGHUP opens the files again at once
mv good.asx lib.asx
kill -HUP "$serve_pid"
reopened() {
    http "${URL}healthz"
    _g=$(sed -n 's/.*"entries":7,"generation":\([0-9]*\)}$/\1/p' "$T/out")
    [ -n "$_g" ] && [ "$_g" -gt "$g2" ]
}
wait_for "SIGHUP" reopened
# with nothing replaced, SIGHUP keeps the indexes (and what was computed
# from them: maps, cluster runs, reports)
gen=$(sed 's/.*"generation":\([0-9]*\).*/\1/' "$T/out")
kill -HUP "$serve_pid"
sleep 1.5
http "${URL}healthz"
expect_out "{\"status\":\"ok\",\"entries\":7,\"generation\":$gen}"

# written over in place (cp or truncate, not a rename), even shorter:
# the server keeps what it read into its own memory, answers as before
# (a mapped file would kill it with SIGBUS), and says it keeps it
http "${URL}search?path=$K&k=3"
cp "$T/out" before.json
cp lib.asx saved.asx
truncate -s 300 lib.asx
kept_twice() {
    [ "$(grep -c '^as-serve: keeping the indexes opened before$' "$T/serve.err")" -ge 2 ]
}
wait_for "the second warning" kept_twice
http "${URL}search?path=$K&k=3"
expect_code 200
cmp -s before.json "$T/out" || fail "in place: $(cat "$T/out")"
http "${URL}entries/6"
expect_code 200
cp saved.asx lib.asx
wait_for "the index copied back" entries_are 7

# a replacement with a damaged block: every block is checked as it is
# read in, so it is refused whole and the good version kept (it was
# installed, and answered 500 wherever the damage was)
cp lib.asx damaged.asx
# a byte in the middle of ENTRIES (section 3 of the table at byte 56,
# 16-byte slots of offset and size, as-format(5)), which opening without
# a check of every block reads nothing of
set -- $(od -An -t u8 -j $((56 + 3 * 16)) -N 16 damaged.asx)
flip_byte damaged.asx $(($1 + $2 / 2))
if as-index -c damaged.asx 2>/dev/null; then fail "the copy is not damaged"; fi
n_kept=$(grep -c '^as-serve: keeping the indexes opened before$' "$T/serve.err")
mv damaged.asx lib.asx
kept_again() {
    [ "$(grep -c '^as-serve: keeping the indexes opened before$' "$T/serve.err")" -gt "$n_kept" ]
}
wait_for "the warning for a damaged index" kept_again
grep -q '^as-serve: lib.asx: index is damaged' "$T/serve.err" ||
    fail "damaged: $(tail -n 3 "$T/serve.err")"
http "${URL}search?path=$K&k=3"
expect_code 200
cmp -s before.json "$T/out" || fail "damaged replacement: $(cat "$T/out")"
cp saved.asx lib.asx

# SIGTERM: exit 0
as_serve_stop
expect_status 0

# While it drains (here for a body still coming on another connection,
# for at most -s), a request on a connection already open is told 503
as_serve_start -s 3 lib.asx
port=${URL#http://127.0.0.1:}
port=${port%/}
python3 - "$port" "$serve_pid" >drain.out <<'PY'
import os, signal, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
def request(s, text):
    s.sendall(text.encode())
    s.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(4096)
    head, _, body = data.partition(b"\r\n\r\n")
    n = int([l.split(b":")[1] for l in head.split(b"\r\n")
             if l.lower().startswith(b"content-length:")][0])
    while len(body) < n:
        body += s.recv(4096)
    return head.split(b" ")[1].decode() + " " + body.decode().strip()
a = socket.create_connection(("127.0.0.1", port))
print(request(a, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
b = socket.create_connection(("127.0.0.1", port))
b.sendall(b"POST /search HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
time.sleep(0.3)
os.kill(pid, signal.SIGTERM)
time.sleep(0.5)
print(request(a, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
# a new connection is closed at once, unanswered, not left waiting in
# the listen queue until the drain ends (the accept policy refuses it:
# the server is not quiesced, see drain() in tools/as-serve/main.c)
try:
    c = socket.create_connection(("127.0.0.1", port), timeout=1.5)
    c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    print("refused" if c.recv(4096) == b"" else "answered")
except (ConnectionError, OSError) as e:
    print("refused" if not isinstance(e, socket.timeout) else "timeout")
PY
sed -n 2p drain.out | grep -qx '503 {"error":"the server is stopping","status":503}' ||
    fail "a request while draining: $(cat drain.out)"
sed -n 3p drain.out | grep -qx refused ||
    fail "a new connection while draining: $(cat drain.out)"
set +e
wait "$serve_pid"
status=$?
set -e
expect_status 0

# two shards are one library: the same answers as as-search over both
as-index -o a.asx a.tsv
as-index -o b.asx b.tsv
as_serve_start a.asx b.asx
http "${URL}stats"
grep -q '"shards":\[{"path":"a.asx","entries":3,"format_version":[0-9]},{"path":"b.asx","entries":4,"format_version":[0-9]}\]' "$T/out" ||
    fail "shards: $(cat "$T/out")"
http "${URL}search?path=$K&k=6"
sed -E -e 's/"id":[0-9]+,//g' -e 's/,"genre":("[^"]*"|null)//g' \
    -e 's/,"duration":[0-9.]+,"cluster":(null|[0-9]+)//g' \
    -e 's/,"audio":"[^"]*"//g' -e 's/,"exact":true\}/}/' "$T/out" >got.json
as-search -J -k 6 -p $K a.asx b.asx >want.json
cmp -s want.json got.json || { diff want.json got.json >&2; fail "shards search"; }
http "${URL}entries/6"
grep -q '^{"id":6,"filename":"samples/' "$T/out" || fail "entry 6"
as_serve_stop
expect_status 0

# a later shard holding K too hides shard a's copy (shadowed): searched by
# the id of that copy, as by K's path, the sample itself is left out
{ cat b.tsv; grep "^$K	" a.tsv; } >b2.tsv
as-index -o b2.asx b2.tsv
as_serve_start a.asx b2.asx
id=$(($(grep -n "^$K	" a.tsv | cut -d: -f1) - 2))
http "${URL}entries/$id"
grep -q "\"filename\":\"$K\".*\"shadowed\":true" "$T/out" || fail "shadowed: $(cat "$T/out")"
# /healthz counts the ids, the shadowed copy's too; /stats the library
http "${URL}healthz"
grep -q '^{"status":"ok","entries":8,"generation":[0-9]*}$' "$T/out" ||
    fail "healthz of 3 and 5 entries: $(cat "$T/out")"
http "${URL}stats"
grep -q '"total_samples":7,' "$T/out" || fail "stats: $(cat "$T/out")"
http "${URL}search?id=$id&k=6"
expect_code 200
sed -n 's/.*"results":\(.*\)/\1/p' "$T/out" | grep -q "\"filename\":\"$K\"" &&
    fail "id= of a shadowed copy found the sample itself: $(cat "$T/out")"
as_serve_stop
expect_status 0

# a client that sends its body too slowly is cut off; others are served
as_serve_start -s 1 lib.asx
mksignal -d 2 -r 44100 noise slow.wav
set +e
curl -sS -o /dev/null --limit-rate 20k --data-binary @slow.wav \
    "${URL}search" 2>curl.err
slow=$?
set -e
[ "$slow" -ne 0 ] || fail "the slow upload was answered"
http "${URL}healthz"
expect_code 200
as_serve_stop
expect_status 0
# cut off as it trickles (aborted) or between two pieces (timeout)
grep -Eq '^as-serve: 127\.0\.0\.1 POST /search 0 0 [0-9]* (aborted|timeout)$' \
    "$T/serve.err" || fail "access log: $(cat "$T/serve.err")"

# a body that stops arriving is cut off after -s, not after -i (curl
# itself waits for the rest of its input, so the server's log tells)
as_serve_start -s 2 -i 60 lib.asx
mkfifo stall
curl -sS -o /dev/null -X POST -T - "${URL}search" <stall 2>/dev/null &
stalled=$!
exec 9>stall
head -c 1000 slow.wav >&9
cut_off() {
    grep -Eq '^as-serve: 127\.0\.0\.1 POST /search 0 0 [0-9]{1,7} timeout$' \
        "$T/serve.err"
}
t=0
until cut_off || [ "$t" -ge 15 ]; do
    sleep 1
    t=$((t + 1))
done
cut_off || fail "a stalled body was kept past -s: $(cat "$T/serve.err")"
exec 9>&-
kill "$stalled" 2>/dev/null || true
as_serve_stop

# 503 past -m connections: one connection held open by a slow upload
# (restarted if it was the one told 503, when both came at once)
as_serve_start -m 1 -s 30 lib.asx
hold() {
    curl -sS -o /dev/null --limit-rate 10k --data-binary @slow.wav \
        "${URL}search" 2>/dev/null &
    held=$!
}
hold
busy() {
    kill -0 "$held" 2>/dev/null || hold
    http "${URL}stats"
    [ "$code" = 503 ]
}
wait_for "a 503" busy
expect_out '{"error":"too many requests in progress","status":503}'
kill "$held" 2>/dev/null || true
wait "$held" 2>/dev/null || true
as_serve_stop
expect_status 0

# -m counts requests not answered, not connections: clients that each
# open a new connection per request, never more than -m at once, are all
# answered (a closed connection was counted until the server got round
# to its close, and an answered request until its completion, each after
# the client may have sent the next)
cat >clients.py <<'EOF'
import http.client, sys, threading, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
clients, each = int(sys.argv[2]), int(sys.argv[3])
codes = {}
lock = threading.Lock()
def client():
    for _ in range(each):
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        c.request("GET", "/healthz")
        r = c.getresponse()
        r.read()
        c.close()
        with lock:
            codes[r.status] = codes.get(r.status, 0) + 1
ts = [threading.Thread(target=client) for _ in range(clients)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(" ".join("%d:%d" % kv for kv in sorted(codes.items())))
EOF
as_serve_start -m 4 lib.asx
run python3 clients.py "$URL" 4 60
expect_out "200:240"
as_serve_stop
expect_status 0
as_serve_start -m 1 -j 2 lib.asx
run python3 clients.py "$URL" 1 1500
expect_out "200:1500"
as_serve_stop
expect_status 0

# Connections past twice -m plus 16 are closed as they come, even when
# the ones open are idle (a client that opens many and sends nothing):
# a new client is not kept waiting until they time out (-i), and is
# answered again once one closes.
cat >idle.py <<'EOF'
import socket, subprocess, sys, time, urllib.parse
url, n = sys.argv[1], int(sys.argv[2])
u = urllib.parse.urlparse(url)
idle = [socket.create_connection((u.hostname, u.port)) for _ in range(n)]
time.sleep(0.3)
def ask():
    t = time.time()
    r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-m", "20",
                        "-w", "%{http_code}", url + "healthz"],
                       capture_output=True, text=True)
    return r.stdout, time.time() - t
code, took = ask()
# closed at once: no answer (000), and long before -i (30 s) or -m 20
print("full:", code, "fast" if took < 10 else "waited %.1f s" % took)
idle[0].close()
for _ in range(50):
    code, took = ask()
    if code == "200":
        break
    time.sleep(0.2)
print("one closed:", code)
EOF
as_serve_start -m 2 -i 30 lib.asx
run python3 idle.py "$URL" 20
expect_out "full: 000 fast" "one closed: 200"
as_serve_stop
expect_status 0
