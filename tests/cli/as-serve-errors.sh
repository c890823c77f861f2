#!/bin/sh
# SPDX-License-Identifier: MIT
# as-serve's options, and every error status it answers: the right
# status, a JSON body naming the problem, and the server still serving.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder -7
as-extract -r samples >lib.tsv
as-index -o lib.asx lib.tsv
K=samples/kicks/kick_44k1.flac
usage="$(as_usage as-serve)"
HINT="Try 'as-serve --help'."

# --help, --version, the man page.
run as-serve --help
expect_status 0
[ "$(sed '/^$/q' "$T/out" | sed '$d')" = "$usage" ] ||
    fail "--help: $(head -n 3 "$T/out")"
run as-serve --version
expect_status 0
grep -q '^as-serve [0-9][0-9.]*$' "$T/out" || fail "--version"
as_check_man_options as-serve

# A server that cannot start (its threads refused, under a small address
# space) prints no URL: a script waits for the URL to know it answers.
# The limits that make it fail at that step depend on the build; the
# sanitizers' runtime needs far more, so they are not tried there.
if [ "$AS_SANITIZE" != ON ]; then
    tried=
    for v in 30000 35000 40000 45000 50000; do
        set +e
        (ulimit -v $v && exec timeout 5 as-serve -j 2 -l 127.0.0.1:0 lib.asx) \
            >"$T/out" 2>"$T/err"
        status=$?
        set -e
        grep -q 'could not start the HTTP server' "$T/err" || continue
        tried=1
        expect_status 1
        expect_out_empty
    done
    [ -n "$tried" ] ||
        echo "note: no address-space limit stopped the server at its start" >&2
fi

# Usage errors.
run as-serve
expect_status 2
expect_err "as-serve: no index given" "$usage" "$HINT"
run as-serve -k a.tok -k b.tok lib.asx
expect_status 2
expect_err "as-serve: -k can be given only once" "$usage" "$HINT"
run as-serve -l 127.0.0.1 lib.asx
expect_status 2
expect_err "as-serve: -l: '127.0.0.1' is not ADDR:PORT" "$usage" "$HINT"
run as-serve -l 127.0.0.1:70000 lib.asx
expect_status 2
expect_err "as-serve: -l: 70000 is out of range (0 to 65535)" "$usage" "$HINT"
run as-serve -u 0 lib.asx
expect_status 2
expect_err "as-serve: -u: '0' is not a size from 1 byte to 1 TiB" "$usage" "$HINT"
run as-serve -j 0 lib.asx
expect_status 2
run as-serve - 
expect_status 2
expect_err "as-serve: an index is a file, not standard input" "$usage" "$HINT"
# a non-loopback address needs a token or --insecure
run as-serve -l 0.0.0.0:0 lib.asx
expect_status 2
expect_err "as-serve: -l: 0.0.0.0 is not a loopback address: give --token FILE, or --insecure" \
    "$usage" "$HINT"
# listening on every address, it prints the loopback one, which opens
as-serve -I -q -l 0.0.0.0:0 lib.asx >any.url 2>any.err &
any_pid=$!
trap 'kill "$any_pid" 2>/dev/null || true; rm -rf "$T"' EXIT
wait_for "the address" test -s any.url
grep -qx 'http://127\.0\.0\.1:[0-9]*/' any.url || fail "0.0.0.0: printed $(cat any.url)"
http "$(cat any.url)healthz"
expect_code 200
kill -TERM "$any_pid"
wait "$any_pid" || fail "0.0.0.0: exit status $?"
# runtime failures
run as-serve -l 127.0.0.1:0 missing.asx
expect_status 1
expect_err "as-serve: missing.asx: No such file or directory"
run as-serve -l 127.0.0.1:0 lib.tsv
expect_status 1
expect_err "as-serve: lib.tsv: not an index"
# bad_token FILE WHY: -k FILE is refused at start, saying WHY
bad_token() {
    run as-serve -k "$1" lib.asx
    expect_status 1
    expect_err "as-serve: $1: the token must $2"
}
printf 'short\n' >token
bad_token token "be at least 16 characters"
# a line longer than 4096 is refused, not cut to a token that is not it:
# with a LF, without one, or with a CR within it past the 4096th
awk 'BEGIN { while (n++ < 4097) printf "a"; print "" }' >long1
awk 'BEGIN { while (n++ < 9000) printf "a" }' >long2
awk 'BEGIN { while (n++ < 4096) printf "a"; printf "\rb\n" }' >long3
for t in long1 long2 long3; do
    bad_token $t "be at most 4096 characters"
