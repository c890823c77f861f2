#!/bin/sh
# SPDX-License-Identifier: MIT
# Building, labels, dumping, updating and merging.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
mkdir -p samples/kicks samples/hats samples/tones
cp "$FIX/kick_44k1.flac" "$FIX/real_bd_808_44k1.wav" samples/kicks/
cp "$FIX/hihat_48k.wav" samples/hats/
cp "$FIX/sine440_44k1.wav" "$FIX/chord_ceg_48k_stereo.wav" samples/tones/
as-extract -r samples >lib.tsv

# Build; the index checks out; labels are folder names by default.
run as-index -o lib.asx lib.tsv
expect_status 0
expect_no_err
expect_out_empty
run as-index -c lib.asx
expect_status 0
expect_no_err
as-index -d lib.asx >dump.tsv
[ "$(head -n 1 dump.tsv | cut -f 1-6)" = "path	label	duration_s	file_size	file_mtime	audio_hash" ] ||
    fail "dump header"
cut -f 1,2 dump.tsv | tail -n +2 >"$T/labels"
printf '%s\n' "samples/hats/hihat_48k.wav	hats" \
    "samples/kicks/kick_44k1.flac	kicks" \
    "samples/kicks/real_bd_808_44k1.wav	kicks" \
    "samples/tones/chord_ceg_48k_stereo.wav	tones" \
    "samples/tones/sine440_44k1.wav	tones" >"$T/want"
cmp -s "$T/want" "$T/labels" || { diff "$T/want" "$T/labels"; fail "labels"; }
# The features come back as they went in.
[ "$(cut -f 7- dump.tsv)" = "$(cut -f 6- lib.tsv)" ] || fail "features round trip"

# Dump and build again: the same bytes (binary and TSV).
as-index -d lib.asx -f bin >dump.bin
as-index -o again.asx dump.bin
cmp -s lib.asx again.asx || fail "binary dump, rebuilt"
as-index -o again.asx dump.tsv
cmp -s lib.asx again.asx || fail "TSV dump, rebuilt"
as-index -d lib.asx -H | cmp -s - "$(printf '%s' dump.tsv)" && fail "-H drops the header"

# Entries a TSV row cannot carry are left out of a TSV dump, each with its
# reason, and kept in a binary one.
mkdir -p odd "odd/t	x"
cp "$FIX/hihat_48k.wav" path
cp "$FIX/hihat_48k.wav" "odd/t	x/h.wav"
cp "$FIX/sine440_44k1.wav" "odd/n
l.wav"
# a label with a TAB under a path without one: a binary stream, the path
# changed (the same length, so the stream stays whole)
as-extract -f bin "odd/t	x/h.wav" | as-index -q -o lab.asx
as-index -d lab.asx -f bin >lab0.bin
python3 -c 'import sys; d = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(d.replace(b"t\tx/h.wav", b"t_x/h.wav"))' \
    lab0.bin lab.bin
as-extract -f bin path "odd/n
l.wav" samples/kicks/kick_44k1.flac | as-index -q -o odd.asx
as-index -q -u odd.asx lab.bin
run as-index -d odd.asx -H
expect_status 1
expect_err "as-index: path: a TSV row cannot hold the path 'path' (use -f bin)" \
    "as-index: odd/n\nl.wav: path contains a tab or newline" \
    "as-index: odd/t_x/h.wav: label contains a tab or newline"
[ "$(cut -f 1 "$T/out")" = samples/kicks/kick_44k1.flac ] || fail "odd dump rows"
run as-index -d odd.asx -f bin
expect_status 0
as-index -q -o odd2.asx "$T/out"
cmp -s odd.asx odd2.asx || fail "odd entries: binary dump, rebuilt"
[ "$(as-index -d lib.asx -H | wc -l)" -eq 5 ] || fail "-H rows"

# Labels: none, and from a column joined in with awk.
as-index -l none -o none.asx lib.tsv
[ "$(as-index -d none.asx | cut -f 2 | sort -u | tr '\n' ' ')" = " label " ] ||
    fail "-l none"
awk -F '\t' 'BEGIN { OFS = FS } { print $0, NR == 1 ? "label" : "mine" }' lib.tsv |
    as-index -o mine.asx
[ "$(as-index -d mine.asx | cut -f 2 | sort -u | tr '\n' ' ')" = "label mine " ] ||
    fail "label column"
