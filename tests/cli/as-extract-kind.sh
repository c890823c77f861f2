#!/bin/sh
# SPDX-License-Identifier: MIT
# as-extract -K appends the kind tags, kind_p_CLASS per class of the
# model, to each row (JSON adds kind and kind_p): with a small model
# (-M) the probabilities are the softmax worked out here from the row's
# own feature columns; the built-in model's are its 17 classes, summing
# to 1; distances leave the tags out; bad models and option mixes fail.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
cp "$FIX/kick_44k1.flac" "$FIX/hihat_48k.wav" "$FIX/sine440_44k1.wav" .
files="kick_44k1.flac hihat_48k.wav sine440_44k1.wav"
z64=0000000000000000000000000000000000000000000000000000000000000000
# two classes on two columns, temperature 2
printf 'audiosearch-kind\t1\nset\tdefault\nmanifest\t%s\ntemperature\t2\nclasses\tbright\tdark\nbias\t0.5\t-0.5\ncolumn\tzcr_mean\t0.1\t0.05\t1\t-1\ncolumn\tcentroid_mean\t2000\t1000\t0.5\t-2\n' \
    "$z64" >small.model

as-extract $files >plain.tsv
# the stream's columns before the tags
n=$(head -n 1 plain.tsv | awk -F '\t' '{ print NF }')
t1=$((n + 1))
t2=$((n + 2))
run as-extract -K -M small.model $files
expect_status 0
[ ! -s "$T/err" ] || fail "stderr: $(cat "$T/err")"
cp "$T/out" kind.tsv
# the features are unchanged; two columns follow them
cut -f "1-$n" kind.tsv | cmp -s - plain.tsv || fail "-K changed the features"
# -C -K lists the tags after the set's columns, as the rows have them
run as-extract -C -H -K -M small.model
expect_status 0
as-extract -C -H | cut -f 1 >set.cols
cut -f 1 "$T/out" | head -n "$(wc -l <set.cols)" | cmp -s - set.cols ||
    fail "-C -K: the set's columns"
tail -n 2 "$T/out" >tags.cols
[ "$(cut -f 1-3 tags.cols)" = "$(printf 'kind_p_bright\t\tprobability\nkind_p_dark\t\tprobability')" ] ||
    fail "-C -K: the tags: $(cat tags.cols)"
[ "$(wc -l <"$T/out")" -eq $(($(wc -l <set.cols) + 2)) ] || fail "-C -K: $(wc -l <"$T/out") rows"
[ "$(head -n 1 kind.tsv | cut -f "$t1-")" = "$(printf 'kind_p_bright\tkind_p_dark')" ] ||
    fail "header: $(head -n 1 kind.tsv | cut -f "$t1-")"
awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    { zz = ($(c["zcr_mean"]) - 0.1) / 0.05; zc = ($(c["centroid_mean"]) - 2000) / 1000
      a = (0.5 + zz + 0.5 * zc) / 2; b = (-0.5 - zz - 2 * zc) / 2
      m = a > b ? a : b; pa = exp(a - m) / (exp(a - m) + exp(b - m))
      d1 = pa - $(c["kind_p_bright"]); d2 = 1 - pa - $(c["kind_p_dark"])
      if (d1 < 0) d1 = -d1; if (d2 < 0) d2 = -d2
      if (d1 > 1e-6 || d2 > 1e-6) { print "row " NR ": " pa " vs " $(c["kind_p_bright"]); bad = 1 } }
    END { exit bad }' kind.tsv || fail "probabilities differ from the softmax"
# the hi-hat is bright, the sine and the kick dark
awk -F '\t' -v a="$t1" -v b="$t2" 'NR > 1 { print $1, ($a > $b ? "bright" : "dark") }' kind.tsv >kinds
printf '%s\n' "kick_44k1.flac dark" "hihat_48k.wav bright" "sine440_44k1.wav dark" |
    cmp -s - kinds || fail "kinds: $(cat kinds)"

# JSON: kind and kind_p, then the same probabilities
run as-extract -J -K -M small.model sine440_44k1.wav
expect_status 0
p=$(awk -F '\t' -v b="$t2" 'NR == 4 { print $b }' kind.tsv)
grep -q "\"kind\":\"dark\",\"kind_p\":$p,\"kind_p_bright\":" "$T/out" ||
    fail "JSON: $(cat "$T/out")"

# the built-in model: its vocabulary, probabilities summing to 1
run as-extract -K kick_44k1.flac
expect_status 0
head -n 1 "$T/out" | cut -f "$t1-" | tr '\t' ' ' >cols
echo "kind_p_clap kind_p_cowbell kind_p_crash kind_p_cymbal_other kind_p_fx kind_p_hihat_closed kind_p_hihat_open kind_p_hihat_pedal kind_p_kick kind_p_loop kind_p_other_perc kind_p_perc_shaken kind_p_ride kind_p_rimshot kind_p_snare kind_p_tom kind_p_tonal" |
    cmp -s - cols || fail "built-in classes: $(cat cols)"
