#!/bin/sh
# SPDX-License-Identifier: MIT
# -z, every tool that prints paths: records end with NUL, and paths and
# labels go out as the bytes they are; a TAB, which would split a field,
# leaves its record out with a warning and exit status 1. Without odd
# characters, -z changes nothing but the record ends.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
mkdir -p p/hats p/kicks
cp "$FIX/hihat_48k.wav" "$FIX/noise_white_44k1.wav" p/hats/
cp "$FIX/kick_44k1.flac" "$FIX/real_bd_808_44k1.wav" p/kicks/
as-extract -f bin -r p | as-index -o plain.asx

# The same rows, one NUL after each instead of a newline.
same() {
    run "$@"
    expect_status 0
    tr '\n' '\001' <"$T/out" >want
    name="$1"
    shift
    run "$name" -z "$@"
    expect_status 0
    expect_no_err
    tr '\0\n' '\n\001' <"$T/out" | tr '\n' '\001' >got
    cmp -s want got || fail "$name -z $*: $(tr '\001\0' '\n|' <got)"
}
for j in "" -J; do
    same as-anomaly $j plain.asx
    same as-anomaly -M $j plain.asx
    same as-anomaly -C $j plain.asx
    same as-stats $j plain.asx
done
for j in "" -J; do
    same as-search -L $j plain.asx
    same as-search -k 3 $j plain.asx "$FIX/kick_44k1.flac"
    same as-search -D -e 1 $j plain.asx
done
for j in "" -J; do
    same as-cluster -k 2 $j plain.asx
    same as-cluster -s -k 2 $j plain.asx
    same as-map -m pca $j plain.asx
done
same as-anomaly -H plain.asx
same as-extract -i -r p
same as-extract -C

# A newline and a byte that is not UTF-8 go out raw; the TAB's record
# is left out.
mkdir -p "$(printf 'o/l\nb')"
cp "$FIX/kick_44k1.flac" "$(printf 'o/l\nb/k\377.flac')"
cp "$FIX/hihat_48k.wav" "$(printf 'o/l\nb/t\tb.wav')"
as-extract -f bin -r o | as-index -o odd.asx
nl=$(printf 'o/l\nb/k\377.flac\tl\nb')
run as-anomaly -z -H odd.asx
expect_status 1
expect_err 'as-anomaly: o/l\nb/t\tb.wav: holds a TAB, which -z output cannot carry (use -J); left out'
[ "$(tr '\0' '\n' <"$T/out" | cut -f 1-2 | head -c ${#nl})" = "$nl" ] ||
    fail "as-anomaly -z: $(od -c "$T/out" | head)"
[ "$(tr -cd '\0' <"$T/out" | wc -c)" -eq 1 ] || fail "as-anomaly -z: not one record"
# JSON carries every path.
run as-anomaly -zJ odd.asx
expect_status 0
[ "$(tr -cd '\0' <"$T/out" | wc -c)" -eq 2 ] || fail "as-anomaly -zJ: not two records"
run as-search -z -L -H odd.asx
expect_status 1
expect_err 'as-search: o/l\nb/t\tb.wav: holds a TAB, which -z output cannot carry (use -J); left out'
[ "$(tr '\0' '\n' <"$T/out" | cut -f 1-2 | head -c ${#nl})" = "$nl" ] ||
    fail "as-search -z: $(od -c "$T/out" | head)"
for t in "as-cluster -k 1" "as-map -m pca"; do
    run $t -z -H odd.asx
    expect_status 1
    expect_err "${t%% *}: o/l\\nb/t\\tb.wav: holds a TAB, which -z output cannot carry (use -J); left out"
    [ "$(tr '\0' '\n' <"$T/out" | cut -f 1-2 | head -c ${#nl})" = "$nl" ] ||
        fail "$t -z: $(od -c "$T/out" | head)"
done
# as-map writes its files all the same: the coordinates without the
# record, and the picture
run as-map -m pca -z -H -o odd.tsv -s odd.svg odd.asx
expect_status 1
expect_err "as-map: o/l\\nb/t\\tb.wav: holds a TAB, which -z output cannot carry (use -J); left out"
[ "$(tr '\0' '\n' <odd.tsv | cut -f 1-2 | head -c ${#nl})" = "$nl" ] ||
    fail "as-map -z -o: $(od -c odd.tsv | head)"
grep -q '</svg>' odd.svg || fail "as-map -z -s: no picture"
# -W stores nothing when a record was left out (the output failed)
cp odd.asx before.asx
for t in "as-anomaly" "as-cluster -k 1"; do
    run $t -W -z -H odd.asx
    expect_status 1
    cmp -s before.asx odd.asx || fail "$t -W -z stored after a record left out"
done
run as-stats -z -n odd.asx
expect_status 0
tr '\0\n' '\n|' <"$T/out" | grep -qxF "$(printf 'label\tl|b\t2')" ||
    fail "as-stats -z: no raw label"
# a query path with a TAB is the subject too, as a result's is
run as-search -z -H -k 1 -p "$(printf 'o/l\nb/t\tb.wav')" odd.asx
expect_status 1
expect_err 'as-search: o/l\nb/t\tb.wav: holds a TAB, which -z output cannot carry (use -J); left out'
# a label with a TAB (its folder's name) is no file: the warning quotes
# it rather than putting it where a file's name goes
mkdir -p "$(printf 'q/m\tn')"
cp "$FIX/kick_44k1.flac" "$(printf 'q/m\tn/k.flac')"
as-extract -f bin -r q | as-index -o tabl.asx
run as-stats -z -n tabl.asx
expect_status 1
expect_err 'as-stats: "m\tn" holds a TAB, which -z output cannot carry (use -J); left out'