run as-index -l column -o col.asx lib.tsv
expect_status 1
expect_err "as-index: lib.tsv: no label column (-l column)" \
    "as-index: col.asx: not written: no stream could be read"
[ ! -e col.asx ] || fail "nothing written when every stream is refused"

# JSON summary, and the update counts.
run as-index -J -o lib2.asx lib.tsv
expect_status 0
expect_out '{"index":"lib2.asx","added":5,"changed":0,"unchanged":0,"removed":0,"failed":0}'
run as-index -u lib.asx lib.tsv
expect_status 0
expect_err "as-index: lib.asx: added 0, changed 0, unchanged 5, removed 0, failed 0"
cp "$FIX/noise_white_44k1.wav" samples/hats/noise.wav
rm samples/tones/sine440_44k1.wav
touch -d '2001-01-01' samples/kicks/kick_44k1.flac
as-extract -r -U lib.asx samples >new.tsv
[ "$(wc -l <new.tsv)" -eq 3 ] || fail "-U: the new and the touched files only"
run as-index -u lib.asx -p new.tsv
expect_status 0
expect_err "as-index: lib.asx: added 1, changed 1, unchanged 0, removed 1, failed 0"
[ "$(as-index -d lib.asx -H | wc -l)" -eq 5 ] || fail "five entries after the update"
run as-index -q -u lib.asx new.tsv
expect_no_err

# Merge: two shards give the entries and statistics of one index.
as-extract -r samples/kicks >kicks.tsv
as-extract -r samples/hats samples/tones >rest.tsv
as-index -o kicks.asx kicks.tsv
as-index -o rest.asx rest.tsv
as-index merge -o merged.asx kicks.asx rest.asx
as-index -o direct.asx kicks.tsv rest.tsv
cmp -s merged.asx direct.asx || fail "merged = built at once"
run as-index merge -J -o merged.asx kicks.asx rest.asx
expect_out '{"index":"merged.asx","added":5,"changed":0,"unchanged":0,"removed":0,"failed":0}'
# options may come before the word merge too (as-tools(7)); a stream
# named merge is ./merge
rm merged.asx
run as-index -J -o merged.asx merge kicks.asx rest.asx
expect_out '{"index":"merged.asx","added":5,"changed":0,"unchanged":0,"removed":0,"failed":0}'
cmp -s merged.asx direct.asx || fail "-J -o merged.asx merge: merged"
as-index -q -t 0:1 merge -o merged.asx kicks.asx rest.asx ||
    fail "-t before merge: refused"
cp kicks.tsv merge
run as-index -J -o bymerge.asx ./merge
expect_out '{"index":"bymerge.asx","added":2,"changed":0,"unchanged":0,"removed":0,"failed":0}'
rm merge
# a summary that cannot be written fails the run, in every mode
if [ -w /dev/full ]; then
    for args in "merge -J -o merged.asx kicks.asx rest.asx" \
        "-J -o direct.asx kicks.tsv rest.tsv" "-d merged.asx"; do
        set +e
        # shellcheck disable=SC2086
        as-index $args >/dev/full 2>"$T/err"
        status=$?
        set -e
        expect_status 1
        expect_err "as-index: stdout: No space left on device"
    done
fi

# Another feature set is refused, naming both; -o is all or nothing, so
# nothing is written.
as-extract -s librosa45 samples/hats/hihat_48k.wav >l45.tsv
run as-index -o mixed.asx lib.tsv l45.tsv
expect_status 1
expect_err "as-index: l45.tsv: feature set librosa45, the index has default" \
    "as-index: mixed.asx: not written: 1 input error"
[ ! -e mixed.asx ] || fail "-o wrote after an input error"
as-index -o l45.asx l45.tsv
run as-index merge -o bad.asx lib.asx l45.asx
expect_status 1
expect_err "as-index: l45.asx: feature set librosa45, lib.asx has default" \
    "as-index: bad.asx: not written: 1 input error"
[ ! -e bad.asx ] || fail "merge wrote after an input error"
# when no index given can be read, it says so too
cp lib.asx keep.asx
run as-index merge -o keep.asx missing.asx
expect_status 1
expect_err "as-index: missing.asx: No such file or directory" \
    "as-index: keep.asx: not written: 1 input error"
cmp -s keep.asx lib.asx || fail "merge of nothing changed the output"
# a stream of one column names it in the singular
printf 'path\tx\na.wav\t1\n' >one.tsv
run as-index -u keep.asx one.tsv
expect_status 1
expect_err "as-index: one.tsv: feature set 1 column, the index has default" \
    "as-index: keep.asx: added 0, changed 0, unchanged 0, removed 0, failed 1"