done
# a NUL or a CR within the line is refused, not taken for its end, as
# are bytes past ASCII
printf 'abcdefghijklmnop\000qrs\n' >nul
printf 'abcdefghijklmnop\rqrs\n' >cr
printf 'abcdefghijklmnop\342\200\231q\n' >utf8
for t in nul cr utf8; do
    bad_token $t "be printable ASCII, without spaces"
done
run as-serve -C nowhere lib.asx
expect_status 1
expect_err "as-serve: nowhere: No such file or directory"
# shards of other columns: the one that differs is named, in as-search's
# words, though its columns are as many as the first's
awk -F '\t' 'BEGIN { OFS = FS } NR == 1 { $6 = "my_col" } { print }' lib.tsv >mine.tsv
as-index -o mine.asx mine.tsv
cp lib.asx lib2.asx
run as-serve -l 127.0.0.1:0 lib.asx mine.asx lib2.asx
expect_status 1
expect_err "as-serve: mine.asx: feature set 103 columns, lib.asx has default"

as_serve_start -u 64k -d 2 lib.asx

# 400: malformed query strings, unknown and repeated parameters, values
http "${URL}search?path=%zz"
expect_code 400
expect_out '{"error":"malformed query string","status":400}'
http "${URL}search?path=$K&n_result=3"
expect_code 400
expect_out '{"error":"unknown query parameter '\''n_result'\''","status":400}'
http "${URL}search?path=$K&path=$K"
expect_code 400
expect_out '{"error":"query parameter '\''path'\'' given twice","status":400}'
http "${URL}search?path=$K&n_results=0"
expect_code 400
expect_out '{"error":"n_results: '\''0'\'' is not a number from 1 to 1000","status":400}'
http "${URL}search?path=$K&n_results=3&k=3"
expect_code 400
http "${URL}search?path=a%00b"
expect_code 400
expect_out '{"error":"query parameter '\''path'\'' holds a NUL byte","status":400}'
# ... in a name, it is no name we take (it was read as path)
for u in "search?path%00x=$K" "search?path=$K&n_results%00junk=3" \
    "search-by-filters?label%00x=kicks"; do
    http "$URL$u"
    expect_code 400
    expect_out '{"error":"a query parameter'\''s name holds a NUL byte","status":400}'
done
http "${URL}search"
expect_code 400
# a NUL in the path ends no name early
http "${URL}stats%00x"
expect_code 404
http "${URL}st%61ts"
expect_code 200
# id= instead of path= (what the dashboard sends): the same answer; not
# both, a whole number, a known entry
http "${URL}entries/1"
expect_code 200
p1=$(sed -n 's/.*"filename":"\([^"]*\)".*/\1/p' "$T/out")
http -G --data-urlencode "path=$p1" "${URL}search"
expect_code 200
cp "$T/out" "$T/by-path"
http "${URL}search?id=1"
expect_code 200
cmp -s "$T/out" "$T/by-path" || fail "search?id=1 differs from search?path=$p1"
http "${URL}search?id=1&path=$K"
expect_code 400
expect_out '{"error":"give path= or id=, not both","status":400}'
http "${URL}search?id=x"
expect_code 400
expect_out '{"error":"id: not a whole number","status":400}'
http "${URL}search?path="
expect_code 400
expect_out '{"error":"path: empty","status":400}'
http "${URL}search?id=7"
expect_code 404
expect_out '{"error":"no entry 7","status":404}'
http "${URL}anomalies?limit=x"
expect_code 400
http "${URL}stats?x=1"
expect_code 400

