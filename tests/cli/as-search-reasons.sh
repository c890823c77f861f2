#!/bin/sh
# SPDX-License-Identifier: MIT
# Reasons that discriminate: a group is a reason when its similarity is
# at least -r and in the most alike 30% of that group's similarities over
# the query's nearest results (200 at most), so no group is a reason for
# more than 30% of them and different results get different reasons;
# rhythm/tempo is never a reason between two one-shots (by is_loop, or
# for a set without it, both shorter than 3 seconds); fewer than 10
# results: the -r floor alone.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
mkdir s
# 54 one-shots of a second or less: tones, chirps, noise and clicks
i=0
for hz in 110 165 220 330 440 550 660 880 1320 1760 2640 3520; do
    for d in 0.3 0.8; do
        mksignal -d $d -a 0.$((i % 7 + 2)) sine:$hz s/sine$hz-$d.wav
        i=$((i + 1))
    done
done
for f in 100 200 400 800 1600 3200; do
    mksignal -d 0.5 chirp:$f:$((f * 4)) s/chirp$f.wav
    mksignal -d 0.4 -a 0.$((f % 7 + 2)) -s $f noise s/noise$f.wav
done
for s in 1 2 3 4 5 6 7 8 9 10 11 12; do
    mksignal -d 0.$((s % 9 + 1)) -a 0.$((s % 8 + 2)) -s $s noise s/burst$s.wav
done
for bpm in 60 90 150 200 240 300; do
    mksignal -d 0.9 clicks:$bpm s/click$bpm.wav
done
as-extract -r s >lib.tsv
as-index -o lib.asx lib.tsv
n=$(($(wc -l <lib.tsv) - 1))
[ "$n" -eq 54 ] || fail "library of $n"

# shares COL: per group, in how many of the results a group is a reason
shares() {
    awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "reasons") c = i; next }
        { k = split($c, w, ","); for (i = 1; i <= k; i++) n[w[i]]++ }
        END { for (g in n) print g, n[g] }' "$T/out"
}

# A query's 53 results (every other entry): no group a reason for more
# than 15 of them (30% of 53), and several distinct reasons lists among
# its ten nearest.
fails=0
for p in s/sine440-0.3.wav s/noise800.wav s/chirp400.wav s/click150.wav \
    s/burst7.wav; do
    run as-search -k 53 -r -1 -p "$p" lib.asx
    expect_status 0
    expect_no_err
    shares >sh
    awk -v p="$p" '$2 > 15 { print p ": " $0; bad = 1 } END { exit bad }' sh ||
        fails=1
    distinct=$(sed -n 2,11p "$T/out" | awk -F '\t' '{ print $12 }' | sort -u | wc -l)
    [ "$distinct" -gt 2 ] || fail "$p: the ten nearest share their reasons"
done
[ "$fails" -eq 0 ] || fail "a group is a reason for more than 30%"

# The neighbours are searched for whatever -k: -k 1 gives the first row
# of -k 10.
run as-search -H -k 10 -r -1 -p s/noise800.wav lib.asx
head -n 1 "$T/out" >want
run as-search -H -k 1 -r -1 -p s/noise800.wav lib.asx
expect_out_file want

# Between one-shots (is_loop 0), rhythm/tempo is never a reason, even
# from -r -1; every other group is one somewhere.
run as-search -H -k 54 -r -1 -F lib.tsv lib.asx
expect_status 0
cut -f 12 "$T/out" | tr ',' '\n' | sort -u | grep . >got
cat >want <<'EOT'
brightness
envelope
noisiness
pitch/melody
timbre
EOT
cmp -s want got || fail "reasons among one-shots: $(cat got)"
# while rhythm is often as alike as the most alike groups
awk -F '\t' '$11 >= 0.9' "$T/out" | grep -q . || fail "no rhythm alike"

# A loop (clicks for 4 s, is_loop 1) beside one-shots: rhythm/tempo may
# be a reason between it and another loop, never with a one-shot.
mksignal -d 4 clicks:120 s/loop120.wav
mksignal -d 4 clicks:125 s/loop125.wav
as-extract -r s >lib2.tsv
as-index -o lib2.asx lib2.tsv
run as-search -H -k 56 -r -1 -p s/loop120.wav lib2.asx
expect_status 0
awk -F '\t' '$3 != "s/loop125.wav" && $12 ~ /rhythm/' "$T/out" | grep -q . &&
    fail "rhythm a reason between a loop and a one-shot"

# librosa45 has no is_loop column: files shorter than 3 s are one-shots.
as-extract -s librosa45 -r s >l45.tsv
as-index -o l45.asx l45.tsv
run as-search -H -k 56 -r -1 -F l45.tsv l45.asx
expect_status 0
awk -F '\t' '$1 !~ /loop/ && $3 !~ /loop/ && $12 ~ /rhythm/' "$T/out" |
    grep -q . && fail "librosa45: rhythm a reason between short files"

# -r is a floor: at 0.99 only near-identical groups are reasons.
run as-search -H -k 10 -r 0.99 -p s/noise800.wav lib.asx
expect_status 0
awk -F '\t' '{ k = split($12, w, ","); for (i = 1; i <= k; i++) {
        g = w[i] == "pitch/melody" ? 7 : w[i] == "brightness" ? 8 : w[i] == "envelope" ? 9 : w[i] == "noisiness" ? 10 : w[i] == "timbre" ? 6 : 11
        if ($g < 0.99) exit 1 } }' "$T/out" || fail "-r 0.99 floor"

# -d cuts the results as -k does, not the neighbours the reasons are
# measured over: the rows it leaves are the first of the run without it,
# reasons and all (with 5 rows left, the -r floor alone decided before).
as-search -H -k 53 -r -1 -p s/sine440-0.3.wav lib.asx >all
d=$(awk -F '\t' 'NR == 5 { a = $5 } NR == 6 { print (a + $5) / 2 }' all)
run as-search -H -k 53 -r -1 -d "$d" -p s/sine440-0.3.wav lib.asx
expect_status 0
[ "$(wc -l <"$T/out")" -eq 5 ] || fail "-d $d: $(wc -l <"$T/out") rows"
head -n 5 all | cmp -s - "$T/out" ||
    fail "-d changed the rows it left: $(cat "$T/out")"

exit 0
