#!/bin/sh
# SPDX-License-Identifier: MIT
# examples/parallel-shards.sh: the merged index holds the entries of one
# built directly, with GNU parallel (when installed) and without it.
. "$AS_SRC/tests/cli/lib.sh"

shards=$AS_SRC/examples/parallel-shards.sh
usage="usage: parallel-shards.sh [-n shards] [-S sshlogins] [-w seconds] dir index"
note="parallel-shards.sh: GNU parallel not installed; extracting the shards here, one after another"
cd "$T"
mkdir -p "my samples/kicks" "my samples/tones/long ones" "out dir" home
cp "$FIX/kick_44k1.flac" "$FIX/real_bd_808_44k1.wav" "$FIX/n22k_kick.wav" \
    "my samples/kicks/"
cp "$FIX/sine440_44k1.wav" "$FIX/chord_ceg_48k_stereo.wav" \
    "$FIX/hihat_48k.wav" "$FIX/mix_44k1_pcm16.aiff" "my samples/tones/"
cp "$FIX/mix_44k1_128k.mp3" "$FIX/real_loop_amen_44k1.wav" \
    "my samples/tones/long ones/"
cp "$FIX/n22k_sine440.wav" "my samples/tones/.hidden.wav"
echo "not audio" >"my samples/README.txt"
# parallel keeps its state under HOME.
HOME=$T/home
export HOME

# The index built directly, as the entries to expect.
as-extract -r "my samples" | as-index -o direct.asx
as-index -d direct.asx | sort >want.tsv
[ "$(wc -l <want.tsv)" -eq 10 ] || fail "direct index: $(wc -l <want.tsv) lines"

# same INDEX: INDEX checks out and has the entries of direct.asx, and no
# shard is left next to it.
same() {
    as-index -c "$1" || fail "as-index -c $1"
    as-index -d "$1" | sort >got.tsv
    cmp -s want.tsv got.tsv || { diff want.tsv got.tsv >&2; fail "$1 differs"; }
    [ -z "$(find "out dir" -name '.shards.*')" ] || fail "shards left"
}

# A PATH with every command but parallel, for the fallback. -L too: a
# dangling link in /usr/bin (one machine had X11 -> /bin/X11, itself
# through /bin -> usr/bin) is not -e, and /bin may be /usr/bin.
mkdir nopar
for f in /usr/bin/* /bin/*; do
    b=${f##*/}
    if [ "$b" != parallel ] && [ ! -e "nopar/$b" ] && [ ! -L "nopar/$b" ]; then
        ln -s "$f" "nopar/$b"
    fi
done
[ -e nopar/sh ] || fail "no sh in /usr/bin or /bin"

if command -v parallel >/dev/null 2>&1; then
    for n in 1 3 20; do
        run sh "$shards" -n "$n" "my samples" "out dir/lib $n.asx"
        expect_status 0
        expect_out_empty
        expect_no_err
        same "out dir/lib $n.asx"
    done
else
    echo "note: GNU parallel not installed; only the fallback tested" >&2
fi

# Without parallel: the same index, and a note.
run env PATH="$AS_BIN:$T/nopar" sh "$shards" -n 3 "my samples" "out dir/seq.asx"
expect_status 0
expect_out_empty
expect_err "$note"
same "out dir/seq.asx"

# A file that cannot be read: the others are indexed, status 1.
head -c 3000 "$FIX/sine440_44k1.wav" >"my samples/kicks/cut.wav"
run env PATH="$AS_BIN:$T/nopar" sh "$shards" "my samples" "out dir/cut.asx"
expect_status 1
expect_err "$note" "as-extract: my samples/kicks/cut.wav: truncated file"
same "out dir/cut.asx"
if command -v parallel >/dev/null 2>&1; then
    run sh "$shards" "my samples" "out dir/cut.asx"
    expect_status 1
    expect_err "as-extract: my samples/kicks/cut.wav: truncated file"
    same "out dir/cut.asx"
fi
rm "my samples/kicks/cut.wav"

# Usage errors, a missing folder, a folder without audio.
run sh "$shards"
expect_status 2
expect_err "$usage"
run sh "$shards" -n 0 "my samples" x.asx
expect_status 2
expect_err "parallel-shards.sh: -n: not a number of shards from 1 to 256: 0" "$usage"
run sh "$shards" -w later "my samples" x.asx
expect_status 2
expect_err "parallel-shards.sh: -w: not a number of seconds: later" "$usage"
run sh "$shards" "no samples" x.asx
expect_status 1
expect_err "parallel-shards.sh: no samples: not a directory"
mkdir "no audio"
echo "not audio" >"no audio/notes.txt"
run sh "$shards" "no audio" x.asx
expect_status 1
expect_err "parallel-shards.sh: no audio: no audio files"
[ ! -e x.asx ] || fail "x.asx written"
[ -z "$(find . -maxdepth 1 -name '.shards.*')" ] || fail "shards left"
