#!/bin/sh
# SPDX-License-Identifier: MIT
# as-index -L: a projection learnt from the labels, stored in the index;
# as-search, as-cluster and as-map -P use it, the plain search is
# unchanged; -u keeps it while no entry changes and fits it again when
# one does; merge leaves it out; no labels to learn from is an error.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder
as-extract -r samples >lib.tsv
as-index -o lib.asx lib.tsv
q=samples/kicks/kick_44k1.flac
usage="$(as_usage as-index)"
hint="Try 'as-index --help'."

# before learning: plain results; -P has nothing to use
as-search -k 4 -p "$q" lib.asx >plain.tsv
for tool in "as-search -P -k 4 -p $q" "as-cluster -P -k 2" "as-map -P -m pca"; do
    run $tool lib.asx
    expect_status 1
    expect_err "${tool%% *}: lib.asx: no learnt projection (see as-index -L)"
    [ -s "$T/out" ] && fail "$tool: output without a projection"
done
run as-stats -n lib.asx
grep -q '^learnt' "$T/out" && fail "as-stats: learnt lines without -L"

# learn: four labels of two or more (hats, kicks, loops, tones), three
# directions, the defaults recorded
run as-index -L lib.asx
expect_status 0
expect_no_err
[ -s "$T/out" ] && fail "as-index -L printed something"
run as-stats -n lib.asx
expect_status 0
grep '^learnt' "$T/out" >learnt.tsv
printf 'learnt\t%s\t%s\n' shrinkage 0.3 blend 0.5 directions 3 classes 4 \
    >want.tsv
printf 'learnt_class\t%s\t%s\n' hats 2 kicks 2 loops 2 tones 3 >>want.tsv
cmp -s want.tsv learnt.tsv || { diff want.tsv learnt.tsv >&2; fail "as-stats learnt lines"; }
run as-stats -n -J lib.asx
grep -q '"learnt":{"shrinkage":0.3,"blend":0.5,"directions":3,"classes":{"hats":2,"kicks":2,"loops":2,"tones":3}}' "$T/out" ||
    fail "as-stats -J: no learnt object"

# the plain search is unchanged; -P gives 4 results (and a header),
# distances from 0 to 2, the query not among them
run as-search -k 4 -p "$q" lib.asx
expect_status 0
expect_out_file plain.tsv
run as-search -P -k 4 -p "$q" lib.asx
expect_status 0
expect_no_err
[ "$(wc -l <"$T/out")" -eq 5 ] || fail "as-search -P: not 4 results"
awk -F '\t' 'NR > 1 && !($5 >= 0 && $5 <= 2) { exit 1 }' "$T/out" ||
    fail "as-search -P: distance out of range"
grep -q "	$q	" "$T/out" && fail "as-search -P: the query among its results"
cp "$T/out" learned.tsv
# the confidence tables are for the plain distance: none for a blend
awk -F '\t' 'NR > 1 && $NF != "-" { exit 1 }' learned.tsv ||
    fail "as-search -P: a confidence for a blended distance"
run as-search -P -m euclidean -k 4 -p "$q" lib.asx
expect_status 2
# blend 0: the plain distances exactly
as-index -L lib.asx -b 0
run as-search -P -k 4 -p "$q" lib.asx
expect_status 0
expect_out_file plain.tsv
as-index -L lib.asx -s 0.3 -b 0.5
run as-search -P -k 4 -p "$q" lib.asx
expect_out_file learned.tsv

# the other tools in the blended space
run as-cluster -P -k 2 lib.asx
expect_status 0
expect_no_err
[ "$(wc -l <"$T/out")" -eq 10 ] || fail "as-cluster -P: not 9 entries"
run as-map -P -m pca lib.asx
expect_status 0
expect_no_err
[ "$(wc -l <"$T/out")" -eq 10 ] || fail "as-map -P: not 9 entries"

# -u with nothing changed keeps the projection byte for byte; a new
# entry makes it stale: -u fits it again with the stored settings
cp lib.asx before.asx
run as-index -q -u lib.asx lib.tsv
expect_status 0
cmp -s before.asx lib.asx || fail "-u without changes changed the index"
# ... and writes nothing (a reader or an as-cluster -W between sees one
# file): the same file, after a night with nothing new or a failed one
ino=$(ls -i lib.asx | cut -d ' ' -f 1)
head -n 1 lib.tsv >none.tsv
run as-index -u lib.asx none.tsv
expect_status 0
expect_err "as-index: lib.asx: added 0, changed 0, unchanged 0, removed 0, failed 0"
[ "$(ls -i lib.asx | cut -d ' ' -f 1)" = "$ino" ] ||
    fail "-u of a header alone wrote the index again"
