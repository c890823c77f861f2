#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/dups.sh [CORPUSDIR [N [OLDBINDIR]]]
#
# How well as-search -D finds near-duplicates, and how often it mistakes
# different recordings for them, on copies of the labelled corpus of
# bench/corpus/README (default bench/corpus/out) changed with sox, lame
# and opusenc (Debian's sox, lame and opus-tools).
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
#   come from different corpus files of one source, kit and class:
#   "level" when the one is the other times a gain (the residual after
#   the least-squares gain, onsets aligned, is 30 dB under the signal: a
#   soundfont often plays one sample at every velocity, or on two keys,
#   so these are the same recording by the definition), "false (class
#   and kit)" otherwise (different recordings: they are printed on
#   stderr); "false (other)" counts pairs of different recordings of
#   different sources, kits or classes.
# - With OLDBINDIR (the tools of another build, e.g. of the last release),
#   its as-search -D (default options) is scored on the same index too.
#
# Measured on December 3, 2026 (bench/dups.sh /work/corpus-out N; the
# 2-core machine was busy; "before" is the build without the rate check,
# scored the same way):
#                   files  recall  (no 8-bit)  false, class+kit  level
#   N = 120  this    2790   0.952    0.989            0           834
#            before         0.952    0.988            6           834
#   N = 100  this    2436   0.947    0.983            9           799
#            before         0.947 (the same variants found)
#   N = 150  this    3338   0.948    0.984            9           944
# (The level check before this one, onsets within 3 samples only, called
# TimGM6mb's Brush kick at velocity 40 and 80 false too: 8 false pairs at
# N = 120, 17 at N = 100, 13 at N = 150. Pairs of different sources, kits
# or classes in one group, N = 120: 1574, before 1697.) Per variant it finds
# 0.97 to 1.00 of each, except Vorbis 0.90 to 0.93 and 8 bits 0.47 to
# 0.48 (an 8-bit copy of a quiet one-shot is mostly noise).
# The same sample on two keys tuned 5 cents apart (FluidR3's Orchestra
# kit, keys 38 and 40) and two tablas tuned apart (Sonic Pi's tun2 and
# tun3) are told apart by their rates. The false pairs left (N = 100 and
# 150, the same 9) are soundfont velocity layers of one sample, TimGM6mb's
# at velocity 40 against 80 and 120 (three cymbals of the Jazz kit and
# the Electronic kick) and MuseScore's key 42: their residual over the
# whole band is 25 to 28 dB down (the velocity filter), but at 22.05 kHz,
# where -D compares (and where a copy at that rate keeps nothing more),
# 27 to 47 dB down, closer than any Vorbis or Opus copy of a cymbal (9 to
# 30 dB down), with spectra 0.01 to 0.46 dB apart.
# A larger -e trades the other way: with -e 0.7 (OLDBINDIR a wrapper that
# runs this build's as-search -e 0.7), N = 100: recall 0.963 (Vorbis 0.99,
# 8 bits 0.51), the same 9 false pairs of one class and kit, but 1407
# pairs of different sources, kits or classes against 1320, which this
# bench cannot tell true from false (soundfonts share samples); so the
# default stays 0.5.
# as-search -D on the N = 120 library, this build against the one before,
# A B A B A B: 20.5 21.4 22.9 27.9 22.9 25.3 s (medians 22.9 and 25.3 s,
# 1.10 times; the load average was 4 to 5).
set -eu
. "$(dirname "$0")/common.sh"

corpus=${1:-$root/bench/corpus/out}
n_orig=${2:-120}
old=${3:-}
man="$corpus/manifest.tsv"
if [ ! -f "$man" ] || [ ! -f "$corpus/SHA256SUMS" ]; then
    echo "dups.sh: $corpus: no corpus there; build it with" >&2
    echo "  bench/corpus/make.sh $corpus" >&2
    exit 1
fi
for t in sox lame opusenc; do
    command -v $t >/dev/null || {
        echo "dups.sh: $t not found (apt-get install sox lame opus-tools)" >&2
        exit 1
    }
done
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

# level_only A B: whether B is A times a gain, give or take silence
# trimmed at either end: with B shifted so that the onsets (the first
# sample at a quarter of each file's peak) meet, give or take 3 samples
# (or, failing that, 64), the residual of A - g B over both (g the
# least-squares gain) is 30 dB under A. (A soundfont renderer trims a
# quiet velocity's lead-in later, and its tail earlier, so neither the
# lag nor the RMS gives the gain; and where the velocity filter changes
# the peak, the onsets' quarter of it moves: 9 samples for TimGM6mb's
# Brush kick at velocity 40 and 80, whose residual is 30.2 dB down.)
level_only() {
    { sox "$1" -t dat - remix -; echo "; B"; sox "$2" -t dat - remix -; } |
        awk '
        function onset(x, n,    i, m, v) {
            m = 0
            for (i = 0; i < n; i++) { v = x[i] < 0 ? -x[i] : x[i]; if (v > m) m = v }
            for (i = 0; i < n; i++) if ((x[i] < 0 ? -x[i] : x[i]) >= m / 4) return i
            return 0
        }
        /^; B/ { f = 1; next }
        /^;/ { next }
        { if (f) b[nb++] = $2 + 0; else a[na++] = $2 + 0 }
        END {
            ea = 0; bb = 0
            for (i = 0; i < na; i++) ea += a[i] * a[i]
            for (j = 0; j < nb; j++) bb += b[j] * b[j]
            if (ea == 0 || bb == 0) exit 1
            d = onset(b, nb) - onset(a, na)
            # near the onsets first, then (rarely needed, slower) within
            # 64 samples of them
            for (r = 3; r <= 64; r += 61)
                for (lag = d - r; lag <= d + r; lag++) {
                    if (r > 3 && lag >= d - 3 && lag <= d + 3) continue
                    ab = 0
                    for (i = 0; i < na; i++) {
                        j = i + lag
                        if (j >= 0 && j < nb) ab += a[i] * b[j]
                    }
                    g = ab / bb
                    if (ea - 2 * g * ab + g * g * bb < ea * 0.001) exit 0
                }
            exit 1
        }'
}

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
    level=0 classkit=0 other=0
    : >"$tmp/false.txt"
    while IFS="$(printf '\t')" read -r kind a b; do
        if [ "$kind" = other ]; then
            other=$((other + 1))
        elif level_only "$corpus/$a" "$corpus/$b"; then
            level=$((level + 1))
        else
            classkit=$((classkit + 1))
            echo "    $a $b" >>"$tmp/false.txt"
        fi
    done <"$tmp/pairs.tsv"
    echo "  pairs of different files: level $level, false (class and kit) $classkit, false (other) $other"
    head -n 10 "$tmp/false.txt"
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
echo "rerun: bench/dups.sh $corpus $n_orig${old:+ $old}"