# 404: unknown endpoints and entries; request paths are never files
http "${URL}nothing"
expect_code 404
expect_out '{"error":"no such endpoint","status":404}'
http "${URL}entries/7"
expect_code 404
expect_out '{"error":"no entry 7","status":404}'
http "${URL}entries/x/audio"
expect_code 404
http "${URL}entries/99999999999999999999999/audio"
expect_code 404
http "${URL}entries/0/audio/x"
expect_code 404
http --path-as-is "${URL}entries/../../../etc/passwd"
expect_code 404
http --path-as-is "${URL}entries/0/../../../../etc/passwd"
expect_code 404
http --path-as-is "${URL}../../etc/passwd"
expect_code 404
http "${URL}search?path=/etc/passwd"
expect_code 404
expect_out '{"error":"/etc/passwd: not in the index","status":404}'
http "${URL}search?path=../../../../etc/passwd"
expect_code 404
expect_out '{"error":"../../../../etc/passwd: not in the index","status":404}'
# a long path is told whole: a message cut at 511 bytes lost its end and
# split the last character (a lone \udcXX escape in the JSON)
long=$(printf '%0400d' 0 | sed 's/0/%C3%A9/g')
http "${URL}search?path=$long"
expect_code 404
expect_out "{\"error\":\"$(printf '%0400d' 0 | sed 's/0/é/g'): not in the index\",\"status\":404}"
# an entry whose file went away
mv samples/hats/hihat_48k.wav gone.wav
http "${URL}search?path=samples/hats/hihat_48k.wav&k=1"
expect_code 200
http "${URL}search?path=$K&k=7"
id=$(sed 's/.*{"id":\([0-9]*\),"filename":"samples\/hats\/hihat_48k.wav".*/\1/' "$T/out")
http "${URL}entries/$id/audio"
expect_code 404
expect_out '{"error":"the entry'\''s audio file: No such file or directory","status":404}'
mv gone.wav samples/hats/hihat_48k.wav

# 405
http -X PUT "${URL}stats"
expect_code 405
expect_out '{"error":"method PUT not allowed","status":405}'
http -X POST "${URL}stats"
expect_code 405
# Allow names what the endpoint takes: POST only for /search
allow() {
    curl -sS -o /dev/null -D - -X "$1" "$2" | tr -d '\r' |
        sed -n 's/^[Aa]llow: //p'
}
[ "$(allow POST "${URL}stats")" = "GET, HEAD" ] ||
    fail "Allow of /stats: $(allow POST "${URL}stats")"
[ "$(allow PUT "${URL}search?id=1")" = "GET, HEAD, POST" ] ||
    fail "Allow of /search: $(allow PUT "${URL}search?id=1")"
# the path as routed: percent-encoded, or in absolute form
[ "$(allow PUT "${URL}%73earch")" = "GET, HEAD, POST" ] ||
    fail "Allow of /%73earch: $(allow PUT "${URL}%73earch")"
[ "$(allow POST "${URL}st%61ts")" = "GET, HEAD" ] ||
    fail "Allow of /st%61ts: $(allow POST "${URL}st%61ts")"

# A request target in absolute form is taken as its path (RFC 9112
# 3.2.2: a server must accept it)
as_serve_generation
n_log=$(wc -l <serve.err)
http --request-target "http://localhost/healthz?generation=$GEN" "$URL"
expect_code 200
grep -q '^{"status":"ok",' "$T/out" || fail "absolute form: $(cat "$T/out")"
# logged as its path, without the scheme and host
wait_for "the absolute form's log line" test "$(wc -l <serve.err)" -gt "$n_log"
tail -n +$((n_log + 1)) serve.err | grep -q '^as-serve: 127\.0\.0\.1 GET /healthz 200 ' ||
    fail "logged: $(tail -n +$((n_log + 1)) serve.err)"
http -X PUT --request-target "HTTP://localhost/search" "$URL"
expect_code 405
http --request-target "http://localhost" "$URL"
expect_code 200
grep -q '<body class="dash">' "$T/out" || fail "absolute form of /: not the dashboard"

