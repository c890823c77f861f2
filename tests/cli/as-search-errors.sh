#!/bin/sh
# SPDX-License-Identifier: MIT
# Bad indexes, bad queries and bad options: a clear message, the rest of
# the work done, the right exit status.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
mkdir -p samples/kicks samples/hats
cp "$FIX/kick_44k1.flac" "$FIX/real_bd_808_44k1.wav" samples/kicks/
cp "$FIX/hihat_48k.wav" samples/hats/
as-extract -r samples >lib.tsv
as-index -o lib.asx lib.tsv
K=samples/kicks/kick_44k1.flac
usage="$(as_usage as-search)"
HINT="Try 'as-search --help'."

# --help, --version.
run as-search --help
expect_status 0
[ "$(sed '/^$/q' "$T/out" | sed '$d')" = "$usage" ] ||
    fail "--help: $(head -n 3 "$T/out")"
run as-search --version
expect_status 0
grep -q '^as-search [0-9][0-9.]*$' "$T/out" || fail "--version: $(cat "$T/out")"
as_check_man_options as-search

# Usage errors.
run as-search
expect_status 2
expect_err "as-search: no index given" "$usage" "$HINT"
run as-search lib.asx
expect_status 2
expect_err "as-search: no query: give audio files, -p, -F, or -L or -D" \
    "$usage" "$HINT"
run as-search -k 0 lib.asx $K
expect_status 2
expect_err "as-search: -k: 0 is out of range (1 to 1000000)" \
    "$usage" "$HINT"
# options that go with a mode
for c in "-n 3|-n goes with -L" "-e 1|-e goes with -D" \
    "--dup-distance=1|--dup-distance goes with -D" "-j 2|-j goes with -D"; do
    # shellcheck disable=SC2086
    run as-search ${c%%|*} lib.asx $K
    expect_status 2
    expect_err "as-search: ${c#*|}" "$usage" "$HINT"
done
run as-search -m manhattan lib.asx $K
expect_status 2
run as-search -x lib.asx $K
expect_status 2
run as-search -L -D lib.asx
expect_status 2
run as-search -e 0.1 lib.asx $K
expect_status 2
run_in $K as-search -F - lib.asx -
expect_status 2
expect_err "as-search: standard input can be used only once" \
    "$usage" "$HINT"
run_in $K as-search lib.asx - -
expect_status 2
expect_err "as-search: standard input can be used only once" \
    "$usage" "$HINT"

# The first operand must be an index.
run as-search - $K
expect_status 2
run as-search -D -e 3 -m euclidean -H lib.asx
expect_status 0
# What only a search uses is refused where nothing would use it (it was
# ignored): -D finds its candidates by -m, -w and -P, --like prints -k.
for mode in -L -D --like=kick; do
    case $mode in
    -L) bad="-d 0.1|-k 3|-m euclidean|-P|-r 0.2|-S|-w timbre=2" ;;
    -D) bad="-d 0.1|-k 3|-r 0.2|-S" ;;
    *) bad="-d 0.1|-m euclidean|-P|-r 0.2|-S|-w timbre=2" ;;
    esac
    m=${mode%=kick}
    IFS='|'
    for o in $bad; do
        unset IFS
        # shellcheck disable=SC2086 # the option and its value: two words
        run as-search $mode $o lib.asx
        expect_status 2
        expect_err "as-search: ${o%% *} goes with a search, not $m" \
            "$usage" "$HINT"
        IFS='|'
    done
    unset IFS
done
# a weight for a group the index has no column of: a note, and the
# results as without it
run as-search -H -k 2 lib.asx $K
expect_status 0
cp "$T/out" plain.out
run as-search -H -k 2 -w other=3 lib.asx $K
expect_status 0
expect_out_file plain.out
expect_err "as-search: -w: the index has no column of group other: its weight changes nothing"
run as-search -q -H -k 2 -w other=3 lib.asx $K
expect_status 0
expect_no_err
# two modes at once: that conflict first
run as-search -L -D -k 3 lib.asx
expect_status 2
expect_err "as-search: -L and -D do not go together" "$usage" "$HINT"
# the long names too, and what each mode does use
run as-search -L --max-distance=0.1 lib.asx
expect_status 2
expect_err "as-search: -d goes with a search, not -L" "$usage" "$HINT"
run as-search -H -D -m euclidean -w timbre=2 lib.asx
expect_status 0
run as-search -H --like=kick -k 1 lib.asx
expect_status 0
[ "$(wc -l <"$T/out")" -eq 1 ] || fail "--like -k 1: $(cat "$T/out")"
run as-search missing.asx $K
expect_status 1
expect_err "as-search: missing.asx: No such file or directory"
run as-search lib.tsv $K
expect_status 1
expect_err "as-search: lib.tsv: not an index"
# the index and the query swapped, or no query after a missing index:
# the one reason, not a usage error about the query as well
run as-search $K lib.asx
expect_status 1
expect_err "as-search: $K: not an index"
run as-search missing.asx
expect_status 1
expect_err "as-search: missing.asx: No such file or directory"
# with lists from options, which are freed then too (the sanitizer build
# fails this on a leak)
run as-search -L -l kicks -g '*' -c 1 lib.tsv
expect_status 1
expect_err "as-search: lib.tsv: not an index"
run as-search -l kicks -p x -F lib.tsv lib.tsv
expect_status 1
expect_err "as-search: lib.tsv: not an index"
head -c 16 lib.asx >short.asx
run as-search short.asx $K
expect_status 1
expect_err "as-search: short.asx: corrupt index"
head -c $(($(wc -c <lib.asx) / 2)) lib.asx >half.asx
run as-search half.asx $K
expect_status 1
expect_err "as-search: half.asx: corrupt index"
cp lib.asx flipped.asx
printf 'X' | dd of=flipped.asx bs=1 seek=40 conv=notrunc 2>/dev/null
run as-search flipped.asx $K
expect_status 1
expect_err "as-search: flipped.asx: index is damaged (checksum mismatch)"
expect_out_empty
# a damaged later shard is still an index, and reported as one
run as-search lib.asx flipped.asx $K
expect_status 1
expect_err "as-search: flipped.asx: index is damaged (checksum mismatch)"