# A malformed row: named with its line, status 1; -o writes nothing (an
# index it would replace stays as it was), -u indexes the other rows.
awk -F '\t' 'BEGIN { OFS = FS } NR == 3 { $7 = "loud" } { print }' lib.tsv >bad.tsv
as-index -o bad.asx l45.tsv
cp bad.asx bad.before
run as-index -o bad.asx bad.tsv
expect_status 1
expect_err "as-index: bad.tsv: line 3: malformed row (column mfcc_mean_1)" \
    "as-index: bad.asx: not written: 1 input error"
cmp -s bad.asx bad.before || fail "-o replaced the index after an input error"
# a number spelt right but beyond its column's range says so
awk -F '\t' 'BEGIN { OFS = FS } NR == 3 { $7 = "1e39" } { print }' lib.tsv >big.tsv
run as-index -o bad.asx big.tsv
expect_status 1
expect_err "as-index: big.tsv: line 3: malformed row (column mfcc_mean_1: out of range)" \
    "as-index: bad.asx: not written: 1 input error"
sed -n 1p lib.tsv >head.tsv
# An empty stream (what as-extract -r writes for a folder on a disk that
# is not mounted: the header alone) does not empty an index: nothing is
# written; a new one may be empty.
n=$(as-index -d bad.asx -H | wc -l)
[ "$n" -gt 0 ] || fail "bad.asx should hold entries"
run as-index -o bad.asx head.tsv
expect_status 1
expect_err "as-index: bad.asx: not written: the streams hold no entry, and it holds $n (remove it first to empty it)"
cmp -s bad.asx bad.before || fail "-o emptied the index"
# nor empty shards, merged over it; a new output may be empty
as-index -q -o empty.asx head.tsv
run as-index merge -o bad.asx empty.asx
expect_status 1
expect_err "as-index: bad.asx: not written: the indexes read hold no entry, and it holds $n (remove it first to empty it)"
cmp -s bad.asx bad.before || fail "merge emptied the index"
as-index -q merge -o empty2.asx empty.asx
[ "$(as-index -d empty2.asx -H | wc -l)" -eq 0 ] || fail "a new empty merge"
# nor one that cannot be opened to count its entries: a damaged segment
# beside a whole base (20 entries, then one more through a segment), or
# a newer format
awk -F '\t' 'BEGIN { OFS = FS } NR == 1 { print; next }
    { for (i = 0; i < 10; i++) { p = $1; $1 = i "_" p; print; $1 = p } }' \
    lib.tsv | head -n 21 >many.tsv
as-index -o seg.asx many.tsv
{ head -n 1 many.tsv; sed -n 2p many.tsv | sed 's|^|new_|'; } |
    as-index -q -u seg.asx
[ -f seg.asx.seg ] || fail "no segment to damage"
cp seg.asx seg.before
flip_byte seg.asx.seg 60
run as-index -o seg.asx head.tsv
expect_status 1
expect_err "as-index: seg.asx: not written: the streams hold no entry, and it cannot be read to count its entries (index is damaged (checksum mismatch); remove it first to empty it)"
cmp -s seg.asx seg.before || fail "-o emptied the index with a damaged segment"
run as-index merge -o seg.asx empty.asx
expect_status 1
cmp -s seg.asx seg.before || fail "merge emptied the index with a damaged segment"
# said by the name given, a link's, not its target's
ln -s seg.asx segl.asx
run as-index -o segl.asx head.tsv
expect_status 1
expect_err "as-index: segl.asx: not written: the streams hold no entry, and it cannot be read to count its entries (index is damaged (checksum mismatch); remove it first to empty it)"
cp bad.asx newer.asx
printf '\011' | dd of=newer.asx bs=1 seek=8 conv=notrunc 2>/dev/null
cp newer.asx newer.before
run as-index -o newer.asx head.tsv
expect_status 1
expect_err "as-index: newer.asx: not written: the streams hold no entry, and it cannot be read to count its entries (index version not supported; remove it first to empty it)"
cmp -s newer.asx newer.before || fail "-o emptied a newer index"
rm bad.asx
as-index -q -o bad.asx head.tsv
[ "$(as-index -d bad.asx -H | wc -l)" -eq 0 ] || fail "a new empty index"
run as-index -u bad.asx bad.tsv
expect_status 1
expect_err "as-index: bad.tsv: line 3: malformed row (column mfcc_mean_1)" \
    "as-index: bad.asx: added 4, changed 0, unchanged 0, removed 0, failed 1"
