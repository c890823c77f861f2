#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: sh tests/golden/cases.sh OUTDIR
#
# Runs every tool over the test library (the fixtures and signals made
# by mksignal) in the current, empty folder and writes one file per case
# into OUTDIR: the command, its stdout, its stderr and its exit status.
# tests/golden/check.sh compares them with tests/golden/expected/, and
# tests/golden/regen.sh rewrites those. Needs PATH to find the tools and
# mksignal, AS_DATA (tests/data) and LC_ALL=C.
set -eu
out=$1
FIX="$AS_DATA/fixtures/audio"
here=$(pwd)

# case_ NAME CMD...: runs CMD and records it, with the folder's absolute
# name (in as-map's page) replaced by @DIR@.
case_() {
    _name=$1
    shift
    set +e
    "$@" >"$out/$_name.stdout" 2>"$out/$_name.stderr"
    _status=$?
    set -e
    {
        printf '$'
        printf ' %s' "$@"
        printf '\n'
        cat "$out/$_name.stdout"
        printf -- '--- stderr\n'
        cat "$out/$_name.stderr"
        printf -- '--- exit %d\n' "$_status"
    } | sed "s|$here|@DIR@|g" >"$out/$_name"
    rm -f "$out/$_name.stdout" "$out/$_name.stderr"
}

# case_in NAME FILE CMD...: the same with standard input from FILE.
case_in() {
    _name=$1
    _in=$2
    shift 2
    # shellcheck disable=SC2016
    case_ "$_name" sh -c '_in=$1; shift; exec "$@" <"$_in"' sh "$_in" "$@"
}

# The library: the nine samples the man pages use, in labelled folders,
# plus generated signals and the MP3 streams.
mkdir -p lib/kicks lib/hats lib/tones lib/loops lib/noise lib/mp3
cp "$FIX/kick_44k1.flac" "$FIX/real_bd_808_44k1.wav" lib/kicks/
cp "$FIX/hihat_48k.wav" "$FIX/noise_white_44k1.wav" lib/hats/
cp "$FIX/sine440_44k1.wav" "$FIX/chord_ceg_48k_stereo.wav" \
    "$FIX/chirp_log_50-16k_44k1.flac" lib/tones/
cp "$FIX/real_loop_amen_44k1.wav" "$FIX/clicks_120bpm_4s_44k1.flac" lib/loops/
cp "$AS_DATA/mp3/notag_cbr.mp3" "$AS_DATA/mp3/notag_vbr.mp3" lib/mp3/
mksignal -d 0.5 sine:220 lib/tones/sine220.wav
mksignal -d 0.7 -r 22050 chirp:100:3000 lib/tones/chirp.flac
mksignal -d 1 -s 3 noise lib/noise/noise3.wav
mksignal -d 1 -s 4 -c 2 noise lib/noise/noise4.aiff
mksignal -d 0.4 silence lib/noise/silence.wav
mksignal -d 2 -a 1.2 square lib/noise/square.wav
mksignal -d 2 clicks:90 lib/loops/clicks90.wav
cp lib/tones/sine220.wav lib/tones/sine220_copy.wav
# fixed times, since as-extract records them
find lib -type f -exec touch -t 202601020304.05 {} +

# as-extract
case_ extract-default as-extract -r lib
case_ extract-librosa45 as-extract -r -s librosa45 lib
case_ extract-info as-extract -i -r lib
case_ extract-columns as-extract -C
case_ extract-columns-librosa45 as-extract -C -s librosa45
case_ extract-noheader as-extract -H lib/kicks/kick_44k1.flac
case_in extract-stdin lib/tones/sine220.wav as-extract
case_ extract-missing as-extract lib/nothere.wav lib/kicks/kick_44k1.flac
case_ extract-badopt as-extract -j x lib
as-extract -r lib >lib.tsv
as-extract -r -b lib >lib.bin
as-extract -r -s librosa45 lib >lib45.tsv

