#!/bin/sh
# SPDX-License-Identifier: MIT
# as-map's failures: bad options, bad indexes, pictures that cannot be
# written (no partial file left), a full disk; --help, --version and the
# man page's options.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
usage="$(as_usage as-map)"
HINT="Try 'as-map --help'."

awk 'BEGIN {
    OFS = "\t"; print "path", "label", "duration_s", "f1", "f2"
    for (i = 0; i < 12; i++) print "d/" i ".wav", "l" (i % 3), "0.500000", i, i % 5
}' >lib.tsv
as-index -o lib.asx lib.tsv

# --help, --version, the man page
run as-map --help
expect_status 0
expect_no_err
[ "$(sed '/^$/q' "$T/out" | sed '$d')" = "$usage" ] ||
    fail "--help: $(head -n 3 "$T/out")"
run as-map -V
expect_status 0
grep -qx 'as-map [0-9]*\.[0-9]*\.[0-9]*' "$T/out" || fail "--version: $(cat "$T/out")"
as_check_man_options as-map

# Usage errors: status 2, the reason, the usage, the hint; nothing written.
usage_error() {
    _msg=$1
    shift
    run as-map "$@"
    expect_status 2
    expect_err "as-map: $_msg" "$usage" "$HINT"
    expect_out_empty
}
usage_error "no index given"
usage_error "one index at a time" lib.asx lib.asx
usage_error "-w can be given only once" -w a.html -w b.html lib.asx
usage_error "-m: 'mds' is not tsne, umap or pca" -m mds lib.asx
usage_error "-d: 4 is out of range (2 to 3)" -d 4 lib.asx
usage_error "-d: '2x' is not an integer" -d 2x lib.asx
usage_error "-p: 0 is out of range (1 to 1e+06)" -p 0 lib.asx
usage_error "-a: 2 is out of range (0 to 1)" -a 2 lib.asx
usage_error "-i: 10 is out of range (250 to 1000000)" -i 10 lib.asx
usage_error "-j: 0 is out of range (1 to 1024)" -j 0 lib.asx
usage_error "-k: -1 is out of range (0 to 1000)" -k -1 -w m.html lib.asx
usage_error "-r: -1 is out of range (0 to 9223372036854775807)" -r -1 lib.asx
usage_error "-c: 'size' is not label, cluster, anomaly or kind" -c size -s m.svg lib.asx
usage_error "-a, -i and -p go with -m tsne" -m pca -p 5 lib.asx
usage_error "-a, -i and -p go with -m tsne" -m umap -i 300 lib.asx
usage_error "-r goes with -m tsne or umap" -m pca -r 1 lib.asx
usage_error "-c goes with -s or -w" -c cluster lib.asx
# the pictures alone print no coordinates for -H, -J or -z to shape
usage_error "-J goes with the coordinates: with -s or -w, give -o too" -J -s m.svg lib.asx
usage_error "-H goes with the coordinates: with -s or -w, give -o too" -H -w m.html lib.asx
usage_error "-z goes with the coordinates: with -s or -w, give -o too" -z -s m.svg -w m.html lib.asx
usage_error "-k goes with -w" -k 5 -s m.svg lib.asx
usage_error "-o, -s and -w need different files" -s m.svg -w m.svg lib.asx
# ... however they are spelt, there or not yet, through a link too
usage_error "-o, -s and -w need different files" -o x.out -s ./x.out lib.asx
echo keep >x.out
ln -s x.out x.link
usage_error "-o, -s and -w need different files" -o x.out -w x.link lib.asx
[ "$(cat x.out)" = keep ] || fail "a refused run wrote x.out"
# a link to a file not there yet is that file; - is standard output
ln -s later.out dangling
usage_error "-o, -s and -w need different files" -o dangling -s later.out lib.asx
[ ! -e later.out ] || fail "a refused run wrote later.out"
usage_error "-o, -s and -w need different files" -o /dev/stdout -s - lib.asx
usage_error "-o, -s and -w need different files" -s - -w /dev/fd/1 lib.asx
# nor is any of them the index
cp lib.asx saved.asx
usage_error "-o lib.asx would write over an input; write to another file" \
    -o lib.asx lib.asx
