#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/dups.sh [CORPUSDIR [N [OLDBINDIR]]]
#
# How well as-search -D finds near-duplicates, and how often it mistakes
# different recordings for them, on copies of the labelled corpus of
# bench/corpus/README (default bench/corpus/out) changed with sox, lame
# and opusenc (Debian's sox, lame and opus-tools, installed when missing
# as the quick start installs its packages).
#
# What the figures mean:
# - Originals: N files (default 120) of the corpus, every (pool / N)-th of
#   the pool (files with a class, one of each set of byte-identical files
#   as in bench/quality.sh), as orig/PATH.
# - Others: every other pool file of the same source, kit and class as an
#   original, as orig/PATH too: the other drums of that kind in that kit,
#   other keys and other velocities, which must not be reported.
# - Variants of each original, as var/PATH.NAME.EXT: gain -20 dB, gain -6
#   dB, normalised to -1 dBFS (a gain up), 8 and 24 bits, 22.05 and 48
#   kHz, MP3 96 and 128 kbit/s (lame -b), Vorbis (sox -C 3), Opus 64
#   kbit/s (opusenc), a stereo file panned (remix 1v0.9 1v0.4), and 0.25
#   s / 0.5 s and 1 s / 0 s of silence padded at the start / end (the
#   original is the copy with silence trimmed).
# - Everything is extracted (default feature set) and indexed as one
#   library, and as-search -D runs with its defaults.
# - recall: the share of variants that are in their original's group
#   (per variant, then all). pairs: pairs of members of one group that
#   come from different corpus files, judged by as-bench-samerec: "same
#   recording" when the one is the other times a gain (shifted to a 32nd
#   of a sample, the residual after the least-squares gain is 30 dB under
#   the signal: a soundfont often plays one sample at every velocity, on
#   two keys, or in several kits, and two soundfonts may hold one
#   recording, so these are duplicates by the definition); "velocity
#   layers of one sample" when they are not, but are one key of one kit
#   at two velocities, playing the same samples (or freepats patch), and
#   the velocity drives nothing but their level and filter (the corpus's
#   zones.tsv: one recording, scaled and low-pass filtered by the
#   synthesizer, which may leave more than 30 dB between them);
#   "false (class and kit)" when they are neither and come from one
#   source, kit and class (different recordings of one kind, which must
#   not be reported; the line before the variants says how many such
#   pairs the library holds), and "false (other)" when they are not the
#   same and come from different sources, kits or classes. The pairs not
#   the same are printed with their residual, velocity layers after the
#   false pairs of one class and kit.
# - With OLDBINDIR (the tools of another build, e.g. of the last release),
#   its as-search -D (default options) is scored on the same index too.
#
# Measured on December 4, 2026, with velocity layers counted apart
# (bench/dups.sh /work/corpus-out N; as-search as below):
#            different  recall  same recording   layers  false
#            (c+k)              (c+k / other)             (c+k / other)
#   N = 100  8561       0.956   798 / 1162        8       0 / 152
#   N = 120  8888       0.958   834 / 1365        0       0 / 233
#   N = 150  9253       0.955   943 / 1431        8       0 / 325
#   N = 120, the finder before the audio check (OLDBINDIR the as-search
#   of c92280e^, features within -e 0.01, scored in the same run as a
#   recall of 0.957 for this one):
#            8888       0.558   602 / 1175        0      23 / 144
# ("different": pairs of different recordings of one class and kit in
# the library, the first line printed. The old finder's 23 are mostly
# kicks of keys 35 and 36 in one kit, 6 to 8 dB apart. Of this one's
# 152 false pairs of other kits at N = 100, 39 are one sample that
# another kit of the soundfont plays through its own envelope or filter,
# 32 are of FluidR3 and MuseScore (whose sample ids say nothing of each
# other), and 81 are different samples of one soundfont: TimGM6mb's Power
# kit layers its toms' sample 105 with sample 56, 16 dB down, where its
# Brush kit plays 105 alone.)
# Earlier the same day (bench/dups.sh /work/corpus-out N OLD,
# OLD the tools of the build before the candidates by the attack alone,
# scored on the same index in the same run):
#                     files  recall  same (class+kit / other)  false (c+k / other)
#   N = 100  this      2436   0.956        798 / 1162               8 / 152
#            before           0.949        798 / 1162               8 / 152
#   N = 120  this      2790   0.957        834 / 1365               0 / 233
#            before           0.951        834 / 1365               0 / 209
#   N = 150  this      3338   0.954        943 / 1431               8 / 325
#            before           0.948        943 / 1431               8 / 307
# The attack candidates find 8-bit copies (0.46-0.49 -> 0.55-0.58); the
# other pairs they add are the same drum in another kit of one soundfont
# (TimGM6mb's key 47 in its Brush, Jazz and Power kits, 16 dB apart),
# which now and then joins one group rather than another. Earlier the
# same day, before them:
#   N = 100  level     2436   0.951        798 / 1162               8 / 152
#            before           0.949        799 / 1162               9 / 158
#   N = 120  level            0.952        834 / 1365               0 / 227
#            before           0.952 (December 3)                    0
#   N = 150  level            0.949        943 / 1431               8 / 307
#            before           0.948 (December 3)                    9
# ("level" is the build with the level check of lib/search/dupaudio.c,
# its step 8, but its alignment refined within 1024 samples of the peak,
# not 4096; "before" the build without either; December 3: measured with
# the truth before this one, which judged the pairs of one class and kit
# as this one does.) The wider alignment matters for pitched sounds more
# than for drums: of 206 corpus files longer than 4 s (lmms and Sonic Pi
# instruments, pads and loops) with 8 copies each (gain -20 dB, 8 bits,
# 22.05 kHz, MP3 96 and 128, Vorbis, Opus, padded), -D groups 1531 of the
# 1648 copies with their original before and 1538 after (every copy of
# Sonic Pi's guit_e_slide but one was missed: lined up a period off).
# (Until this build the truth lined the files up to the whole sample and
# judged pairs of one source, kit and class only: a sample played between
# its points is 18 dB off at the best whole shift, and the 1320 pairs of
# different sources, kits or classes were printed as "false (other)"
# unjudged. FluidR3 and MuseScore General hold many of the same
# recordings, 3.875 samples apart in one case; of those 1320, 1162 are
# the same recording by the 30 dB rule, and the other 158 are 15 to 30 dB
# off: one recording edited or played through another envelope or filter
# by the other soundfont or kit, not different recordings of another
# kind.) Per variant it finds 0.97 to 1.00 of each, except Vorbis 0.90 to
# 0.93 and 8 bits 0.55 to 0.58 (an 8-bit copy of a quiet one-shot is
# mostly noise; of 100 such copies, 77 pass the audio check alone).
# The same sample on two keys tuned 5 cents apart (FluidR3's Orchestra
# kit, keys 38 and 40) and two tablas tuned apart (Sonic Pi's tun2 and
# tun3) are told apart by their rates, and MuseScore's closed hi-hat at
# velocity 40 and 80 by its level, which falls 2.2 dB more over its 0.14
# s (157 standard errors; no copy's moves by more than 0.72 dB or 8.9
# standard errors). The level check also parts one pair the truth calls
# the same recording (MuseScore's key 42 at velocity 80 and 120, 30 dB
# down, whose level moves by 1.3 dB: another envelope, within the 30 dB).
# (Before zones.tsv the table's false pairs of one class and kit, 8 at
# N = 100 and 150, were soundfont velocity layers of one sample,
# TimGM6mb's at velocity 40 against 80 and 120 (three cymbals of the
# Jazz kit and the Electronic kick): their level
# stays put, their residual over the whole band is 25 to 28 dB down (the
# velocity filter), but at 22.05 kHz, where -D compares (and where a copy
# at that rate keeps nothing more), 27 to 47 dB down, closer than any
# Vorbis or Opus copy of a cymbal (9 to 30 dB down), with spectra 0.01 to
# 0.46 dB apart. Where they differ (spectra of the aligned files): the
# rides (keys 51 and 59) within 0.1 dB in every sixth of an octave from
# 4 to 11 kHz, key 51 2 to 11 dB apart from 12.8 kHz up; the ride bell
# (53) 0.8 to 7 dB apart from 9.5 kHz, 36 to 69 dB under the loudest
# band; the kick in its first 64 samples only (1.5 ms; the two 7 samples
# apart), each later block of 1024 samples 55 to 69 dB down. The MP3 (96
# kbit/s) and Vorbis copies of the bell are 0.6 to 2.2 dB off in those
# bands too (coding noise): what parts these pairs in the truth a copy
# changes as well, so -D is left calling them the same recording. The
# soundfont says so too: TimGM6mb plays sample 57 for key 51 of its Jazz
# kit at every velocity, and every key of the 24 kits plays the same
# samples at every velocity (zones.tsv), so these pairs are one recording
# through two filters, now counted as "velocity layers of one sample".
# Only MuseScore's closed hi-hat (key 42) lets the velocity drive more:
# its decay and release, so its velocities are told apart, and counted
# as different recordings.)
# A larger -e trades the other way: with -e 0.7 (OLDBINDIR a wrapper that
# runs this build's as-search -e 0.7), each against the default in one
# run of its own (whose 8-bit copies sox dithered afresh, hence default
# figures a little off the table above):
#            recall 0.5 -> 0.7     false (c+k)     false (other)
#   N = 100  0.951 -> 0.959        8 -> 9          152 -> 239
#   N = 120  0.951 -> 0.957        0 -> 0          208 -> 320
#   N = 150  0.949 -> 0.957        8 -> 9          308 -> 413
# (Vorbis 0.90 -> 0.97; MuseScore's hi-hat pair is back, through the
# Vorbis copy of the one, whose noisy windows the level check cannot
# use.) More copies found, and more different recordings grouped: the
# default stays 0.5. (The recall of the default moves by 0.002 from run
# to run: sox dithers the 8-bit copies afresh each time.)
# as-search -D on the N = 120 library, against the build before the
# attack candidates, 7 times A B: medians 14.6 and 13.8 s (1.06 times;
# load average 1.9).
# as-search -D on the N = 120 library, A B A B A B against the build
# before the level check: 13.4 13.6 13.2 11.6 10.7 11.3 s, medians 13.2
# and 11.6 s (the check costs nothing measurable; load average 1.7).
# December 3, against the build before the rate check: medians 22.9 and
# 25.3 s (1.10 times; the load average was 4 to 5).
# December 7, the confirmation's own cost, on the corpus's 3843 files
# (as-extract -q -r CORPUS | as-index -q -o corp.asx, then
# /usr/bin/time as-search -D corp.asx, the build before the alignment's
# lanes and the kept leader frames and this one in turn, 3 times each,
# outputs byte-identical): medians 34.7 and 18.8 s of processor time,
# 19.7 and 10.8 s on 2 cores (-j 1: 29.0 and 16.2 s).
set -eu
. "$(dirname "$0")/common.sh"

