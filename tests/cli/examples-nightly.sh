#!/bin/sh
# SPDX-License-Identifier: MIT
# examples/nightly-index.sh and examples/crontab: the first run builds,
# later runs add, change, reuse (moved files) and remove; failures leave
# the index whole, and a night whose extraction fails prunes only moved
# files; two runs at once both finish.
. "$AS_SRC/tests/cli/lib.sh"

nightly=$AS_SRC/examples/nightly-index.sh
usage="usage: nightly-index.sh [-w seconds] dir index"
cd "$T"
mkdir -p "my samples/kicks" "my samples/tones" tmp
cp "$FIX/kick_44k1.flac" "$FIX/real_bd_808_44k1.wav" "my samples/kicks/"
cp "$FIX/sine440_44k1.wav" "$FIX/chord_ceg_48k_stereo.wav" \
    "$FIX/hihat_48k.wav" "my samples/tones/"
echo "not audio" >"my samples/README.txt"
ix="my index.asx"
# The temporary stream goes to TMPDIR: it must be gone after every run.
TMPDIR=$T/tmp
export TMPDIR
tmp_clean() {
    [ -z "$(ls -A "$T/tmp")" ] || fail "temporary files left: $(ls -A "$T/tmp")"
}
# summary ADDED CHANGED UNCHANGED REMOVED FAILED: the line a run logs.
# a night whose extraction failed also says what -m kept (sixth)
summary() {
    echo "nightly-index.sh: $ix: added $1, changed $2, unchanged $3, removed $4, failed $5${6+, kept $6}"
}
entries() {
    as-index -c "$ix" || fail "as-index -c $ix"
    n=$(as-index -H -d "$ix" | wc -l)
    [ "$n" -eq "$1" ] || fail "$n entries, want $1"
}
# nightly [ARG...]: a run on the sample folder, into $T/out and $T/err.
nightly() {
    run sh "$nightly" "$@" "my samples" "$ix"
}

# Usage errors and a missing folder: no index, status 2 or 1.
run sh "$nightly"
expect_status 2
expect_err "$usage"
run sh "$nightly" "my samples"
expect_status 2
expect_err "$usage"
nightly -w soon
expect_status 2
expect_err "nightly-index.sh: -w: not a number of seconds: soon" "$usage"
run sh "$nightly" -h
expect_status 0
expect_out "$usage"
run sh "$nightly" "no samples" "$ix"
expect_status 1
expect_err "nightly-index.sh: no samples: not a directory"
[ ! -e "$ix" ] || fail "index made from nothing"

# The first run builds; the second finds nothing to do.
nightly
expect_status 0
expect_out_empty
expect_err "$(summary 5 0 0 0 0)"
entries 5
tmp_clean
cp "$ix" before.asx
nightly
expect_status 0
expect_out_empty
expect_err "$(summary 0 0 0 0 0)"
cmp -s before.asx "$ix" || fail "a run without changes changed the index"
tmp_clean

# A file added, one with new content, one only touched.
cp "$FIX/noise_white_44k1.wav" "my samples/tones/noise.wav"
cp "$FIX/n22k_kick.wav" "my samples/kicks/real_bd_808_44k1.wav"
touch -d '2001-02-03 04:05:06' "my samples/tones/hihat_48k.wav"
nightly
expect_status 0
expect_err "$(summary 1 2 0 0 0)"
entries 6
as-index -d "$ix" | grep -F "my samples/kicks/real_bd_808_44k1.wav	" |
    cut -f 4 >"$T/size"
[ "$(cat "$T/size")" -eq "$(wc -c <"$FIX/n22k_kick.wav")" ] ||
    fail "the new content is not indexed"

# A file moved: its features are reused, not extracted again. To tell,
# the index is first given a made-up value for it (mfcc_mean_0, column 7
# of a dump), which only reuse can carry over to the new path.
as-index -d "$ix" | awk -F '\t' 'BEGIN { OFS = FS }
    $1 == "my samples/kicks/kick_44k1.flac" { $7 = "-999" } { print }' >doctored.tsv
