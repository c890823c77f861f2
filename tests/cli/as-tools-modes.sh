#!/bin/sh
# SPDX-License-Identifier: MIT
# A file a tool replaces keeps its owner, group and permission bits,
# whatever the umask of the run (a cron job's is not the owner's): an
# index written whole, its delta segment, its approximate index, and any
# -o output. A new segment or INDEX.ann takes the index's; another new
# file, the umask's.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder -7
as_synthetic_tsv 200 8 3 >all.tsv
head -n 191 all.tsv >base.tsv # 190 entries: 10 more go to a segment
{
    head -n 1 all.tsv
    tail -n 10 all.tsv
} >more.tsv

mode() {
    stat -c %a "$1"
}
want_mode() { # file mode what
    [ "$(mode "$1")" = "$2" ] || fail "$3: $1 is $(mode "$1"), want $2"
}

umask 022
as-index -q -o lib.asx base.tsv
want_mode lib.asx 644 "a new index"
chmod 640 lib.asx
(
    umask 077
    # a segment beside the index: new, so the base's bits
    as-index -q -u lib.asx more.tsv || fail "as-index -u"
    [ -f lib.asx.seg ] || fail "as-index -u wrote no segment"
    want_mode lib.asx.seg 640 "a new segment"
    # the index written whole over the old one
    as-index -q -o lib.asx all.tsv || fail "as-index -o"
    want_mode lib.asx 640 "an index replaced"
    chmod 604 lib.asx
    as-index -q merge -o lib.asx lib.asx || fail "as-index merge"
    want_mode lib.asx 604 "an index merged over itself"
    if [ "${AS_WITH_APPROX-}" = ON ]; then
        as-index -q -a lib.asx || fail "as-index -a"
        want_mode lib.asx.ann 604 "a new approximate index"
        chmod 600 lib.asx.ann
        as-index -q -a lib.asx || fail "as-index -a again"
        want_mode lib.asx.ann 600 "an approximate index replaced"
    fi
    # -o of the other tools
    as-extract -q -r -o feats.tsv samples/kicks || fail "as-extract -o"
    want_mode feats.tsv 600 "a new output (umask 077)"
    chmod 664 feats.tsv
    as-extract -q -r -o feats.tsv samples/kicks || fail "as-extract -o again"
    want_mode feats.tsv 664 "an output replaced"
    as-map -q -m pca -o map.tsv lib.asx || fail "as-map -o"
    chmod 644 map.tsv
    as-map -q -m pca -o map.tsv lib.asx || fail "as-map -o again"
    want_mode map.tsv 644 "as-map's output replaced"
)

# Another user's file (root only: the test needs two users). Root keeps
# the owner and the bits; a user who cannot keep the owner keeps the
# umask's bits, since the old ones (0600) would shut the owner out.
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null 2>&1; then
    echo "note: not root; the owner of a replaced file not checked" >&2
    exit 0
fi
nobody() {
    setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}
chmod 711 "$T" # mktemp -d made it 0700
if ! nobody test -x "$AS_BIN/as-map"; then
    echo "note: the tools are out of another user's reach; not checked" >&2
    exit 0
fi
mkdir shared
chmod 777 shared
cp map.tsv shared/theirs.tsv
chown 65534:65534 shared/theirs.tsv
chmod 600 shared/theirs.tsv
(umask 022 && as-map -q -m pca -o shared/theirs.tsv lib.asx) ||
    fail "as-map -o as root"
[ "$(stat -c %u:%g:%a shared/theirs.tsv)" = 65534:65534:600 ] ||
    fail "root replaced another's file: $(stat -c %u:%g:%a shared/theirs.tsv)"
nobody sh -c 'head -c 1 shared/theirs.tsv >/dev/null' ||
    fail "the owner cannot read the file root replaced"
cp map.tsv shared/roots.tsv
chmod 600 shared/roots.tsv
chmod 644 lib.asx
nobody sh -c "umask 022 && '$AS_BIN/as-map' -q -m pca -o shared/roots.tsv \
    lib.asx" || fail "as-map -o as another user"
[ "$(stat -c %u:%a shared/roots.tsv)" = 65534:644 ] ||
    fail "a user replaced root's file: $(stat -c %u:%a shared/roots.tsv)"
