#!/bin/sh
# SPDX-License-Identifier: MIT
# -p finds the entry however the user spells its path: as stored, with
# "./", repeated slashes or "dir/..", absolute for a relative stored
# path and relative for an absolute one, and an entry whose stored path
# is itself spelt with "//" or "/./".
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
P=$(pwd -P) # as getcwd(3) gives it
as_sample_folder -7
as-extract -r samples >rel.tsv
as-index -o rel.asx rel.tsv
as-extract -r "$P/samples" >abs.tsv
as-index -o abs.asx abs.tsv

# The kick's nearest other entry, from the path as stored.
run as-search -H -k 1 -p samples/kicks/kick_44k1.flac rel.asx
expect_status 0
expect_no_err
want=$(cut -f 3- "$T/out")
[ -n "$want" ] || fail "no result"

for p in ./samples/kicks/kick_44k1.flac samples//kicks/./kick_44k1.flac \
    samples/hats/../kicks/kick_44k1.flac "$P/samples/kicks/kick_44k1.flac" \
    "$P/./samples/kicks//kick_44k1.flac" \
    "../$(basename "$P")/samples/kicks/kick_44k1.flac"; do
    run as-search -H -k 1 -p "$p" rel.asx
    expect_status 0
    expect_no_err
    # the query is named as typed; the results are the same
    [ "$(cut -f 1 "$T/out")" = "$p" ] || fail "$p: query name"
    [ "$(cut -f 3- "$T/out")" = "$want" ] || fail "$p: $(cat "$T/out")"
done

# An index of absolute paths, queried by a relative one.
run as-search -H -k 1 -p samples/kicks/kick_44k1.flac abs.asx
expect_status 0
expect_no_err
[ "$(cut -f 3 "$T/out")" = "$P/$(printf '%s\n' "$want" | cut -f 1)" ] ||
    fail "absolute index: $(cat "$T/out")"

# From another directory: a relative path is taken from there (an exact
# match with a stored path still comes first).
mkdir elsewhere
cd elsewhere
run as-search -H -k 1 -p ../samples/kicks/kick_44k1.flac ../rel.asx
expect_status 1
expect_out_empty
expect_err "as-search: ../samples/kicks/kick_44k1.flac: not in the index"
run as-search -H -k 1 -p ../samples/kicks/kick_44k1.flac ../abs.asx
expect_status 0
expect_no_err
[ "$(cut -f 3 "$T/out")" = "$P/$(printf '%s\n' "$want" | cut -f 1)" ] ||
    fail "elsewhere: $(cat "$T/out")"
run as-search -H -k 1 -p samples/kicks/kick_44k1.flac ../rel.asx
expect_status 0
expect_no_err

# Paths stored spelt otherwise (as-extract -r walks the folder as it was
# typed): found from the plain path, relative or absolute; the folder
# label is the folder's name.
cd "$T"
for root in samples//kicks samples/kicks/. samples/kicks// "$P/samples/./kicks"; do
    as-extract -r "$root" >odd.tsv
    as-index -o odd.asx odd.tsv
    stored=$(cut -f 1 odd.tsv | grep kick_44k1)
    case $stored in
    *//* | */./*) ;;
    *) fail "$root: stored as $stored" ;;
    esac
    for p in samples/kicks/kick_44k1.flac "$P/samples/kicks/kick_44k1.flac"; do
        run as-search -H -k 1 -p "$p" odd.asx
        expect_status 0
        expect_no_err
        [ "$(cut -f 1 "$T/out")" = "$p" ] || fail "$root, $p: $(cat "$T/out")"
    done
    run as-search -H -L odd.asx
    [ "$(cut -f 2 "$T/out" | sort -u)" = kicks ] ||
        fail "$root: labels $(cut -f 1,2 "$T/out")"
done
run as-search -H -k 1 -p samples/kicks/nothere.flac odd.asx
expect_status 1
expect_err "as-search: samples/kicks/nothere.flac: not in the index"

# From a folder reached through a symbolic link the current directory is
# the one the shell names (PWD), as as-extract stored "$PWD/samples"
# there; getcwd(3) gave the physical one, and neither spelling matched.
cd "$T"
ln -s . via
cd via
as-extract -r "$PWD/samples" >via.tsv
as-index -o via.asx via.tsv
run as-search -H -k 1 -p samples/kicks/kick_44k1.flac via.asx
expect_status 0
expect_no_err
run as-search -H -k 1 -p "$PWD/samples/kicks/kick_44k1.flac" rel.asx
expect_status 0
expect_no_err
# a PWD that is not the current directory is not believed
run env PWD=/nonexistent as-search -H -k 1 -p "$P/samples/kicks/kick_44k1.flac" rel.asx
expect_status 0
expect_no_err
# A stored "../" from such a folder leads where the kernel goes, past the
# link: an absolute path is found by the physical directory too.
cd "$T"
mkdir -p deep/a/lib deep/kit
cp samples/kicks/kick_44k1.flac deep/kit/x.flac
cp samples/hats/hihat_48k.wav deep/kit/y.wav
ln -s a/lib deep/l
cd deep/l
as-extract ../../kit/x.flac ../../kit/y.wav | as-index -o up.asx
run as-search -H -k 1 -p "$P/deep/kit/x.flac" up.asx
expect_status 0
expect_no_err
[ "$(cut -f 3 "$T/out")" = ../../kit/y.wav ] || fail "past a link: $(cat "$T/out")"