run as-index -q -u lib.asx </dev/null
expect_status 1
[ "$(ls -i lib.asx | cut -d ' ' -f 1)" = "$ino" ] ||
    fail "-u of an empty input wrote the index again"
cp samples/kicks/real_bd_808_44k1.wav samples/kicks/bd2.wav
as-extract samples/kicks/bd2.wav >new.tsv
as-index -L lib.asx -s 0.7 -b 0.4
run as-index -q -u lib.asx new.tsv
expect_status 0
expect_no_err
run as-stats -n lib.asx
grep -qx 'learnt_class	kicks	3' "$T/out" || fail "-u: projection not fitted again"
grep -qx 'learnt	shrinkage	0.7' "$T/out" || fail "-u: shrinkage not kept"
grep -qx 'learnt	blend	0.4' "$T/out" || fail "-u: blend not kept"

# the refit goes into the one write of the update: a disk that fills
# before that write ends leaves the index as it was, projection and all,
# where writing the entries and then the projection would leave the new
# entries without one (the shim of as-index-diskfull.sh fails the writes
# to temporary files past a budget: the whole index but its last byte)
cp samples/kicks/real_bd_808_44k1.wav samples/kicks/bd3.wav
as-extract samples/kicks/bd3.wav >new3.tsv
cp lib.asx before.asx
as-index -q -u lib.asx new3.tsv
size=$(wc -c <lib.asx)
cp before.asx lib.asx
run env AS_FAILIO_BYTES=$((size - 1)) AS_FAILIO_MATCH=.tmp- \
    LD_PRELOAD="$AS_TESTBIN/failio.so" as-index -u lib.asx new3.tsv
expect_status 1
expect_err "as-index: lib.asx: No space left on device"
cmp -s before.asx lib.asx || fail "-u: a failed write changed the index"
# the copy the refit reads cannot be made: nothing is written, the
# projection is not lost
run env TMPDIR="$T/nowhere" as-index -u lib.asx new3.tsv
expect_status 1
expect_err "as-index: lib.asx: not updated: its learnt projection is fitted again on a copy in TMPDIR, which failed: No such file or directory"
cmp -s before.asx lib.asx || fail "-u: a failed refit changed the index"

# merge and -o build anew: no projection, but for the merge of one index
# without filters (its segment folded in, as as-index(1) shows), whose
# entries are the ones the projection was fitted to: the same searches
as-index merge -q -o merged.asx lib.asx
run as-stats -n merged.asx
grep -qx 'learnt	blend	0.4' "$T/out" || fail "merge of one index lost the projection"
as-search -P lib.asx samples/kicks/kick_44k1.flac >"$T/a"
as-search -P merged.asx samples/kicks/kick_44k1.flac >"$T/b"
cmp -s "$T/a" "$T/b" || fail "merge of one index: other searches"
as-index -q -o one.asx new.tsv
as-index merge -q -o merged2.asx lib.asx one.asx
run as-stats -n merged2.asx
grep -q '^learnt' "$T/out" && fail "merge of two indexes kept the projection"
as-index merge -q -t 0: -o merged3.asx lib.asx
run as-stats -n merged3.asx
grep -q '^learnt' "$T/out" && fail "a filtered merge kept the projection"

# no labels to learn from
as-index -l none -o nolab.asx lib.tsv
cp nolab.asx nolab.before
run as-index -L nolab.asx
expect_status 1
expect_err "as-index: nolab.asx: 0 labels with 2 or more entries; learning needs 2"
cmp -s nolab.asx nolab.before || fail "-L failure changed the index"
grep -v '/kicks/\|/hats/\|/loops/' lib.tsv >one.tsv
as-index -o one.asx one.tsv
run as-index -L one.asx
expect_status 1
expect_err "as-index: one.asx: 1 label with 2 or more entries; learning needs 2"
# labels whose entries are all alike (two sounds, two copies each): a
# singular within-label scatter at any shrinkage, said so
awk -F '\t' -v OFS='\t' 'NR == 1 { print; next }
    /\/kicks\// && !k++ { $1 = "a/1.wav"; print; $1 = "a/2.wav"; print }
    /\/hats\// && !h++ { $1 = "b/1.wav"; print; $1 = "b/2.wav"; print }' \
    lib.tsv >alike.tsv