usage_error "-w ./lib.asx would write over an input; write to another file" \
    -w ./lib.asx lib.asx
ln -s lib.asx lib.link
usage_error "-s lib.link would write over an input; write to another file" \
    -s lib.link lib.asx
# nor another index: only as-index replaces one
cp lib.asx other.asx
usage_error "-s other.asx is an index, which only as-index replaces; write to another file" \
    -s other.asx lib.asx
usage_error "-o other.asx is an index, which only as-index replaces; write to another file" \
    -o other.asx lib.asx
cmp -s saved.asx other.asx || fail "a refused run wrote over another index"
# nor an index's segment (as-index -u) or approximate graph (-a), which
# every tool reads with it
as-index -d other.asx | awk -F '\t' -v OFS='\t' 'NR == 1 { print; next }
    NR == 2 { $2 = "relabelled"; print }' >relabel.tsv
as-index -q -u other.asx relabel.tsv
if [ "${AS_WITH_APPROX-}" = ON ]; then
    as-index -q -a other.asx
else
    # a build without the graph: one known by its magic alone
    printf '\211ASA\r\n\032\n' >other.asx.ann
fi
[ -f other.asx.seg ] && [ -f other.asx.ann ] || fail "no segment or graph made"
cp other.asx.seg saved.seg
cp other.asx.ann saved.ann
usage_error "-s other.asx.seg is an index's segment, which only as-index replaces; write to another file" \
    -s other.asx.seg lib.asx
usage_error "-w other.asx.ann is an index's approximate graph, which only as-index replaces; write to another file" \
    -w other.asx.ann lib.asx
# nor the name of one not there yet, which every reader would take for
# the index's own (it was written, and the index unreadable after)
for opt in o s w; do
    for ext in seg ann; do
        what=segment
        [ $ext = ann ] && what="approximate graph"
        usage_error "-$opt lib.asx.$ext is where the index lib.asx keeps its $what, which only as-index writes; write to another file" \
            -$opt lib.asx.$ext lib.asx
        [ ! -e lib.asx.$ext ] || fail "-$opt lib.asx.$ext was written"
    done
done
cmp -s saved.seg other.asx.seg || fail "a refused run wrote over a segment"
cmp -s saved.ann other.asx.ann || fail "a refused run wrote over a graph"
cmp -s saved.asx lib.asx || fail "a refused run wrote over the index"
run as-map -x lib.asx
expect_status 2
expect_err "as-map: unknown option -x" "$usage" "$HINT"
[ ! -e m.svg ] && [ ! -e m.html ] || fail "a picture after a usage error"

# Bad indexes: status 1, one line naming the file, nothing written.
bad_index() {
    _msg=$1
    shift
    run as-map -s bad.svg -w bad.html "$@"
    expect_status 1
    expect_err "as-map: $_msg"
    expect_out_empty
    [ ! -e bad.svg ] && [ ! -e bad.html ] || fail "a picture of a bad index"
    run as-map "$@"
    expect_status 1
    expect_out_empty
}
bad_index "missing.asx: No such file or directory" missing.asx
bad_index "lib.tsv: not an index" lib.tsv
mkdir dir.asx
bad_index "dir.asx: Is a directory" dir.asx
head -c 16 lib.asx >short.asx
bad_index "short.asx: corrupt index" short.asx
head -c $(($(wc -c <lib.asx) / 2)) lib.asx >half.asx
bad_index "half.asx: corrupt index" half.asx
cp lib.asx flipped.asx
printf 'X' | dd of=flipped.asx bs=1 seek=40 conv=notrunc 2>/dev/null
bad_index "flipped.asx: index is damaged (checksum mismatch)" flipped.asx
: >empty.asx
bad_index "empty.asx: not an index" empty.asx