# 413: over -u, told at once from Content-Length, or once read
head -c 70000 /dev/zero >big.bin
http --data-binary @big.bin "${URL}search"
expect_code 413
expect_out '{"error":"request body over the limit of 65536 bytes","status":413}'
http -H 'Transfer-Encoding: chunked' --data-binary @big.bin "${URL}search"
expect_code 413

# 413: audio longer than -d, refused once that much is decoded (a
# small body can hold hours of silence); as long as -d, searched
mksignal -d 3 -r 8000 -f u8 sine:440 long.wav
http --data-binary @long.wav "${URL}search"
expect_code 413
expect_out '{"error":"audio longer than the limit of 2 seconds","status":413}'
mksignal -d 2 -r 8000 -f u8 sine:440 two.wav
http --data-binary @two.wav "${URL}search?k=1"
expect_code 200

# 400: more than 64 query fields (as-serve(1)); 64 are read
q=$(awk 'BEGIN { for (i = 0; i < 64; i++) printf "%slabel=l%d", i ? "&" : "", i }')
http "${URL}search-by-filters?$q"
expect_code 200
http "${URL}search-by-filters?$q&label=one_more"
expect_code 400
expect_out '{"error":"too many query parameters","status":400}'

# 400: a body framed two ways (two Content-Lengths, or one beside
# Transfer-Encoding), which a proxy in front might read otherwise
cat >framing.py <<'EOF'
import socket, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
for head in (b"Content-Length: 3\r\nContent-Length: 5\r\n",
             b"Content-Length: 3\r\ncontent-LENGTH: 5\r\n",
             b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n",
             b"content-length: 3\r\ntransfer-encoding: chunked\r\n",
             b"Transfer-Encoding: gzip\r\n",
             b"Transfer-Encoding: gzip, chunked\r\n"):
    s = socket.create_connection((u.hostname, u.port))
    s.sendall(b"POST /search HTTP/1.1\r\nHost: x\r\n" + head +
              b"\r\n3\r\nabc\r\n0\r\n\r\n")
    got = b""
    while b"}" not in got:
        d = s.recv(4096)
        if not d:
            break
        got += d
    s.close()
    text = got.decode()
    print(text.split("\r\n")[0] + " " + text[text.find("{"):].strip())
EOF
run python3 framing.py "$URL"
twice='{"error":"the body'"'"'s length given twice (Content-Length, Transfer-Encoding)","status":400}'
# a coding libmicrohttpd cannot undo: 501 at once (it waited for the
# idle timeout, answering nothing)
coding='{"error":"only the chunked Transfer-Encoding is supported","status":501}'
expect_out "HTTP/1.1 400 Bad Request $twice" "HTTP/1.1 400 Bad Request $twice" \
    "HTTP/1.1 400 Bad Request $twice" "HTTP/1.1 400 Bad Request $twice" \
    "HTTP/1.1 501 Not Implemented $coding" "HTTP/1.1 501 Not Implemented $coding"

# 415: not audio, or not decodable
printf 'not audio at all\n' >text.wav
http -F file=@text.wav "${URL}search"
expect_code 415
expect_out '{"error":"unsupported format","status":415}'
head -c 3000 "$FIX/real_bd_808_44k1.wav" >cut.wav
http --data-binary @cut.wav "${URL}search"
expect_code 415
# ... but a bad parameter is a 400 before the upload is decoded
http -F file=@text.wav "${URL}search?w=bogus=1"
expect_code 400
http -F file=@text.wav "${URL}search?approx=1"
expect_code 400
expect_out '{"error":"approx=1: the server was started without --approx","status":400}'
http -F file=@text.wav "${URL}search?kind=nonsense"
expect_code 400

