#!/bin/sh
# SPDX-License-Identifier: MIT
# The nightly update run with the folder spelt otherwise than when the
# index was built (./lib, lib/., $PWD/lib for lib): as-extract -U leaves
# the files out as unchanged, and as-index -u takes a row of such a file
# as its entry, under the path stored; never a second entry of one file,
# a new file given twice in one run spelt two ways included, with -u as
# with -o. merge takes paths as stored.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
mkdir -p lib/a lib/b
for f in 220 330; do mksignal -d 0.3 sine:$f lib/a/t$f.wav; done
for f in 440 550; do mksignal -d 0.3 -a 0.5 sine:$f lib/b/s$f.wav; done
as-extract -r lib | as-index -o lib.asx
as-index -H -d lib.asx | cut -f 1 >paths.want

# as-extract -U: every spelling finds the entries (the header alone)
for dir in ./lib lib/. "$T/lib" "$T/./lib/"; do
    run as-extract -v -r -U lib.asx "$dir"
    expect_status 0
    [ "$(wc -l <"$T/out")" -eq 1 ] || fail "-U with $dir: rows written"
    grep -q "^as-extract: lib.asx: left out 4 unchanged files$" "$T/err" ||
        fail "-U with $dir: $(cat "$T/err")"
done

# as-index -u: rows of the same files, spelt otherwise, are their entries
# (unchanged), and -p finds nothing gone
for dir in ./lib lib/. "$T/lib"; do
    run sh -c "as-extract -r '$dir' | as-index -u lib.asx -p"
    expect_status 0
    expect_err "as-index: lib.asx: added 0, changed 0, unchanged 4, removed 0, failed 0"
    as-index -H -d lib.asx | cut -f 1 | cmp -s paths.want - ||
        fail "-u with $dir: $(as-index -H -d lib.asx | cut -f 1)"
done

# A file changed meanwhile: its entry changes, under the stored path
mksignal -d 0.4 sine:225 lib/a/t220.wav
run sh -c 'as-extract -r -U lib.asx ./lib | as-index -u lib.asx -p'
expect_status 0
expect_err "as-index: lib.asx: added 0, changed 1, unchanged 0, removed 0, failed 0"
as-index -H -d lib.asx | cut -f 1 | cmp -s paths.want - || fail "changed"
[ "$(as-search -H -L -t 0.35: lib.asx | cut -f 1)" = lib/a/t220.wav ] ||
    fail "the change is not in lib/a/t220.wav"

# The same through a whole rewrite (an index with a learnt projection)
as-index -q -L lib.asx
run sh -c "as-extract -r '$T/lib' | as-index -u lib.asx -p"
expect_status 0
expect_err "as-index: lib.asx: added 0, changed 0, unchanged 4, removed 0, failed 0"
as-index -H -d lib.asx | cut -f 1 | cmp -s paths.want - || fail "-u after -L"

# Another file under a name of the same form is not the same file: a
# folder reached through a link is another spelling only lexically
# (link/../lib/a is not lib/a), and a path that names no file matches
# nothing
mkdir -p other/deep
ln -s ../other/deep lib/link
as-extract lib/a/t330.wav |
    sed 's#^lib/a/t330.wav#lib/link/../a/t330.wav#' >link.tsv
run as-index -u lib.asx link.tsv
expect_status 0
expect_err "as-index: lib.asx: added 1, changed 0, unchanged 0, removed 0, failed 0"
as-search -H -L lib.asx | cut -f 1 | grep -qx 'lib/link/../a/t330.wav' ||
    fail "a path through a link taken for the stored one"

# A new file given twice in one run, spelt three ways: one entry, under
# its first spelling (before: three entries of one file); another file
# beside it stays its own
mkdir new
mksignal -d 0.3 sine:660 new/n660.wav
mksignal -d 0.3 sine:770 new/n770.wav
run sh -c "as-extract ./new/n660.wav '$T/new/n660.wav' new/./n660.wav \
    new/n770.wav | as-index -u lib.asx"
expect_status 0
expect_err "as-index: lib.asx: added 2, changed 0, unchanged 2, removed 0, failed 0"
[ "$(as-index -H -d lib.asx | cut -f 1 | grep n660)" = ./new/n660.wav ] ||
    fail "a new file spelt three ways: $(as-index -H -d lib.asx | cut -f 1)"
as-index -H -d lib.asx | cut -f 1 | grep -qx new/n770.wav ||
    fail "another new file taken for the first"