# Pictures that cannot be written: the reason, status 1, no file left
# behind (not even the temporary one).
run as-map -m pca -s nodir/map.svg lib.asx
expect_status 1
expect_err "as-map: nodir/map.svg: No such file or directory"
run as-map -m pca -w nodir/map.html lib.asx
expect_status 1
expect_err "as-map: nodir/map.html: No such file or directory"
run as-map -m pca -o nodir/map.tsv lib.asx
expect_status 1
expect_err "as-map: nodir/map.tsv: No such file or directory"
mkdir ro
echo old >ro/map.svg
chmod 555 ro
if ! (: >ro/probe) 2>/dev/null; then
    run as-map -m pca -s ro/map.svg lib.asx
    expect_status 1
    expect_err "as-map: ro/map.svg: Permission denied"
    [ "$(cat ro/map.svg)" = old ] || fail "the old picture changed"
else
    rm -f ro/probe
    echo "note: running as root; read-only folder not checked" >&2
fi
[ "$(ls ro)" = map.svg ] || fail "a temporary file left: $(ls ro)"
chmod 755 ro
# a picture that exists is replaced whole
echo old >map.svg
as-map -m pca -s map.svg lib.asx
[ "$(grep -c '<circle' map.svg)" -eq 12 ] || fail "replaced"
[ "$(ls -A | grep -c '\.tmp-')" -eq 0 ] || fail "temporary files left"

# A full disk.
if [ -w /dev/full ]; then
    run as-map -m pca lib.asx
    expect_status 0
    set +e
    as-map -m pca lib.asx >/dev/full 2>"$T/err"
    status=$?
    set -e
    expect_status 1
    expect_err "as-map: stdout: No space left on device"
    set +e
    as-map -q -J lib.asx >/dev/full 2>"$T/err"
    status=$?
    set -e
    expect_status 1
    expect_err "as-map: stdout: No space left on device"
    # a file beside a lost stdout stays as it was: all or none
    echo old >coords.tsv
    set +e
    as-map -m pca -q -o coords.tsv -s - lib.asx >/dev/full 2>"$T/err"
    status=$?
    set -e
    expect_status 1
    expect_err "as-map: stdout: No space left on device"
    [ "$(cat coords.tsv)" = old ] || fail "-o replaced beside a lost stdout"
    [ "$(ls -A | grep -c '\.tmp-')" -eq 0 ] || fail "temporary files left"
fi

# Three outputs on a file system that fills up (as root, where a small
# one can be mounted): each says why, the first's failure freeing its
# room before the others had told theirs gave "Input/output error".
mkdir full
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=48k tmpfs full 2>/dev/null; then
    trap 'umount "$T/full" 2>/dev/null || true; rm -rf "$T"' EXIT
    awk 'BEGIN {
        OFS = "\t"; print "path", "label", "duration_s", "f1", "f2"
        for (i = 0; i < 300; i++) print "d/" i ".wav", "l" (i % 3), "0.5", i, i % 5
    }' | as-index -q -o big.asx
    run as-map -m pca -o full/m.tsv -s full/m.svg -w full/m.html big.asx
    expect_status 1
    grep -q 'No space left on device' "$T/err" || fail "no ENOSPC: $(cat "$T/err")"
    grep -v ': No space left on device$' "$T/err" >other || true
    [ ! -s other ] || fail "another reason: $(cat other)"
    [ -z "$(ls -A full)" ] || fail "left in the full file system: $(ls -A full)"
    umount full
    trap 'rm -rf "$T"' EXIT
fi

# | head: ends quietly
as-map -m pca lib.asx | head -n 1 >first
[ "$(cat first)" = "path	label	cluster	anomaly	x	y" ] || fail "| head"
