#!/bin/sh
# SPDX-License-Identifier: MIT
# Several indexes searched as one: the same as searching their merge.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder
as-extract -r samples/kicks samples/hats | as-index -o a.asx
as-extract -r samples/tones | as-index -o b.asx
as-extract -r samples/loops | as-index -o c.asx
as-index merge -o all.asx a.asx b.asx c.asx
as-extract -r samples >lib.tsv
n=$(($(wc -l <lib.tsv) - 1))

# Every entry as a query, all results: paths, labels, ranks and group
# columns equal; distances equal to the printed precision (the merged
# statistics are computed in another order, within 1e-12).
same() {
    _k=$1
    shift
    as-search -H -k "$_k" "$@" >got
    cut -f 1-4,6- got >got.cols
    cut -f 1-4,6- want >want.cols
    cmp -s want.cols got.cols || { diff want.cols got.cols | head; fail "shards: $*"; }
    paste want got | awk -F '\t' -v c="$(head -n 1 want | awk -F '\t' '{ print NF }')" \
        '{ d = $5 - $(c + 5); if (d > 2e-6 || d < -2e-6) exit 1 }' ||
        fail "shard distances: $*"
}
as-search -H -k "$n" -F lib.tsv all.asx >want
same "$n" -F lib.tsv a.asx b.asx c.asx
same "$n" -F lib.tsv c.asx a.asx b.asx
as-search -H -k 3 -m euclidean -F lib.tsv all.asx >want
same 3 -m euclidean -F lib.tsv a.asx b.asx c.asx
# an audio query, and an entry of a shard (left out of its results)
as-search -H -k 5 all.asx samples/hats/hihat_48k.wav >want
same 5 a.asx b.asx c.asx samples/hats/hihat_48k.wav
as-search -H -k 5 -p samples/tones/sine440_44k1.wav all.asx >want
same 5 -p samples/tones/sine440_44k1.wav a.asx b.asx c.asx

# A path in two shards is the last one's, as in a merge: here the kick
# comes back with the hi-hat's features.
awk -F '\t' 'BEGIN { OFS = FS }
    NR == 1 { print; next }
    $1 == "samples/hats/hihat_48k.wav" { $1 = "samples/kicks/kick_44k1.flac"; print }' \
    lib.tsv | as-index -o d.asx
as-index merge -o all2.asx a.asx b.asx c.asx d.asx
as-search -H -k "$n" -F lib.tsv all2.asx >want
same "$n" -F lib.tsv a.asx b.asx c.asx d.asx
grep -q "^samples/hats/hihat_48k.wav	1	samples/hats/hihat_48k.wav	" want ||
    fail "hihat first"
grep -q "^samples/hats/hihat_48k.wav	2	samples/kicks/kick_44k1.flac	.*	0.000000	" want ||
    fail "the shadowing entry is the hi-hat's twin"
[ "$(grep -c "	samples/kicks/kick_44k1.flac	" want)" -eq "$n" ] ||
    fail "the kick is listed once per query"
as-search -L a.asx d.asx >got
[ "$(grep -c '^samples/kicks/kick_44k1.flac	' got)" -eq 1 ] || fail "-L lists a shadowed path twice"

# Shards with other columns are refused, naming both sets.
as-extract --features librosa45 -r samples/kicks | as-index -o l45.asx
run as-search a.asx l45.asx samples/kicks/kick_44k1.flac
expect_status 1
expect_err "as-search: l45.asx: feature set librosa45, a.asx has default"
expect_out_empty
# in every mode: --like too, which ranks without searching (a shard with
# the kind tags, whose kinds it could rank, has columns a.asx lacks)
as-extract -K -r samples/kicks | as-index -o tags.asx
for mode in -L "--like kick" -D; do
    # shellcheck disable=SC2086
    run as-search $mode a.asx tags.asx
    expect_status 1
    expect_err "as-search: tags.asx: feature set default with 120 columns, a.asx has 103 (kind tags of as-extract -K: 17 and 0)"
    expect_out_empty
done

# A shard whose every path a later one holds adds nothing, its
# statistics neither: an index with a delta segment (whose statistics
# are its file's, with rows no longer there) given twice searches as
# the index alone (its distances moved before).
as_clustered_tsv >clu.tsv
head -n 1951 clu.tsv >base.tsv
{ head -n 1 clu.tsv; sed -n '1952,$p' clu.tsv; } >add.tsv
as-index -q -o seg.asx base.tsv
as-index -q -u seg.asx add.tsv
[ -e seg.asx.seg ] || fail "no segment"
sed -n '1,21p' clu.tsv >q.tsv
sed -n '1990,$p' clu.tsv >>q.tsv
as-search -H -k 10 -F q.tsv seg.asx >want
as-search -H -k 10 -F q.tsv seg.asx seg.asx >got
cmp -s want got || { diff want got | head -n 4; fail "a segmented index twice"; }