corpus=${1:-$root/bench/corpus/out}
n_orig=${2:-120}
old=${3:-}
man="$corpus/manifest.tsv"
if [ ! -f "$man" ] || [ ! -f "$corpus/SHA256SUMS" ] ||
    [ ! -f "$corpus/zones.tsv" ]; then
    echo "dups.sh: $corpus: no corpus there (or one without zones.tsv); build it with" >&2
    echo "  bench/corpus/make.sh $corpus" >&2
    exit 1
fi
. "$root/examples/deps.sh"
as_deps_ensure sox lame opus-tools
corpus=$(cd "$corpus" && pwd)
man="$corpus/manifest.tsv"
export LC_ALL=C
bin="$build/tools"

# the pool: one of each set of identical files, class known
awk -F '\t' -v OFS='\t' 'NR == FNR { split($0, w, "  "); h[w[2]] = w[1]; next }
    FNR > 1 && $2 != "unknown" && !(h[$1] in seen) { seen[h[$1]]; print }' \
    "$corpus/SHA256SUMS" "$man" >"$tmp/pool.tsv"
awk -F '\t' -v n="$n_orig" 'NR == FNR { total++; next }
    FNR == 1 { step = total / n }
    FNR - 1 >= next_at && picked < n { print $1; picked++; next_at += step }' \
    "$tmp/pool.tsv" "$tmp/pool.tsv" >"$tmp/orig.txt"