as-index -o "$ix" doctored.tsv
mv "my samples/kicks/kick_44k1.flac" "my samples/tones/kick moved.flac"
nightly
expect_status 0
expect_err "$(summary 1 0 0 1 0)"
entries 6
as-index -d "$ix" | awk -F '\t' '$1 ~ /kick_44k1|kick moved/ { print $1 "\t" $7 }' >"$T/kicks"
[ "$(cat "$T/kicks")" = "my samples/tones/kick moved.flac	-999" ] ||
    fail "moved file not reused: $(cat "$T/kicks")"

# A file deleted.
rm "my samples/tones/sine440_44k1.wav"
nightly
expect_status 0
expect_err "$(summary 0 0 0 1 0)"
entries 5
tmp_clean

# A file that cannot be read: the rest is indexed, nothing is pruned
# that night (a deletion at the same time waits), and the status is 1.
head -c 3000 "$FIX/sine440_44k1.wav" >"my samples/tones/cut.wav"
cp "$FIX/n22k_sine440.wav" "my samples/tones/sine.wav"
rm "my samples/tones/chord_ceg_48k_stereo.wav"
nightly
expect_status 1
expect_err "as-extract: my samples/tones/cut.wav: truncated file" \
    "as-index: $ix: -m kept 1 entry whose file is gone and did not move" \
    "$(summary 1 0 0 0 0 1)"
entries 6
# ... and when it is the only change of the night, as-extract writes
# nothing at all: nothing is indexed, and the log says so (not that the
# temporary stream, gone by then, was empty)
cp "$ix" before.asx
nightly
expect_status 1
expect_err "as-extract: my samples/tones/cut.wav: truncated file" \
    "nightly-index.sh: $ix: as-extract wrote nothing (see above); left as it is"
cmp -s before.asx "$ix" || fail "index changed by a night of failures"
tmp_clean
rm "my samples/tones/cut.wav"
nightly
expect_status 0
expect_err "$(summary 0 0 0 1 0)"
entries 5
tmp_clean

# A folder's files (4 of the 5 entries) moved on a night a file cannot
# be read: the moved entries go that night (their audio came back under
# the new paths), nothing else is pruned, and the night after is clean.
# Before, they stayed, and the next night -p, which no longer saw them
# come back, refused every night to prune the entries of the empty
# folder (a disk not mounted?) until someone ran -F by hand.
head -c 3000 "$FIX/sine440_44k1.wav" >"my samples/kicks/cut.wav"
mkdir "my samples/tonal"
mv "my samples/tones/"* "my samples/tonal/"
nightly
expect_status 1
expect_err "as-extract: my samples/kicks/cut.wav: truncated file" \
    "$(summary 4 0 0 4 0 0)"
entries 5
rm "my samples/kicks/cut.wav"
nightly
expect_status 0
expect_err "$(summary 0 0 0 0 0)"
entries 5
tmp_clean

# An index that is not whole is left alone, with status 1.
cp "$ix" good.asx
head -c $(($(wc -c <good.asx) / 2)) good.asx >"$ix"
cp "$ix" damaged.asx
nightly
expect_status 1
expect_err "as-extract: $ix: corrupt index" \
    "nightly-index.sh: $ix: as-extract wrote nothing (see above); left as it is"
cmp -s damaged.asx "$ix" || fail "a damaged index was replaced"
tmp_clean
cp good.asx "$ix"

# The folder empty (a file system not mounted?): as-index refuses to
# prune everything, and the index stays as it was.
mv "my samples" away
mkdir "my samples"
nightly
expect_status 1
expect_err "as-index: $ix: -p would remove 5 of the 5 entries; nothing written (see --force-prune)"
cmp -s good.asx "$ix" || fail "index changed by an empty folder"
tmp_clean
rmdir "my samples"
mv away "my samples"