# Bad queries: each reported, the others answered, exit 1.
printf 'not audio\n' >notes.wav
: >empty.wav
run as-search -H -k 1 lib.asx notes.wav missing.wav $K empty.wav samples
expect_status 1
expect_err "as-search: notes.wav: unsupported format" \
    "as-search: missing.wav: No such file or directory" \
    "as-search: empty.wav: empty file" \
    "as-search: samples: Is a directory"
[ "$(cut -f 1,3 "$T/out")" = "$K	$K" ] || fail "the good query: $(cat "$T/out")"
run as-search -q -H -k 1 lib.asx notes.wav $K
expect_status 1
expect_no_err
run_in notes.wav as-search lib.asx -
expect_status 1
expect_err "as-search: stdin: unsupported format"
# a feature stream given as audio: -F was meant
as-extract -b $K >q.bin
run as-search -H -k 1 lib.asx lib.tsv $K
expect_status 1
expect_err "as-search: lib.tsv: a feature stream, not audio (give it with -F)"
[ "$(cut -f 1,3 "$T/out")" = "$K	$K" ] || fail "beside a stream: $(cat "$T/out")"
run_in q.bin as-search lib.asx -
expect_status 1
expect_err "as-search: stdin: a feature stream, not audio (give it with -F)"
run as-search -H -k 1 -p nowhere.wav -p $K lib.asx
expect_status 1
expect_err "as-search: nowhere.wav: not in the index"
[ "$(wc -l <"$T/out")" -eq 1 ] || fail "-p: the good query"

# Bad streams: not a stream, another feature set, a bad row (the others
# are still queries).
run as-search -F notes.wav lib.asx
expect_status 1
expect_err "as-search: notes.wav: not a feature stream"
as-extract --features librosa45 $K >l45.tsv
run as-search -F l45.tsv lib.asx
expect_status 1
expect_err "as-search: l45.tsv: feature set librosa45, the index has default"
# the same set name with other columns (a stream's header says "default"
# over a renamed column): say which column differs
as-extract -f bin $K >renamed.bin
at=$(LC_ALL=C grep -boa zcr_mean renamed.bin | cut -d: -f1)
printf q | dd of=renamed.bin bs=1 seek=$((at + 2)) conv=notrunc 2>/dev/null
run as-search -F renamed.bin lib.asx
expect_status 1
expect_err "as-search: renamed.bin: feature set default with column 42 named zcq_mean, the index has zcr_mean"
awk -F '\t' 'BEGIN { OFS = FS } NR == 2 { $5 = "x" } { print }' lib.tsv >bad.tsv
run as-search -H -k 1 -F bad.tsv lib.asx
expect_status 1
expect_err "as-search: bad.tsv: line 2: malformed row (column audio_hash)"
[ "$(wc -l <"$T/out")" -eq 2 ] || fail "bad row: the others"
run as-search -F missing.tsv lib.asx
expect_status 1
expect_err "as-search: missing.tsv: No such file or directory"

# An index of a feature set this version cannot extract: audio queries
# are refused, stream queries work.
awk -F '\t' 'BEGIN { OFS = FS } NR == 1 { $6 = "my_col" } { print }' lib.tsv >mine.tsv
as-index -o mine.asx mine.tsv
run as-search mine.asx $K
expect_status 1
expect_err "as-search: mine.asx: the index holds features (103 columns) that this version cannot extract; give the queries as a stream (-F)"
run as-search -H -k 1 -F mine.tsv mine.asx
expect_status 0
[ "$(wc -l <"$T/out")" -eq 3 ] || fail "custom columns, stream queries"

# A full disk.
if [ -w /dev/full ]; then
    run as-search lib.asx $K
    set +e
    as-search lib.asx $K >/dev/full 2>"$T/err"
    status=$?
    set -e
    expect_status 1
    expect_err "as-search: stdout: No space left on device"
    # --version and --help too: what they printed is lost, and they say so
    for o in --version --help; do
        run sh -c "exec as-search $o >/dev/full"
        expect_status 1
        expect_err "as-search: stdout: No space left on device"
    done
fi