# the others: same source, kit and class as an original
awk -F '\t' 'NR == FNR { o[$1]; next } { k = $3 "\t" $4 "\t" $2 }
    $1 in o { want[k] } { key[FNR] = k; p[FNR] = $1 }
    END { for (i = 1; i <= FNR; i++) if (key[i] in want) print p[i] }' \
    "$tmp/orig.txt" "$tmp/pool.tsv" >"$tmp/keep.txt"

# each pool file's recording: two files are one recording when they are
# one key playing the same samples (or freepats patch) and the velocity
# drives nothing but level and filter (zones.tsv); one sample on two
# keys (retuned), a note whose velocity drives more, and a file of no
# known provenance (lmms, Sonic Pi) are each their own
awk -F '\t' -v OFS='\t' 'NR == FNR { z[$1] = $2; next }
    { print $1, ($1 in z) && z[$1] !~ /(:|;vel:.*)$/ ? z[$1] "/" $5 : $1 }' \
    "$corpus/zones.tsv" "$tmp/pool.tsv" >"$tmp/recording.tsv"
# how many pairs of different recordings of one class and kit the library
# holds: what "false (class and kit)" below is out of
awk -F '\t' '
    FILENAME == ARGV[1] { rec[$1] = $2; next }
    FILENAME == ARGV[2] { k[$1]; next }
    $1 in k {
        g = $2 "\t" $3 "\t" $4
        p = rec[$1]
        n[g]++; m[g, p]++
        if (m[g, p] > 1) same += m[g, p] - 1
    }
    END {
        for (g in n) all += n[g] * (n[g] - 1) / 2
        printf "pairs of different recordings of one class and kit: %d\n", all - same
    }' "$tmp/recording.tsv" "$tmp/keep.txt" "$tmp/pool.tsv"

