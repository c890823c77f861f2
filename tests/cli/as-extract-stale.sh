#!/bin/sh
# SPDX-License-Identifier: MIT
# -U with -r: a file the index holds that is no longer audio (emptied,
# overwritten with text) fails as a named file does, whatever the
# spelling of its folder, instead of being skipped like the other files
# that are not audio, which left its entry in the index, with the
# features of what it was, without a word; a file that is not audio and
# that the index does not hold is still skipped silently.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
mkdir -p lib/kicks
cp "$FIX/kick_44k1.flac" "$FIX/real_bd_808_44k1.wav" lib/kicks/
cp "$FIX/sine440_44k1.wav" lib/
echo "not audio" >lib/README.txt
as-extract -r lib | as-index -o lib.asx
as-index -H -d lib.asx | cut -f 1 >paths.want
cp lib.asx saved.asx

# Emptied: a failure, exit 1; no row, so no header either (as for any
# run that wrote no row and had a failure)
: >lib/kicks/kick_44k1.flac
run as-extract -r -U lib.asx lib
expect_status 1
expect_err "as-extract: lib/kicks/kick_44k1.flac: empty file"
expect_out_empty
# -v still tells the file the index does not hold from it
run as-extract -v -r -U lib.asx lib
expect_status 1
expect_err "as-extract: lib.asx: left out 2 unchanged files" \
    "as-extract: lib/README.txt: skipped: not audio" \
    "as-extract: lib/kicks/kick_44k1.flac: empty file" \
    "as-extract: lib.asx: reused the features of 0 moved files"
# -q: said nowhere, but the status counts it
run as-extract -q -r -U lib.asx lib
expect_status 1
expect_no_err
# the folder spelt otherwise finds the entry all the same
for dir in ./lib "$T/lib/"; do
    run as-extract -r -U lib.asx "$dir"
    expect_status 1
    grep -q "^as-extract: .*lib/kicks/kick_44k1.flac: empty file$" "$T/err" ||
        fail "-U with $dir: $(cat "$T/err")"
done
# without -U, or with an index that does not hold it, it is skipped
run as-extract -r lib
expect_status 0
expect_no_err
as-extract -r lib/kicks/real_bd_808_44k1.wav | as-index -o other.asx
run as-extract -r -U other.asx lib
expect_status 0
expect_no_err

# Overwritten with text
echo "not audio either" >lib/kicks/kick_44k1.flac
run as-extract -r -U lib.asx lib
expect_status 1
expect_err "as-extract: lib/kicks/kick_44k1.flac: unsupported format"

# The nightly pipeline: the failure reaches as-index, which indexes
# nothing and prunes nothing; the entry stays, and is not a deleted file
run sh -c 'as-extract -r -U lib.asx lib | as-index -u lib.asx -p'
expect_status 1
expect_err "as-extract: lib/kicks/kick_44k1.flac: unsupported format" \
    "as-index: stdin: empty: no stream header" \
    "as-index: lib.asx: nothing pruned after the input errors above" \
    "as-index: lib.asx: added 0, changed 0, unchanged 0, removed 0, failed 1"
cmp -s saved.asx lib.asx || fail "the index changed"
# with a new file beside it: the new row is indexed, the failure said
cp "$FIX/hihat_48k.wav" lib/
run sh -c 'as-extract -r -U lib.asx lib | as-index -u lib.asx'
expect_status 0
expect_err "as-extract: lib/kicks/kick_44k1.flac: unsupported format" \
    "as-index: lib.asx: added 1, changed 0, unchanged 0, removed 0, failed 0"

# Audio again: a changed entry, and no more failure
cp "$FIX/n22k_kick.wav" lib/kicks/kick_44k1.flac
run sh -c 'as-extract -r -U lib.asx lib | as-index -u lib.asx -p'
expect_status 0
expect_err "as-index: lib.asx: added 0, changed 1, unchanged 0, removed 0, failed 0"
# Deleted: -p drops the entry
: >lib/kicks/kick_44k1.flac
run as-extract -r -U lib.asx lib
expect_status 1
rm lib/kicks/kick_44k1.flac
run sh -c 'as-extract -r -U lib.asx lib | as-index -u lib.asx -p'
expect_status 0
expect_err "as-index: lib.asx: added 0, changed 0, unchanged 0, removed 1, failed 0"
as-index -H -d lib.asx | cut -f 1 | grep -q kick_44k1 &&
    fail "the deleted file's entry is still there"
exit 0
