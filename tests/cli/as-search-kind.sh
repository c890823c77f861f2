#!/bin/sh
# SPDX-License-Identifier: MIT
# as-search with kind tags (kind_p_CLASS columns): --like ranks the
# entries that pass the filters by a kind's probability, -K keeps the
# entries of a kind, results end with kind and kind_p; without tags the
# built-in model tells the kinds from the default columns; unknown kinds
# and indexes with neither tags nor those columns fail.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
tab=$(printf '\t')
{
    printf 'path\tlabel\tf1\tf2\tkind_p_kick\tkind_p_snare\n'
    printf 'a.wav\tx\t1\t0\t0.9\t0.1\n'
    printf 'b.wav\tx\t0.9\t0.1\t0.4\t0.6\n'
    printf 'c.wav\ty\t0\t1\t0.2\t0.8\n'
    printf 'd.wav\ty\t0.1\t0.9\t0.7\t0.3\n'
    printf 'e.wav\ty\t0.5\t0.5\t0.7\t0.3\n'
} >tags.tsv
as-index -o tags.asx tags.tsv

# --like: by p(kick), ties in index order
run as-search --like kick tags.asx
expect_status 0
expect_no_err
expect_out "query${tab}rank${tab}path${tab}label${tab}probability${tab}kind${tab}kind_p" \
    "kick${tab}1${tab}a.wav${tab}x${tab}0.9000${tab}kick${tab}0.9000" \
    "kick${tab}2${tab}d.wav${tab}y${tab}0.7000${tab}kick${tab}0.7000" \
    "kick${tab}3${tab}e.wav${tab}y${tab}0.7000${tab}kick${tab}0.7000" \
    "kick${tab}4${tab}b.wav${tab}x${tab}0.4000${tab}snare${tab}0.6000" \
    "kick${tab}5${tab}c.wav${tab}y${tab}0.2000${tab}snare${tab}0.8000"
# with the usual filters and count, and as JSON
run as-search -i snare -l y -k 2 -J tags.asx
expect_status 0
expect_out '{"query":{"kind":"snare"},"results":[{"filename":"c.wav","label":"y","probability":0.8000,"kind":"snare","kind_p":0.8000},{"filename":"d.wav","label":"y","probability":0.3000,"kind":"kick","kind_p":0.7000}]}'

# -K filters listings and searches; results show the kind
run as-search -H -L -K snare tags.asx
expect_status 0
expect_out "b.wav${tab}x${tab}${tab}" "c.wav${tab}y${tab}${tab}"
run as-search -H -K kick -p b.wav tags.asx
expect_status 0
cut -f 3 "$T/out" | sort >paths
printf '%s\n' a.wav d.wav e.wav | cmp -s - paths || fail "-K kick: $(cat paths)"
[ "$(awk -F '\t' '{ print $(NF - 1) "\t" $NF }' "$T/out" | sort -u)" = "kick${tab}0.7000
kick${tab}0.9000" ] || fail "kind columns: $(cat "$T/out")"
run as-search -K kick -K snare -p b.wav tags.asx
expect_status 0
[ "$(head -n 1 "$T/out" | cut -f 7-)" = "reasons${tab}confidence${tab}kind${tab}kind_p" ] ||
    fail "header: $(head -n 1 "$T/out")"
[ "$(tail -n +2 "$T/out" | wc -l)" -eq 4 ] || fail "-K kick -K snare: $(cat "$T/out")"

# an index without tags: the built-in model on the default columns
cp "$FIX/kick_44k1.flac" "$FIX/real_bd_808_44k1.wav" "$FIX/sine440_44k1.wav" \
    "$FIX/hihat_48k.wav" .
as-extract kick_44k1.flac real_bd_808_44k1.wav sine440_44k1.wav \
    hihat_48k.wav | as-index -o plain.asx
as-extract -K kick_44k1.flac real_bd_808_44k1.wav sine440_44k1.wav \
    hihat_48k.wav | as-index -o tagged.asx
run as-search -H --like kick plain.asx
expect_status 0
cp "$T/out" plain.out
run as-search -H --like kick tagged.asx
expect_status 0
# the same kinds as as-extract -K wrote, to the four decimals printed
cmp -s plain.out "$T/out" || fail "model and tags differ: $(cat plain.out "$T/out")"
# plain results show no kind unless -K asks
run as-search -H -k 1 -p kick_44k1.flac plain.asx
expect_status 0
[ "$(awk -F '\t' '{ print NF }' "$T/out")" -eq 13 ] || fail "plain: $(cat "$T/out")"

# errors
usage=$(as_usage as-search)
run as-search --like hat tags.asx
expect_status 2
printf '%s\n' "as-search: --like: 'hat' is not a kind of tags.asx (kick, snare)" \
    "$usage" "Try 'as-search --help'." >want
cmp -s want "$T/err" || { diff want "$T/err" >&2; fail "--like hat"; }
run as-search -K 'Kick!' -L tags.asx
expect_status 2
head -n 1 "$T/err" >first
echo "as-search: -K: 'Kick!' is not a kind name" | cmp -s - first ||
    fail "-K Kick!: $(cat "$T/err")"
run as-search --like kick -L tags.asx
expect_status 2
head -n 1 "$T/err" | grep -qxF "as-search: --like does not go with -L" ||
    fail "--like -L: $(cat "$T/err")"
run as-search --like kick tags.asx kick_44k1.flac
expect_status 2
head -n 1 "$T/err" | grep -qxF "as-search: --like takes no query" ||
    fail "--like query: $(cat "$T/err")"
printf 'path\tf1\tf2\n' >nokind.tsv
printf 'a.wav\t1\t2\n' >>nokind.tsv
as-index -o nokind.asx nokind.tsv
run as-search --like kick nokind.asx
expect_status 1
expect_err "as-search: nokind.asx: no kind tags (as-extract -K), and not the columns of the kind model"
# a failing shard before others: the ones not reached are not freed
as-index -o nokind2.asx nokind.tsv
run as-search -K kick nokind.asx nokind2.asx -p a.wav
expect_status 1
expect_err "as-search: nokind.asx: no kind tags (as-extract -K), and not the columns of the kind model"

# a damaged row is no ranking: the whole index is refused, as a search
# of it would be (the kind tags are read from the rows themselves)
cp tags.asx damaged.asx
matrix=$(od -An -tu8 -j 168 -N 8 tags.asx | tr -d ' ')
printf 'X' | dd of=damaged.asx bs=1 seek=$((matrix + 19)) conv=notrunc \
    2>/dev/null
run as-search --like kick damaged.asx
expect_status 1
expect_err "as-search: damaged.asx: index is damaged (checksum mismatch in MATRIX)"
expect_out_empty
# nor are the entries of a damaged row of no kind: the filter reports
# the damage, not "no entry passes the filters"
for mode in -L "-p a.wav"; do
    # shellcheck disable=SC2086 # the words split on purpose
    run as-search $mode -K kick damaged.asx
    expect_status 1
    expect_err "as-search: damaged.asx: index is damaged (checksum mismatch in MATRIX)"
    expect_out_empty
done