lib="$tmp/lib"
mkdir -p "$lib"
while IFS= read -r p; do
    mkdir -p "$lib/orig/$(dirname "$p")"
    ln -s "$corpus/$p" "$lib/orig/$p"
done <"$tmp/keep.txt"
n_var=0
while IFS= read -r p; do
    src="$corpus/$p"
    v="$lib/var/$p"
    mkdir -p "$(dirname "$v")"
    sox "$src" "$v.gain-20.wav" gain -20
    sox "$src" "$v.gain-6.wav" gain -6
    sox "$src" "$v.norm.wav" gain -n -1
    sox "$src" -b 8 "$v.bits8.wav"
    sox "$src" -b 24 "$v.bits24.wav"
    sox "$src" "$v.rate22k.wav" rate 22050
    sox "$src" "$v.rate48k.wav" rate 48000
    lame --quiet -b 96 "$src" "$v.mp3-96.mp3"
    lame --quiet -b 128 "$src" "$v.mp3-128.mp3"
    sox "$src" -C 3 "$v.vorbis.ogg"
    opusenc --quiet --bitrate 64 "$src" "$v.opus.opus"
    sox "$src" -c 2 "$v.stereo.wav" remix 1v0.9 1v0.4
    sox "$src" "$v.pad.wav" pad 0.25 0.5
    sox "$src" "$v.lead1s.wav" pad 1 0
    n_var=$((n_var + 14))
done <"$tmp/orig.txt"
echo "originals $(wc -l <"$tmp/orig.txt"), others $(($(wc -l <"$tmp/keep.txt") - $(wc -l <"$tmp/orig.txt"))), variants $n_var"

cd "$lib"
t0=$(now)
"$bin/as-extract" -q -k -r orig var -o lib.tsv ||
    echo "dups.sh: some files could not be extracted" >&2
t1=$(now)
"$bin/as-index" -q -o lib.asx lib.tsv
echo "extract: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"