# 400: malformed multipart bodies
printf -- '--XX\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc' >bad.txt
http -H 'Content-Type: multipart/form-data; boundary=XX' --data-binary @bad.txt "${URL}search"
expect_code 400
expect_out '{"error":"malformed multipart body","status":400}'
printf -- '--XX\r\nContent-Disposition: form-data; name="other"\r\n\r\nabc\r\n--XX--\r\n' >other.txt
http -H 'Content-Type: multipart/form-data; boundary=XX' --data-binary @other.txt "${URL}search"
expect_code 400
expect_out '{"error":"no part named '\''file'\'' in the body","status":400}'
# the boundary parameter, not a quoted value before it that holds one
http -H 'Content-Type: multipart/form-data; a="x;boundary=YY\"; b"; boundary=XX' \
    --data-binary @other.txt "${URL}search"
expect_code 400
expect_out '{"error":"no part named '\''file'\'' in the body","status":400}'
http -H 'Content-Type: multipart/form-data' --data-binary @other.txt "${URL}search"
expect_code 400
expect_out '{"error":"Content-Type: not multipart/form-data with a boundary","status":400}'
# another type that starts alike is no form-data
http -H 'Content-Type: multipart/form-dataX; boundary=b' --data-binary @other.txt "${URL}search"
expect_code 400
expect_out '{"error":"Content-Type: not multipart/form-data with a boundary","status":400}'
http -H 'Content-Type: multipart/form-data ; boundary=b' --data-binary @other.txt "${URL}search"
expect_code 400
expect_out '{"error":"malformed multipart body","status":400}'
http -X POST "${URL}search"
expect_code 400
expect_out '{"error":"no audio in the request","status":400}'

# after all that, it still serves
http "${URL}healthz"
expect_code 200
as_serve_stop
expect_status 0

# A query of a thousand fields fills libmicrohttpd's memory pool, which
# drops the request unanswered (no callback of completion) and closes the
# connection after -i: the request is still logged (status 0, aborted)
# and freed, whatever came first (the sanitizer build fails on a leak)
as_serve_start -i 1 lib.asx
many=$(awk 'BEGIN { while (i++ < 1100) printf "&" }')
http -m 5 "${URL}healthz?$many"
http -m 5 "${URL}stats?$many"
wait_for "the dropped requests' log lines" \
    test "$(grep -c ' - /[a-z]* 0 0 [0-9]* aborted$' "$T/serve.err")" -eq 2
http "${URL}healthz"
expect_code 200
# without a token the header means nothing to the server: not refused
http -H 'Authorization: Bearer a' -H 'Authorization: Bearer b' "${URL}stats"
expect_code 200
as_serve_stop
expect_status 0

# 401: a token, required everywhere but /healthz and the pages and API
# description that hold no data (a browser follows a link to /docs
# without a header; its script fetches openapi.json)
printf 'abcdefghijklmnopqrstuvwxyz\n' >token
as_serve_start -k token lib.asx
http "${URL}stats"
expect_code 401
expect_out '{"error":"missing or wrong bearer token","status":401}'
http -H 'Authorization: Bearer abcdefghijklmnopqrstuvwxyZ' "${URL}stats"
expect_code 401
http -H 'Authorization: Bearer abcdefghijklmnopqrstuvwxyz' "${URL}stats"
expect_code 200
# the scheme's name in any case (RFC 7235)
http -H 'Authorization: bearer abcdefghijklmnopqrstuvwxyz' "${URL}stats"
expect_code 200
# the token given twice, or beside a wrong one: which one a proxy in
# front reads is not known, so neither is taken (the first one was)
for pair in 'right x' 'x right' 'right right'; do
    set -- $pair
    [ "$1" = right ] && set -- abcdefghijklmnopqrstuvwxyz "$2"
    [ "$2" = right ] && set -- "$1" abcdefghijklmnopqrstuvwxyz
    http -H "Authorization: Bearer $1" -H "Authorization: Bearer $2" \
        "${URL}stats"
    expect_code 400
    expect_out '{"error":"more than one Authorization header","status":400}'
done
# a name in another case is the same name (RFC 9110, 5.1)
http -H 'Authorization: Bearer abcdefghijklmnopqrstuvwxyz' \
    -H 'authorization: Bearer x' "${URL}stats"
