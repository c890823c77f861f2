#!/bin/sh
# SPDX-License-Identifier: MIT
# A replaced index the server may not read is refused, the old one kept,
# and it is opened as soon as a chmod lets the server read it: a chmod
# changes neither the inode, the size nor the modification time by which
# the server tells the files it failed to open.
. "$AS_SRC/tests/cli/lib.sh"

# as root the server runs as nobody, whom a chmod shuts out
if [ "$(id -u)" -eq 0 ]; then
    if ! command -v setpriv >/dev/null 2>&1; then
        echo "note: root without setpriv; permissions not checked" >&2
        exit 0
    fi
    chmod 711 "$T" # mktemp -d made it 0700
    if ! setpriv --reuid=65534 --regid=65534 --clear-groups \
        test -x "$AS_BIN/as-serve"; then
        echo "note: as-serve is out of another user's reach; not checked" >&2
        exit 0
    fi
    mkdir "$T/bin"
    cat >"$T/bin/as-serve" <<EOF
#!/bin/sh
exec setpriv --reuid=65534 --regid=65534 --clear-groups "$AS_BIN/as-serve" "\$@"
EOF
    chmod 755 "$T/bin/as-serve"
    PATH="$T/bin:$PATH"
fi

cd "$T"
as_sample_folder -7
as-extract -r samples/kicks samples/hats >a.tsv
as-extract -r samples/tones samples/loops >b.tsv
as-index -o lib.asx a.tsv
as-index -o new.asx b.tsv
chmod 755 .
chmod 644 lib.asx
as_serve_start lib.asx
as_serve_generation
g1=$GEN

# a chmod of the index served is no new index: nothing opened again
# (the server looks once a second; two looks' time)
chmod 600 lib.asx
chmod 644 lib.asx
sleep 2.5
http "${URL}healthz"
expect_out "{\"status\":\"ok\",\"entries\":3,\"generation\":$g1}"
if grep -v '^as-serve: 127\.0\.0\.1 ' "$T/serve.err" | grep -q .; then
    fail "after a chmod: $(cat "$T/serve.err")"
fi

# renamed in, but unreadable: refused, the old index kept
chmod 000 new.asx
mv new.asx lib.asx
wait_for "the warning" grep -q '^as-serve: keeping the indexes opened before$' \
    "$T/serve.err"
grep -q '^as-serve: lib.asx: Permission denied$' "$T/serve.err" ||
    fail "warning: $(cat "$T/serve.err")"
http "${URL}healthz"
expect_code 200
expect_out "{\"status\":\"ok\",\"entries\":3,\"generation\":$g1}"

# made readable: opened at the next look, without SIGHUP
chmod 644 lib.asx
new_index() {
    http "${URL}healthz"
    grep -q '"entries":4,' "$T/out"
}
wait_for "the index made readable" new_index
expect_out "{\"status\":\"ok\",\"entries\":4,\"generation\":$((g1 + 1))}"
[ "$(grep -c '^as-serve: keeping the indexes opened before$' "$T/serve.err")" \
    -eq 1 ] || fail "warned again: $(cat "$T/serve.err")"

as_serve_stop
expect_status 0

# The same for a delta segment added beside the index, and for an
# approximate graph replaced alone (with -a): each is told apart by its
# own change time. Forty entries, so that one more goes to a segment.
as_synthetic_tsv 41 8 1 >all.tsv
head -n 41 all.tsv | as-index -q -o syn.asx
mkdir side
chmod 755 side
cp syn.asx side/syn.asx
as-index -q -u side/syn.asx all.tsv
[ -f side/syn.asx.seg ] || fail "no segment written"
as-index -q -a syn.asx
cp syn.asx side/ann.asx
as-index -q -a side/ann.asx -M 8
cmp -s syn.asx.ann side/ann.asx.ann && fail "the same graph twice"

# refused, kept, then opened when a chmod makes it readable; $1 the
# option, $2 the file served, $3 its new copy, $4 the entries after
readable_after_chmod() {
    rm -f "$T/serve.err"
    as_serve_start $1 syn.asx
    as_serve_generation
    g1=$GEN
    chmod 000 "$3"
    mv "$3" "$2"
    wait_for "the warning about $2" grep -q \
        '^as-serve: keeping the indexes opened before$' "$T/serve.err"
    sleep 1.5 # a look or two later: still the old one
    http "${URL}healthz"
    expect_out "{\"status\":\"ok\",\"entries\":40,\"generation\":$g1}"
    chmod 644 "$2"
    wait_for "$2 made readable" entries_are "$4" $((g1 + 1))
    [ "$(grep -c '^as-serve: keeping the indexes opened before$' \
        "$T/serve.err")" -eq 1 ] || fail "warned again: $(cat "$T/serve.err")"
    as_serve_stop
    expect_status 0
}
entries_are() {
    http "${URL}healthz"
    [ "$(cat "$T/out")" = \
        "{\"status\":\"ok\",\"entries\":$1,\"generation\":$2}" ]
}
readable_after_chmod "" syn.asx.seg side/syn.asx.seg 41
rm syn.asx.seg
readable_after_chmod -a syn.asx.ann side/ann.asx.ann 40
exit 0