# score GROUPS.TSV (as-search -D -H output: group, member, path, ...)
score() {
    # members: group, corpus path, variant name ("" for an original)
    awk -F '\t' -v OFS='\t' '{
        p = $3
        if (sub(/^orig\//, "", p)) v = ""
        else {
            sub(/^var\//, "", p)
            n = split(p, w, ".")
            v = w[n - 1]
            p = substr(p, 1, length(p) - length(w[n - 1]) - length(w[n]) - 2)
        }
        print $1, p, v
    }' "$1" >"$tmp/members.tsv"
    # recall per variant
    awk -F '\t' '
        NR == FNR { if ($3 == "") og[$2] = $1; else vg[$2 SUBSEP $3] = $1; next }
        { orig[$1] }
        END {
            split("gain-20 gain-6 norm bits8 bits24 rate22k rate48k mp3-96 mp3-128 vorbis opus stereo pad lead1s", names, " ")
            for (i = 1; i <= 14; i++) {
                hit = 0; n = 0
                for (o in orig) {
                    n++
                    if ((o SUBSEP names[i]) in vg && o in og &&
                        vg[o SUBSEP names[i]] == og[o])
                        hit++
                }
                all += hit; tot += n
                printf "  %-8s %.3f\n", names[i], n ? hit / n : 0
            }
            printf "  recall   %.3f (%d of %d variants)\n", tot ? all / tot : 0, all, tot
        }' "$tmp/members.tsv" "$tmp/orig.txt"
    # pairs of members from different corpus files
    awk -F '\t' -v OFS='\t' '
        NR == FNR { meta[$1] = $3 "\t" $4 "\t" $2 "\t" $5; next }
        { n[$1]++; m[$1, n[$1]] = $2 }
        END {
            for (g in n)
                for (i = 1; i <= n[g]; i++)
                    for (j = i + 1; j <= n[g]; j++) {
                        a = m[g, i]; b = m[g, j]
                        if (a == b) continue
                        if (a > b) { t = a; a = b; b = t }
                        if ((a, b) in done) continue
                        done[a, b]
                        split(meta[a], x, "\t"); split(meta[b], y, "\t")
                        if (x[1] == y[1] && x[2] == y[2] && x[3] == y[3])
                            print "classkit", a, b
                        else
                            print "other", a, b
                    }
        }' "$tmp/pool.tsv" "$tmp/members.tsv" | sort >"$tmp/pairs.tsv"
    # the truth (as-bench-samerec): the same recording after a gain, or not
    awk -F '\t' -v c="$corpus" -v OFS='\t' '{ print c "/" $2, c "/" $3 }' \
        "$tmp/pairs.tsv" >"$tmp/pairs-abs.tsv"
    split -n l/2 "$tmp/pairs-abs.tsv" "$tmp/part."
    for f in "$tmp"/part.*; do
        "$build/bench/as-bench-samerec" <"$f" >"$f.out" &
    done
    wait
    cat "$tmp"/part.*.out | awk -F '\t' -v c="$corpus/" -v OFS='\t' '
        { for (i = 1; i <= 2; i++)
              if (index($i, c) == 1) $i = substr($i, length(c) + 1)
          print }' |
        sort >"$tmp/truth.tsv"
    rm -f "$tmp"/part.*
    sort "$tmp/pairs.tsv" | awk -F '\t' -v OFS='\t' 'NR == FNR { t[$1 "\t" $2] = $3 "\t" $4; next }
        { print $1, $2, $3, ($2 "\t" $3) in t ? t[$2 "\t" $3] : "-\t-" }' \
        "$tmp/truth.tsv" - >"$tmp/judged.tsv"
    # a pair of one class and kit the truth parts is still one recording
    # when recording.tsv says so: velocity layers of one sample, scaled
    # and filtered by the synthesizer
    awk -F '\t' -v OFS='\t' 'NR == FNR { rec[$1] = $2; next }
        $1 == "classkit" && $4 != "same" && rec[$2] == rec[$3] {
            $1 = "layer" }
        { print }' "$tmp/recording.tsv" "$tmp/judged.tsv" >"$tmp/judged2.tsv"
    mv "$tmp/judged2.tsv" "$tmp/judged.tsv"
    awk -F '\t' '
        $1 == "classkit" && $4 == "same" { level++ }
        $1 == "classkit" && $4 != "same" { ck++ }
        $1 == "layer" { layer++ }
        $1 == "other" && $4 == "same" { os++ }
        $1 == "other" && $4 != "same" { of++ }
        END {
            printf "  pairs of different files: same recording %d (class and kit) + %d (other), velocity layers of one sample %d, false (class and kit) %d, false (other) %d\n", level, os, layer, ck, of
        }' "$tmp/judged.tsv"
    awk -F '\t' '$4 != "same" { printf "    %s %s %s %s dB\n", $1, $2, $3, $5 }' \
        "$tmp/judged.tsv" | sort -s -k 1,1 >"$tmp/false.txt"
    head -n 20 "$tmp/false.txt"
}

t0=$(now)
"$bin/as-search" -D -H lib.asx >new.tsv
t1=$(now)
echo
echo "as-search -D (this build): $(cut -f 1 new.tsv | sort -u | wc -l) groups, $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
score new.tsv
if [ -n "$old" ]; then
    "$old/as-search" -D -H lib.asx >old.tsv
    echo
    echo "as-search -D ($old): $(cut -f 1 old.tsv | sort -u | wc -l) groups"
    score old.tsv
fi
echo
echo "rerun: bench/dups.sh $(shq "$corpus") $n_orig${old:+ $(shq "$old")}"