awk -F '\t' -v a="$t1" 'NR == 2 { for (i = a; i <= NF; i++) s += $i
    if (NF != a + 16 || s < 1 - 1e-6 || s > 1 + 1e-6) exit 1 }' "$T/out" ||
    fail "built-in probabilities do not sum to 1"

# distances, group similarities and confidence leave the tags out: the
# same results with and without them, then the kind
as-index -o plain.asx plain.tsv
as-index -o kind.asx kind.tsv
as-search -k 2 -p sine440_44k1.wav plain.asx >a
as-search -k 2 -p sine440_44k1.wav kind.asx |
    awk -F '\t' -v OFS='\t' '{ NF -= 2; print }' >b
cmp -s a b || fail "the tags changed the distances: $(cat a b)"

# -U with -K: an index of tagged rows leaves its unchanged files out, a
# moved file keeps its features and gets its tags again; an index whose
# columns are not this run's (tags or none) is refused, naming both
as-extract -K -M small.model $files | as-index -o tagged.asx
run as-extract -K -M small.model -U tagged.asx -v $files
expect_status 0
expect_out_line "$(head -n 1 kind.tsv)"
[ "$(wc -l <"$T/out")" -eq 1 ] || fail "-K -U: unchanged rows: $(cat "$T/out")"
expect_err "as-extract: tagged.asx: left out 3 unchanged files" \
    "as-extract: tagged.asx: reused the features of 0 moved files"
mkdir moved
mv kick_44k1.flac moved/
run as-extract -K -M small.model -U tagged.asx -v moved/kick_44k1.flac
expect_status 0
expect_err "as-extract: tagged.asx: left out 0 unchanged files" \
    "as-extract: tagged.asx: reused the features of 1 moved file"
grep "^kick_44k1.flac	" kind.tsv | cut -f 2- >want_row
grep "^moved/kick_44k1.flac	" "$T/out" | cut -f 2- | cmp -s - want_row ||
    fail "-K -U: the moved file's row: $(cat "$T/out")"
mv moved/kick_44k1.flac .
nf=$(as-extract -C -H | wc -l)
nk=$(as-extract -K kick_44k1.flac | head -n 1 | tr '\t' '\n' | grep -c '^kind_p_')
# without -K, the rows take an index's tags with the built-in model,
# which are not small.model's
run as-extract -U tagged.asx kick_44k1.flac
expect_status 1
expect_err "as-extract: tagged.asx: feature set default with $((nf + 2)) columns, this extraction has $((nf + nk)) (kind tags of as-extract -K: 2 and $nk)"
run as-extract -K -M small.model -U plain.asx kick_44k1.flac
expect_status 1
expect_err "as-extract: plain.asx: feature set default with $nf columns, this extraction has $((nf + 2)) (kind tags of as-extract -K: 0 and 2)"
# an index tagged with the built-in model, or of the librosa45 set:
# -U alone gives rows that fit it (a nightly run failed on every one)
as-extract -K $files | as-index -o builtin.asx
as-extract -s librosa45 $files | as-index -o l45.asx
cp sine440_44k1.wav new.wav
for ix in builtin.asx l45.asx; do
    run as-extract -U $ix new.wav
    expect_status 0
    as-index -q -u $ix "$T/out" || fail "-U $ix: the rows do not fit it"
done
[ "$(as-index -d builtin.asx -H | wc -l)" -eq 4 ] || fail "builtin.asx: new.wav"
# -s given says otherwise; a set the built-in model does not read
# takes no tags (the columns are told to differ, not -K blamed)
run as-extract -s default -U l45.asx new.wav
expect_status 1
expect_err "as-extract: l45.asx: feature set librosa45, this extraction has default"
run as-extract -s librosa45 -U builtin.asx new.wav
expect_status 1
expect_err "as-extract: builtin.asx: feature set default, this extraction has librosa45"
# -C lists the columns of the index's set
as-extract -C -s librosa45 >want.cols
run as-extract -C -U l45.asx
expect_status 0
expect_out_file want.cols

# bad models and option mixes
usage=$(as_usage as-extract)
usage_err() {
    expect_err "$1" "$usage" "Try 'as-extract --help'."
}
run as-extract -K -M nonexistent.model kick_44k1.flac
expect_status 1
expect_err "as-extract: nonexistent.model: No such file or directory"
sed 's/^temperature.*/temperature\t-1/' small.model >bad.model
run as-extract -K -M bad.model kick_44k1.flac
expect_status 1
expect_err "as-extract: bad.model: line 4: not a valid kind model"
run as-extract -M small.model kick_44k1.flac
expect_status 2
usage_err "as-extract: -M goes with -K"
# standard input is for audio: '-' is not a model (it was opened as a
# file named '-')
run as-extract -K -M - kick_44k1.flac
expect_status 2
usage_err "as-extract: -M takes a file, not standard input"
run as-extract -K -s librosa45 kick_44k1.flac
expect_status 2
usage_err "as-extract: -K: the kind model reads contrast_mean_0, which set librosa45 lacks"
run as-extract -K -i kick_44k1.flac
expect_status 2
usage_err "as-extract: -K goes with feature extraction, not -i"
