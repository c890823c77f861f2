#!/bin/sh
# SPDX-License-Identifier: MIT
# -r walks, -T lists, -0: order, hidden files, non-audio files.
. "$AS_SRC/tests/cli/lib.sh"

mkdir -p "$T/lib/Kicks" "$T/lib/snares/.hidden-dir" "$T/lib/b-dir"
cp "$FIX/kick_44k1.flac" "$T/lib/Kicks/k1.flac"
cp "$FIX/real_bd_808_44k1.wav" "$T/lib/Kicks/k 2.wav"
cp "$FIX/hihat_48k.wav" "$T/lib/snares/.hidden.wav"
cp "$FIX/hihat_48k.wav" "$T/lib/snares/.hidden-dir/h.wav"
cp "$FIX/mix_44k1_128k.mp3" "$T/lib/snares/s1.mp3"
cp "$FIX/sine440_44k1.wav" "$T/lib/a.wav"
cp "$FIX/sine440_44k1.wav" "$T/lib/b-dir/c.wav"
cp "$FIX/sine440_44k1.wav" "$T/lib/b.wav"
echo "not audio" >"$T/lib/README.txt"
: >"$T/lib/snares/empty.wav"
ln -s ../a.wav "$T/lib/Kicks/link.wav"
ln -s .. "$T/lib/Kicks/loop"

cd "$T"
run as-extract -ri lib
expect_status 0
expect_no_err
cut -f 1 "$T/out" >"$T/paths"
printf '%s\n' path "lib/Kicks/k 2.wav" lib/Kicks/k1.flac lib/Kicks/link.wav \
    lib/a.wav lib/b-dir/c.wav lib/b.wav lib/snares/s1.mp3 >"$T/want"
cmp -s "$T/want" "$T/paths" || { diff "$T/want" "$T/paths"; fail "walk order"; }

# -v names what was skipped.
run as-extract -riv lib
expect_status 0
expect_err "as-extract: lib/README.txt: skipped: not audio" \
    "as-extract: lib/snares/empty.wav: skipped: not audio"

# Without -r a directory is an error; the other operands still count.
run as-extract -i lib lib/a.wav
expect_status 1
expect_err "as-extract: lib: Is a directory (use -r to walk it)"
[ "$(wc -l <"$T/out")" -eq 2 ] || fail "the file after the directory is described"

# A path list, and the same with NUL terminators from find -print0.
printf '%s\n' lib/b.wav "" lib/a.wav >"$T/list"
run as-extract -i -T "$T/list"
expect_status 0
[ "$(cut -f 1 "$T/out" | tr '\n' ' ')" = "path lib/b.wav lib/a.wav " ] ||
    fail "-T order: $(cut -f 1 "$T/out" | tr '\n' ' ')"

find lib -name '*.wav' -type f -print0 | sort -z >"$T/list0"
run_in "$T/list0" as-extract -i0 -T -
expect_status 1  # the empty .wav named explicitly is an error
expect_err "as-extract: lib/snares/empty.wav: empty file"
expect_out_line "lib/Kicks/k 2.wav	wav	pcm_s16	44100	1	16	24685	0.559751	12343"
expect_out_line "lib/snares/.hidden-dir/h.wav	wav	pcm_s16	48000	1	16	14400	0.300000	6615"

# Directories in a -T list are walked with -r.
printf 'lib/b-dir\n' | as-extract -ri -T - >"$T/out"
expect_out_line "lib/b-dir/c.wav	wav	pcm_s16	44100	1	16	44100	1.000000	22050"

# A symbolic link to a file that is gone, walked, named or listed: a
# failed input that says so and names where the link leads (ls shows
# the link, and "No such file or directory" would puzzle); the rest is
# still extracted.
mkdir gone
cp "$FIX/sine440_44k1.wav" gone/a.wav
ln -s /nonexistent/elsewhere.flac gone/link.flac
ln -s ../missing.wav gone/rel.wav
ln -s rel.wav gone/chain.wav
run as-extract -r gone
expect_status 1
expect_err \
    "as-extract: gone/chain.wav: a symbolic link to rel.wav, which leads on to gone/../missing.wav, which does not exist" \
    "as-extract: gone/link.flac: a symbolic link to /nonexistent/elsewhere.flac, which does not exist" \
    "as-extract: gone/rel.wav: a symbolic link to ../missing.wav, which does not exist"
[ "$(wc -l <"$T/out")" -eq 2 ] || fail "the file beside the links is extracted"
for opt in "" -i; do
    run as-extract $opt gone/link.flac gone/a.wav
    expect_status 1
    expect_err "as-extract: gone/link.flac: a symbolic link to /nonexistent/elsewhere.flac, which does not exist"
    [ "$(wc -l <"$T/out")" -eq 2 ] || fail "the file after the link ($opt)"
    printf 'gone/rel.wav\n' >"$T/list"
    run as-extract $opt -T "$T/list"
    expect_status 1
    expect_err "as-extract: gone/rel.wav: a symbolic link to ../missing.wav, which does not exist"
done
run as-extract -q gone/link.flac
expect_status 1
expect_no_err
# A file that is not there at all is still the system's words.
run as-extract gone/none.wav
expect_status 1
expect_err "as-extract: gone/none.wav: No such file or directory"

# The EXAMPLES of as-extract(1).
mkdir samples
cp "$FIX/kick_44k1.flac" "$FIX/sine440_44k1.wav" samples/
run as-extract -ri samples
expect_status 0
find samples -type f -print0 | as-extract -i0 -T - >"$T/ex2"
[ "$(wc -l <"$T/ex2")" -eq 3 ] || fail "find example"
total=$(as-extract -ri samples | awk -F '\t' 'NR > 1 { s += $8 } END { print s / 60 }')
[ "$total" = "0.025" ] || fail "awk example: $total"