as-index -q -o alike.asx alike.tsv
run as-index -L alike.asx
expect_status 1
expect_err "as-index: alike.asx: the entries of each label are all alike; there is nothing to learn from"
run as-index -L alike.asx -s 0
expect_status 1
expect_err "as-index: alike.asx: the entries of each label are all alike; there is nothing to learn from"
# with -s 0, a dozen entries vary in fewer directions than the columns
run as-index -L lib.asx -s 0
expect_status 1
expect_err "as-index: lib.asx: with -s 0 the entries must vary within their labels in as many directions as there are columns; they do not (give -s above 0)"
# 35 entries per file, each its row moved by noise: enough for -s 0; an
# update that makes most of them copies of their label's first leaves
# too few directions, and the refit says how to learn again
awk -F '\t' -v OFS='\t' 'BEGIN { srand(7) } NR == 1 { print; next }
    { n = split($1, p, "/"); lab = p[n - 1]
      for (c = 0; c < 35; c++) {
          $1 = sprintf("w/%s/%d-%d.wav", lab, NR, c)
          for (j = 6; j <= NF; j++)
              $j += (rand() - 0.5) * 0.2 * ($j < 0 ? 1 - $j : 1 + $j)
          print
      } }' lib.tsv >wide.tsv
as-index -q -o wide.asx wide.tsv
run as-index -L wide.asx -s 0
expect_status 0
awk -F '\t' -v OFS='\t' 'NR == 1 { print; next }
    { split($1, p, "/"); if (!(p[2] in first)) { first[p[2]] = $0; next }
      split($1, q, "-"); if (q[2] + 0 < 5) next
      path = $1; $0 = first[p[2]]; $1 = path; print }' wide.tsv >copies.tsv
run as-index -q -u wide.asx copies.tsv
expect_status 1
expect_err "as-index: wide.asx: with -s 0 the entries must vary within their labels in as many directions as there are columns; they do not (learn again with -L and give -s above 0)" \
    "as-index: wide.asx: written without its learnt projection"
run as-index -L missing.asx
expect_status 1
expect_err "as-index: missing.asx: No such file or directory"

# scikit-learn's LDA: the distances of a 60-entry, 3-label library from
# its first entry, as tests/data/sklearn/make_lda.py computed them with
# LinearDiscriminantAnalysis(solver='eigen', shrinkage=0.1), within the
# printed digits and float rows (each class's covariance shrunk towards
# the identity scaled by its mean variance, as shrunk_covariance() does)
as-index -q -o sk.asx "$AS_DATA/sklearn/lda.tsv"
as-index -q -s 0.1 -b 0.5 -L sk.asx
run as-search -H -P -S -k 60 -p p00 sk.asx
expect_status 0
cut -f 3,5 "$T/out" | sort >sk.got
sort "$AS_DATA/sklearn/lda-p00.tsv" | join -t "$(printf '\t')" - sk.got |
    awk -F '\t' '{ d = $2 - $3; if (d < 0) d = -d; if (d > m) m = d; n++ }
        END { if (n != 60 || m > 2e-6) { print n " entries, largest gap " m; exit 1 } }' ||
    fail "as-search -P against scikit-learn's LDA"

# usage
run as-index -s 0.5 -o x.asx lib.tsv
expect_status 2
expect_err "as-index: -b and -s go with -L" "$usage" "$hint"
run as-index -L lib.asx lib.tsv
expect_status 2
expect_err "as-index: -L takes no streams" "$usage" "$hint"
run as-index -L lib.asx -s 1.5
expect_status 2

# The defaults of -b and -s, which --help takes from the library, are
# the ones the man page states.
if command -v mandoc >/dev/null 2>&1; then
    mandoc -Tascii "$AS_SRC/man/as-index.1" | col -b >"$T/man.txt"
    as-index --help | tr -s ' \n' '  ' >"$T/help.txt"
    for w in blend shrinkage; do
        d=$(sed -n "s/.*--$w=[A-Z]* [^(]*(0 to 1, default \([0-9.]*\)).*/\1/p" \
            "$T/help.txt")
        [ -n "$d" ] || fail "--help names no default for --$w"
        m=$(awk -v o="--$w=" 'index($0, o) { on = 1; next }
                on && /^     -/ { exit }
                on { printf "%s ", $0 }' "$T/man.txt" | tr -s ' \t' '  ' |
            sed -n 's/.*the default is \([0-9.]*[0-9]\).*/\1/p')
        [ "$d" = "$m" ] || fail "--$w: default $d in --help, '$m' in the man page"
    done
fi
