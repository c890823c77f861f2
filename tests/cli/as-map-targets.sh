#!/bin/sh
# SPDX-License-Identifier: MIT
# -o, -s and -w to something that is not a regular file: /dev/null (as
# root, a private node of it) and a
# FIFO are written directly and stay what they are, /dev/full reports
# the full disk, a symbolic link is followed and stays.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder -7
as-extract -r samples | as-index -o lib.asx
as-map -m pca lib.asx >want.tsv

as_dev_nodes || echo "note: mknod refused; device cases skipped" >&2
for opt in -o -s -w; do
    if [ -n "${null-}" ]; then
        run as-map -m pca $opt "$null" lib.asx
        expect_status 0
        expect_no_err
        [ -c "$null" ] || fail "$opt: $null is no longer a character device"
    fi
    if [ -n "${full-}" ]; then
        run as-map -m pca $opt "$full" lib.asx
        expect_status 1
        expect_err "as-map: $full: No space left on device"
        [ -c "$full" ] || fail "$opt: $full is no longer a character device"
    fi

    mkfifo fifo
    cat fifo >got &
    reader=$!
    run as-map -m pca $opt fifo lib.asx
    expect_status 0
    expect_no_err
    wait "$reader"
    [ -p fifo ] || fail "$opt: the FIFO was replaced"
    [ -s got ] || fail "$opt: nothing came through the FIFO"
    rm fifo

    mkdir -p real
    rm -f real/* link
    echo old >real/file
    ln -s real/file link
    run as-map -m pca $opt link lib.asx
    expect_status 0
    expect_no_err
    [ -L link ] || fail "$opt: the symbolic link was replaced"
    cmp -s got real/file || fail "$opt: the link's target differs from the FIFO's output"
    [ "$(ls real)" = file ] || fail "$opt: files left: $(ls real)"
done
as-map -m pca -o link lib.asx
cmp -s want.tsv real/file || fail "-o through a link: other coordinates"

# Several files: all are put in place, or none. A picture that cannot be
# written (a directory, a full device) leaves the coordinates, and the
# other picture, as they were, and no temporary file beside them.
echo old >coords.tsv
echo old >pic.svg
mkdir -p dir
for bad in dir ${full-}; do
    run as-map -m pca -o coords.tsv -s pic.svg -w "$bad" lib.asx
    expect_status 1
    [ "$(cat coords.tsv)" = old ] || fail "-w $bad failed: -o replaced"
    [ "$(cat pic.svg)" = old ] || fail "-w $bad failed: -s replaced"
    ls -a | grep -q '\.tmp-' && fail "-w $bad failed: temporary file left"
done
run as-map -m pca -o coords.tsv -s pic.svg lib.asx
expect_status 0
cmp -s want.tsv coords.tsv || fail "-o with -s: other coordinates"
grep -q '^<svg' pic.svg || fail "-s with -o: no SVG"