# -o agrees: a file given twice in one stream, spelt three ways (the
# folders kits and ./kits/808, and its absolute path), is one entry,
# under its first spelling (before: three entries of one file)
mkdir -p kits/808 kits/909
mksignal -d 0.3 sine:990 kits/808/kick.wav
mksignal -d 0.3 sine:1100 kits/909/kick.wav
run sh -c "as-extract -r kits ./kits/808 '$T/kits/808/kick.wav' |
    as-index -o kits.asx"
expect_status 0
expect_no_err
as-index -H -d kits.asx | cut -f 1,2 >"$T/kits.got"
printf '%s\t%s\n' kits/808/kick.wav 808 kits/909/kick.wav 909 |
    cmp -s - "$T/kits.got" ||
    fail "-o, a file spelt three ways: $(cat "$T/kits.got")"
# merge compares paths as stored, as the shards of as-search do: an
# index of ./kits/808 merged in keeps its entry beside the first
as-extract -r ./kits/808 | as-index -o k808.asx
as-index merge -o merged.asx kits.asx k808.asx
[ "$(as-index -H -d merged.asx | wc -l)" -eq 3 ] ||
    fail "merge: $(as-index -H -d merged.asx | cut -f 1)"
[ "$(as-search -H -L kits.asx k808.asx | wc -l)" -eq 3 ] ||
    fail "shards: $(as-search -H -L kits.asx k808.asx | cut -f 1)"
# ... and its dump, given to -u, is the entry kits.asx has
run sh -c 'as-index -d k808.asx | as-index -u kits.asx'
expect_status 0
expect_err "as-index: kits.asx: added 0, changed 0, unchanged 1, removed 0, failed 0"

# From a current directory reached through a link, relative paths mean
# one thing to the user ($PWD, through the link) and another to the
# system: an index of absolute paths made from the real folder is found
# from the link's side too
rm lib/link
as-extract -r "$T/lib" | as-index -o abs.asx
as-index -H -d abs.asx | cut -f 1 >abs.want
ln -s . here
cd here
PWD=$T/here
export PWD
run as-extract -v -r -U "$T/abs.asx" lib
expect_status 0
grep -q "^as-extract: $T/abs.asx: left out 4 unchanged files$" "$T/err" ||
    fail "-U from a linked folder: $(cat "$T/err")"
run sh -c "as-extract -r lib | as-index -u '$T/abs.asx'"
expect_status 0
expect_err "as-index: $T/abs.asx: added 0, changed 0, unchanged 4, removed 0, failed 0"
as-index -H -d "$T/abs.asx" | cut -f 1 | cmp -s "$T/abs.want" - ||
    fail "-u from a linked folder: $(as-index -H -d "$T/abs.asx" | cut -f 1)"
# and a new file given from there as a relative path, through the link
# and by its real path, is one entry
mkdir new2
mksignal -d 0.3 sine:880 new2/n880.wav
run sh -c "as-extract new2/n880.wav '$T/here/new2/n880.wav' \
    '$T/new2/n880.wav' | as-index -u '$T/abs.asx'"
expect_status 0
expect_err "as-index: $T/abs.asx: added 1, changed 0, unchanged 2, removed 0, failed 0"
[ "$(as-index -H -d "$T/abs.asx" | cut -f 1 | grep -c n880)" -eq 1 ] ||
    fail "a new file from a linked folder: $(as-index -H -d "$T/abs.asx" | cut -f 1)"

# A folder named through a link other than the current directory's is
# another form, however the same its files: -U extracts them again, and
# -u adds them as new entries, the two agreeing (as-extract(1) -U,
# as-index(1) -u); from the current directory as it is, they are found
cd "$T"
as-extract -r lib | as-index -o alias.asx
ln -s lib alias
run as-extract -v -r -U alias.asx alias
expect_status 0
[ "$(wc -l <"$T/out")" -eq 5 ] || fail "-U through a link: $(cut -f 1 "$T/out")"
grep -q "^as-extract: alias.asx: left out 0 unchanged files$" "$T/err" ||
    fail "-U through a link: $(cat "$T/err")"
run sh -c 'as-extract -r -U alias.asx alias | as-index -u alias.asx'
expect_status 0
expect_err "as-index: alias.asx: added 4, changed 0, unchanged 0, removed 0, failed 0"
run as-extract -v -r -U alias.asx lib
expect_status 0
[ "$(wc -l <"$T/out")" -eq 1 ] || fail "-U with lib: rows written"