[ "$(as-index -d bad.asx -H | wc -l)" -eq 4 ] || fail "-u: the good rows indexed"

# A stream cut short, as when its producer is killed mid-row or its disk
# fills: the row the input ends inside (no LF) is refused, since its last
# value may have lost digits, and -o leaves the index it would replace.
# (A stream cut between two rows cannot be told from a shorter one.)
size=$(wc -c <lib.tsv)
head -c $((size - 3)) lib.tsv >cut.tsv
cp lib.asx lib.before
run as-index -o lib.asx cut.tsv
expect_status 1
expect_err "as-index: cut.tsv: line 6: cut short: the stream ends inside it (no LF)" \
    "as-index: lib.asx: not written: 1 input error"
cmp -s lib.asx lib.before || fail "-o replaced the index with a cut stream"
head -c 30 lib.tsv | as-index -o lib.asx 2>"$T/err" && fail "a cut header"
expect_err "as-index: stdin: line 1: cut short: the stream ends inside it (no LF)" \
    "as-index: lib.asx: not written: no stream could be read"
cmp -s lib.asx lib.before || fail "-o replaced the index with a cut header"
as-index -q -o cutu.asx head.tsv
run as-index -u cutu.asx cut.tsv
expect_status 1
[ "$(as-index -d cutu.asx -H | wc -l)" -eq 4 ] || fail "-u: the whole rows of a cut stream"
# a malformed header line (a CR from another system, a trailing TAB) is
# line 1
for end in "$(printf '\r')" "$(printf '\t')"; do
    sed "1s/\$/$end/" lib.tsv >badhead.tsv
    run as-index -o badhead.asx badhead.tsv
    expect_status 1
    expect_err "as-index: badhead.tsv: line 1: malformed header" \
        "as-index: badhead.asx: not written: no stream could be read"
done

# A file that is not an index is never replaced.
echo "my notes" >notes.txt
run as-index -o notes.txt lib.tsv
expect_status 1
expect_err "as-index: notes.txt: exists and is not an index; not replaced"
[ "$(cat notes.txt)" = "my notes" ] || fail "notes kept"
# an index cut short of its header is an index still (its magic): built
# again over it
head -c 100 lib.asx >cut.asx
run as-index -o cut.asx lib.tsv
expect_status 0
as-index -c cut.asx || fail "-o over a cut index"
run as-index -o lib.asx missing.tsv
expect_status 1
expect_err "as-index: missing.tsv: No such file or directory" \
    "as-index: lib.asx: not written: no stream could be read"
printf 'no stream here\n' | as-index -o x.asx 2>"$T/err" && fail "not a stream"
expect_err "as-index: stdin: not a feature stream" \
    "as-index: x.asx: not written: no stream could be read"

# -U before the first index: everything is extracted; -v says what -U did.
run as-extract -v -r -U first.asx samples
expect_status 0
expect_err "as-extract: first.asx: no index yet; extracting everything"
[ "$(wc -l <"$T/out")" -eq 6 ] || fail "-U without an index"
as-index -o first.asx "$T/out"
mkdir samples/moved
mv samples/hats/noise.wav samples/moved/noise.wav
run as-extract -v -r -U first.asx samples
expect_err "as-extract: first.asx: left out 4 unchanged files" \
    "as-extract: first.asx: reused the features of 1 moved file"
# -u on a missing index: an error that says how a first run builds one
# (-u never starts an index: a mistyped path or a disk that is not
# mounted would start a new, empty one elsewhere), no index made and no
# lock file left behind
run as-index -u nothere.asx lib.tsv
expect_status 1
expect_err "as-index: nothere.asx: No such file or directory (build it first with -o)"
[ ! -e nothere.asx.lock ] || fail "no lock file for a missing index"
run sh -c 'as-extract -r -U nothere.asx samples | as-index -u nothere.asx -p'
expect_status 1
expect_err "as-index: nothere.asx: No such file or directory (build it first with -o)"
[ ! -e nothere.asx ] && [ ! -e nothere.asx.lock ] ||
    fail "-u made a missing index"
# the first run, as as-extract(1) -U says, with -o
as-extract -r -U nothere.asx samples | as-index -o nothere.asx
[ "$(as-index -H -d nothere.asx | wc -l)" -eq 5 ] || fail "first run with -o"