expect_code 400
expect_out '{"error":"more than one Authorization header","status":400}'
# a name with white space before its colon, which libmicrohttpd takes
# for another name and a proxy may not (RFC 9112, 5.1): the right token
# beside a wrong one so sent was let in
http -H 'Authorization: Bearer abcdefghijklmnopqrstuvwxyz' \
    -H 'Authorization : Bearer x' "${URL}stats"
expect_code 400
expect_out '{"error":"white space between a header'"'"'s name and its colon","status":400}'
http "${URL}healthz"
expect_code 200
for page in docs openapi.json ""; do
    http "${URL}$page"
    expect_code 200
done
http --data-binary x "${URL}docs"
expect_code 401
# a body sent without the token is never read, to /healthz neither
head -c 3000000 /dev/zero >body.bin
http --data-binary @body.bin "${URL}healthz"
expect_code 401
# without -A there is no preflight to answer
http -X OPTIONS "${URL}stats"
expect_code 401
as_serve_stop
expect_status 0

# the longest token there may be is taken whole, and sent whole (its
# line ended by CR LF)
awk 'BEGIN { while (n++ < 4096) printf "%c", 97 + n % 26; printf "\r\n" }' >long
as_serve_start -k long lib.asx
http -H "Authorization: Bearer $(tr -d '\r' <long)" "${URL}stats"
expect_code 200
http -H "Authorization: Bearer $(head -c 4095 long)" "${URL}stats"
expect_code 401
as_serve_stop
expect_status 0

# with -A and a token, a page of that origin asks first (a preflight,
# without the token) and may then send it
as_serve_start -k token -A https://example.org lib.asx
curl -sS -o /dev/null -D headers -w '%{http_code}' -X OPTIONS \
    -H 'Origin: https://example.org' \
    -H 'Access-Control-Request-Method: GET' \
    -H 'Access-Control-Request-Headers: authorization' "${URL}stats" >code
[ "$(cat code)" = 204 ] || fail "preflight: $(cat code)"
tr -d '\r' <headers >h
grep -qx 'Access-Control-Allow-Origin: https://example.org' h || fail "origin: $(cat h)"
grep -qix 'Access-Control-Allow-Headers: Authorization, Content-Type' h ||
    fail "headers: $(cat h)"
grep -qix 'Access-Control-Allow-Methods: GET, HEAD, POST' h || fail "methods: $(cat h)"
# its script may read the version of the ids an answer holds
curl -sS -o /dev/null -D headers -H 'Origin: https://example.org' \
    -H 'Authorization: Bearer abcdefghijklmnopqrstuvwxyz' "${URL}stats"
tr -d '\r' <headers >h
grep -qix 'Access-Control-Expose-Headers: X-As-Generation' h ||
    fail "exposed headers: $(cat h)"
as_serve_generation
grep -qix "X-As-Generation: $GEN" h || fail "generation: $(cat h)"
as_serve_stop
expect_status 0

# 409: an index of columns this version cannot extract
cut -f 1-20 lib.tsv | as-index -q -o cols.asx
as_serve_start cols.asx
http -F "file=@$K" "${URL}search"
expect_code 409
http "${URL}search?path=$K&k=2"
expect_code 200
as_serve_stop
expect_status 0

# An upload goes to a temporary file for the decoder: one that cannot be
# made is a 500 that names the folder, with the reason in the log too
saved_tmpdir=${TMPDIR-}
export TMPDIR="$T/none"
as_serve_start lib.asx
if [ -n "$saved_tmpdir" ]; then TMPDIR=$saved_tmpdir; else unset TMPDIR; fi
http --data-binary @"$FIX/kick_44k1.flac" "${URL}search"
expect_code 500
expect_out '{"error":"upload: a temporary file in '"$T"'/none (TMPDIR): No such file or directory","status":500}'
grep -q "^as-serve: upload: a temporary file in $T/none (TMPDIR): No such file or directory\$" "$T/serve.err" ||
    fail "the 500's reason not in the log: $(cat "$T/serve.err")"
as_serve_stop
expect_status 0