if command -v flock >/dev/null 2>&1; then
    # hold SECONDS: another writer holds the index's lock that long, from
    # the moment this returns ($holder is its process).
    hold() {
        flock "$ix.lock" sleep "$1" &
        holder=$!
        i=0
        while flock -n "$ix.lock" true; do
            i=$((i + 1))
            [ "$i" -lt 100 ] || fail "the lock was never taken"
            sleep 0.05
        done
    }
    # The lock held by another writer: fail after -w, index untouched;
    # then wait for it.
    cp "$FIX/n22k_hihat.wav" "my samples/kicks/hat.wav"
    hold 3
    nightly -w 0.2
    expect_status 1
    expect_err "as-index: $ix: locked by another process (see --wait)"
    cmp -s good.asx "$ix" || fail "index changed while locked"
    tmp_clean
    nightly -w 30
    expect_status 0
    expect_err "$(summary 1 0 0 0 0)"
    wait "$holder"
    entries 6

    # Two runs at once, both waiting for a third writer: both finish,
    # each logs one summary, and the index holds every file. First
    # building a new index, then updating it.
    for step in build update; do
        if [ "$step" = build ]; then
            rm "$ix"
            want=6
        else
            cp "$FIX/n22k_noise_white.wav" "my samples/tones/noise2.wav"
            cp "$FIX/n22k_chord_ceg.wav" "my samples/chord.wav"
            want=8
        fi
        hold 1
        sh "$nightly" "my samples" "$ix" 2>err1 &
        one=$!
        sh "$nightly" "my samples" "$ix" 2>err2 &
        two=$!
        wait "$one" || fail "$step: first run failed: $(cat err1)"
        wait "$two" || fail "$step: second run failed: $(cat err2)"
        wait "$holder"
        for e in err1 err2; do
            [ "$(wc -l <"$e")" -eq 1 ] &&
                grep -Eqx "nightly-index.sh: $ix: added [0-9]+, changed 0, unchanged [0-9]+, removed 0, failed 0" "$e" ||
                fail "$step: $e: $(cat "$e")"
        done
        entries "$want"
        tmp_clean
    done
else
    echo "note: flock(1) not installed; lock cases skipped" >&2
fi

# The line of examples/crontab, as cron would run it: /bin/sh, from an
# empty environment's HOME, tools found through the PATH it sets.
n=$(grep -c '^#[0-9]' "$AS_SRC/examples/crontab" || true)
[ "$n" -eq 1 ] || fail "examples/crontab: $n lines, want 1"
line=$(sed -n 's/^#\([0-9]\)/\1/p' "$AS_SRC/examples/crontab")
set -f
set -- $line
set +f
[ "$1 $2 $3 $4 $5" = "17 3 * * *" ] || fail "crontab schedule: $1 $2 $3 $4 $5"
cmd=$(printf '%s\n' "$line" | cut -d ' ' -f 6-)
mkdir -p home/audiosearch/build
ln -s "$AS_BIN" home/audiosearch/build/tools
ln -s "$AS_SRC/examples" home/audiosearch/examples
mkdir -p home/samples/drums
cp "$FIX/kick_44k1.flac" "$FIX/hihat_48k.wav" home/samples/drums/
cp "$FIX/sine440_44k1.wav" home/samples/
for night in 1 2; do
    (
        unset AS_BIN
        HOME=$T/home
        PATH=/usr/bin:/bin
        export HOME PATH
        cd "$HOME"
        sh -c "$cmd"
    ) || fail "the crontab line failed: $(cat home/nightly-index.log)"
done
[ "$(wc -l <home/nightly-index.log)" -eq 4 ] || fail "log: $(cat home/nightly-index.log)"
sed -n '2p;4p' home/nightly-index.log >"$T/out"
expect_out "nightly-index.sh: $T/home/samples.asx: added 3, changed 0, unchanged 0, removed 0, failed 0" \
    "nightly-index.sh: $T/home/samples.asx: added 0, changed 0, unchanged 0, removed 0, failed 0"