# as-index
case_ index-build as-index -o lib.asx lib.tsv
case_ index-build-json as-index -J -o libj.asx lib.tsv
case_ index-dump as-index -d lib.asx
case_ index-check as-index -c lib.asx
case_ index-build-bin as-index -o libb.asx lib.bin
case_ index-dump-bin as-index -d libb.asx
case_ index-build-45 as-index -o lib45.asx lib45.tsv
case_ index-learn as-index -L lib.asx
grep -v '^lib/loops/' lib.tsv >part.tsv
as-index -q -o part.asx part.tsv
as-extract -r lib/loops >loops.tsv
as-index -q -o loops.asx loops.tsv
case_ index-update as-index -J -u part.asx lib.tsv
case_ index-update-dump as-index -H -d part.asx
case_ index-merge as-index merge -J -o merged.asx lib45.asx lib.asx
case_ index-merge-loops as-index merge -o merged.asx libb.asx loops.asx
case_ index-merge-dump as-index -d merged.asx
case_ index-notindex as-index -c lib.tsv
: >empty.tsv
case_ index-empty as-index -o e.asx empty.tsv
case_ index-badopt as-index -w x -o x.asx lib.tsv

# as-search
q=lib/kicks/kick_44k1.flac
case_ search-file as-search -k 5 lib.asx "$q"
case_ search-json as-search -J -k 3 lib.asx "$q"
case_ search-path as-search -k 4 -p lib/tones/sine220.wav lib.asx
case_ search-self as-search -S -k 2 -p lib/tones/sine220.wav lib.asx
case_ search-euclidean as-search -m euclidean -k 4 lib.asx "$q"
case_ search-weights as-search -w timbre=2,rhythm=0 -k 4 lib.asx "$q"
case_ search-learned as-search -P -k 4 lib.asx "$q"
case_ search-features as-search -k 2 -F lib45.tsv lib45.asx
case_ search-label as-search -l tones -k 3 lib.asx "$q"
case_ search-duration as-search -t 0.5:2 -k 3 lib.asx "$q"
case_ search-glob as-search -g '*.wav' -k 3 lib.asx "$q"
case_ search-maxdist as-search -d 0.3 lib.asx "$q"
case_ search-list as-search -L lib.asx
case_ search-list-json as-search -J -L -l noise lib.asx
case_ search-dups as-search -D lib.asx
case_ search-dups-json as-search -D -J -e 0.1 lib.asx
case_ search-missing as-search lib.asx lib/nothere.wav
case_ search-nopath as-search -p nothere.wav lib.asx

# as-cluster (and as-search -c after -W)
cp lib.asx libc.asx
case_ cluster-kmeans as-cluster -k 4 lib.asx
case_ cluster-summary as-cluster -s -k 4 lib.asx
case_ cluster-json as-cluster -J -k 3 lib.asx
case_ cluster-krange as-cluster -K 2:6 lib.asx
case_ cluster-dbscan as-cluster -D -m 2 lib.asx
case_ cluster-dbscan-eps as-cluster -D -e 0.5 -m 2 lib.asx
case_ cluster-learned as-cluster -P -k 3 lib.asx
case_ cluster-write as-cluster -W -q -k 4 libc.asx
case_ cluster-search as-search -c 1 -L libc.asx

# as-anomaly
case_ anomaly-knn as-anomaly lib.asx
case_ anomaly-lof as-anomaly -a lof -k 5 lib.asx
case_ anomaly-iforest as-anomaly -a iforest -r 3 lib.asx
case_ anomaly-json as-anomaly -J -n 5 lib.asx
case_ anomaly-checks as-anomaly -C lib.asx
case_ anomaly-mislabeled as-anomaly -M -k 4 lib.asx
case_ anomaly-write as-anomaly -W libc.asx
case_ anomaly-badopt as-anomaly -c 0.9 lib.asx

# as-stats (which prints the index's time)
touch -t 202601020304.05 lib.asx libc.asx
case_ stats-default as-stats lib.asx
case_ stats-columns as-stats -c -n lib.asx
case_ stats-eval as-stats -e -k 3 -n lib.asx
case_ stats-json as-stats -J -e -n lib.asx
case_ stats-learned as-stats -n lib.asx
mkdir gone
cp lib/tones/sine220.wav gone/sine.wav
as-extract -r lib gone >libm.tsv
as-index -o libm.asx libm.tsv
rm gone/sine.wav
touch -t 202601020304.05 libm.asx
case_ stats-missing as-stats -m libm.asx
case_ anomaly-checks-missing as-anomaly -C -f libm.asx

# as-map
case_ map-pca as-map -m pca lib.asx
case_ map-pca-3d as-map -m pca -d 3 -J libc.asx
case_ map-tsne as-map -p 5 -i 300 lib.asx
case_ map-svg as-map -m pca -s /dev/stdout lib.asx
case_ map-html as-map -m pca -k 3 -w /dev/stdout libc.asx
case_ map-badopt as-map -d 4 lib.asx
