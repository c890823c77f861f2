#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: tests/fuzz/run.sh [SECONDS] [TARGET ...]
#
# Builds the libFuzzer targets (clang, -DAS_FUZZ=ON with AddressSanitizer
# and UndefinedBehaviorSanitizer, in build-fuzz/), makes their seed
# corpora from generated signals and the fixtures, and runs each TARGET
# (default: all) for SECONDS (default 60), as many at once as there are
# cores (each fuzzer runs one thread), printing
# per target the inputs run, their rate, the CPU seconds used and the
# corpus size. Exits 1 if any target found a crash, a leak, a timeout or
# a sanitizer report, and names the input it left for inspection; 2 on
# a usage error.
#
# Targets (tests/fuzz/*.c say what each checks):
#   decode_sndfile  WAV, RF64, AIFF, CAF, W64, AU through libsndfile
#   decode_ogg      Ogg Vorbis and Opus through libsndfile
#   decode_flac     native and Ogg FLAC through libFLAC
#   decode_mp3      MPEG audio through libmpg123
#   featread_tsv    TSV feature streams
#   featread_bin    binary feature streams
#   index           index files as they are (the checksums guard them)
#   index_sums      index files with their checksums recomputed, so the
#                   parsing behind the checksums is reached
#   segment         delta segments (INDEX.seg) beside a fixed base, their
#                   checksums recomputed
#   ann, ann_sums   approximate index files (INDEX.ann) for a fixed
#                   index, as they are and with their checksums
#                   recomputed (built only with hnswlib)
#   form            as-serve's query-string and multipart/form-data
#                   parsers
#
# Work files go to build-fuzz/fuzz/ (AS_FUZZ_DIR overrides it):
#   seeds/TARGET/   remade on every run from tests/tools/mksignal, the
#                   fixtures in tests/data and the tools
#   corpus/TARGET/  what the fuzzer found interesting; kept between runs,
#                   so longer runs build on earlier ones
#   crash/TARGET-*  an input that failed (crash-, leak-, timeout-, oom-);
#                   rerun it with build-fuzz/tests/fuzz/fuzz_TARGET FILE
#   log/TARGET.log  libFuzzer's output, ending with its statistics
# A crash becomes a fixture: commit the input, with its fix, as
# tests/fuzz/regress/TARGET/NAME; every run replays those first.
#
# LeakSanitizer reads tests/lsan.supp, which names the third-party leaks
# it suppresses. AS_FUZZ_BUILD names another build directory; CC
# another clang.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
secs=60
if [ $# -gt 0 ]; then
    secs=$1
    shift
fi
case $secs in
'' | *[!0-9]*)
    echo "usage: tests/fuzz/run.sh [SECONDS] [TARGET ...]" >&2
    exit 2
    ;;
esac
all="decode_sndfile decode_ogg decode_flac decode_mp3 featread_tsv \
featread_bin index index_sums segment ann ann_sums form"
targets=${*:-$all}
for t in $targets; do
    case " $all " in
    *" $t "*) ;;
    *)
        echo "run.sh: $t: no such target (targets: $all)" >&2
        exit 2
        ;;
    esac
done

build=${AS_FUZZ_BUILD:-$root/build-fuzz}

work=${AS_FUZZ_DIR:-$build/fuzz}
bin=$build/tests/fuzz
jobs=$(nproc 2>/dev/null || echo 2)

echo "== clang, libFuzzer, ASan + UBSan ($build)" >&2
CC=${CC:-clang}
case $CC in *clang*) ;; *) CC=clang ;; esac
# Ninja when there, as tests/run.sh builds (a tree set up with another
# generator keeps it); line tables only, enough for the reports' file
# and line
gen=$(sed -n 's/^CMAKE_GENERATOR:INTERNAL=//p' "$build/CMakeCache.txt" \
    2>/dev/null || true)
if [ -z "$gen" ]; then
    gen="Unix Makefiles"
    command -v ninja >/dev/null 2>&1 && gen=Ninja
fi
CC=$CC cmake -G "$gen" -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O2 -gline-tables-only -DNDEBUG" \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -gline-tables-only -DNDEBUG" \
    -DAS_FUZZ=ON -DAS_SANITIZE=ON -DAS_WERROR=ON -DAS_BUILD_TESTS=ON \
    >/dev/null
# the ann targets exist when the build found hnswlib: unless named, they
# are left out without it
if [ $# -eq 0 ] && ! grep -q '^HNSWLIB_INCLUDE_DIR:PATH=/' \
    "$build/CMakeCache.txt"; then
    targets=$(echo "$targets" | sed 's/ ann / /; s/ ann_sums / /')
fi
# only what the runs need: the targets, and the tools that make seeds
cmake --build "$build" -j "$jobs" --target mksignal as-extract as-index \
    as-cluster as-anomaly \
    $(for t in $targets; do printf 'fuzz_%s ' "$t"; done) >/dev/null

# ---- seeds ----
mk=$build/tests/mksignal
tools=$build/tools
audio=$root/tests/data/fixtures/audio
rm -rf "$work/seeds"
mkdir -p "$work/seeds" "$work/corpus" "$work/crash" "$work/log"
tmp=$work/seeds/tmp
mkdir -p "$tmp"

# seed TARGET NAME MKSIGNAL-ARGS...: a signal, kept if mksignal could
# write that format
seed() {
    _t=$1 _n=$2
    shift 2
    mkdir -p "$work/seeds/$_t"
    if "$mk" "$@" "$tmp/$_n" 2>/dev/null && [ -s "$tmp/$_n" ]; then
        mv "$tmp/$_n" "$work/seeds/$_t/$_n"
    fi
}
s="-d 0.05 -r 8000"
seed decode_sndfile pcm16.wav $s sine
seed decode_sndfile stereo24x.wav $s -x -c 2 -f pcm24 chirp
seed decode_sndfile u8.wav $s -f u8 noise
seed decode_sndfile float.wav $s -f float clicks
seed decode_sndfile double.wav $s -f double sine
seed decode_sndfile ulaw.wav $s -f ulaw noise
seed decode_sndfile alaw.wav $s -f alaw sine
seed decode_sndfile ima.wav $s -f ima noise
seed decode_sndfile msadpcm.wav $s -f msadpcm sine
seed decode_sndfile pcm16.aiff $s -c 2 sine
seed decode_sndfile sowt.aifc $s noise
seed decode_sndfile pcm16.caf $s sine
seed decode_sndfile alaw.caf $s -f alaw noise
seed decode_sndfile float.w64 $s -f float sine
seed decode_sndfile ima.w64 $s -f ima noise
seed decode_sndfile pcm16.au $s sine
seed decode_sndfile pcm16.rf64 $s sine
seed decode_sndfile junk.wav --junk -b 16 -c 1 -r 8000 -d 0.02 rawwav
seed decode_sndfile raw.au -c 1 -r 8000 -d 0.02 rawau
seed decode_ogg vorbis.ogg -d 0.2 -r 22050 -f vorbis sine
seed decode_ogg opus.opus -d 0.1 -r 48000 -f opus noise
seed decode_flac pcm16.flac $s -c 2 sine
seed decode_flac pcm24.flac $s -f pcm24 chirp
seed decode_flac ogg.oga $s -c 2 sine
cp "$audio/kick_44k1.flac" "$work/seeds/decode_flac/"
mkdir -p "$work/seeds/decode_mp3"
cp "$audio/mix_44k1_128k.mp3" "$work/seeds/decode_mp3/"
# the first frames only: a file that ends before its Xing header says
head -c 2000 "$audio/mix_44k1_128k.mp3" >"$work/seeds/decode_mp3/head.mp3"

# streams and an index from three short signals, two labelled by their
# folder, with clusters and anomaly scores stored
mkdir -p "$tmp/kick" "$tmp/snare" "$work/seeds/featread_tsv" \
    "$work/seeds/featread_bin" "$work/seeds/index" "$work/seeds/index_sums"
"$mk" -d 0.3 -r 22050 clicks "$tmp/kick/a.wav"
"$mk" -d 0.3 -r 22050 -s 7 noise "$tmp/snare/b.wav"
"$mk" -d 0.3 -r 22050 chirp "$tmp/c.wav"
(cd "$tmp" && "$tools/as-extract" -j 1 kick/a.wav snare/b.wav) \
    >"$work/seeds/featread_tsv/two.tsv"
(cd "$tmp" && "$tools/as-extract" -j 1 -s librosa45 -b kick/a.wav \
    snare/b.wav c.wav) >"$work/seeds/featread_bin/three.bin"
"$tools/as-index" -q -o "$tmp/three.asx" "$work/seeds/featread_bin/three.bin"
"$tools/as-cluster" -q -k 2 -W "$tmp/three.asx" >/dev/null
"$tools/as-anomaly" -q -W "$tmp/three.asx" >/dev/null
"$tools/as-index" -d "$tmp/three.asx" >"$work/seeds/featread_tsv/dump.tsv"
cp "$tmp/three.asx" "$work/seeds/index/"
cp "$tmp/three.asx" "$work/seeds/index_sums/"
# and one with a learnt projection (format version 3): two labels with
# two entries each
"$mk" -d 0.3 -r 22050 -a 0.5 clicks "$tmp/kick/d.wav"
"$mk" -d 0.3 -r 22050 -s 9 noise "$tmp/snare/e.wav"
(cd "$tmp" && "$tools/as-extract" -j 1 -s librosa45 -b kick/a.wav \
    kick/d.wav snare/b.wav snare/e.wav) |
    "$tools/as-index" -q -o "$tmp/learnt.asx"
"$tools/as-index" -q -L "$tmp/learnt.asx"
cp "$tmp/learnt.asx" "$work/seeds/index/"
cp "$tmp/learnt.asx" "$work/seeds/index_sums/"
rm -rf "$tmp"
# segments the library's updater (as-index -u) writes for the segment
# target's own base, and the graph of the ann targets' own index: the
# targets make them
for t in $targets; do
    case $t in
    segment)
        mkdir -p "$work/seeds/segment"
        AS_FUZZ_SEED=$work/seeds/segment "$bin/fuzz_segment" >/dev/null 2>&1
        ;;
    ann*)
        mkdir -p "$work/seeds/$t"
        AS_FUZZ_SEED=$work/seeds/$t/built.ann "$bin/fuzz_$t" >/dev/null 2>&1
        ;;
    esac
done
# requests for as-serve's parsers: a Content-Type line, then the body
mkdir -p "$work/seeds/form"
printf 'multipart/form-data; boundary=XX\n--XX\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\nRIFF\r\n--XX\r\nContent-Disposition: form-data; name="k"\r\n\r\n5\r\n--XX--\r\n' \
    >"$work/seeds/form/multipart"
printf 'multipart/form-data; boundary="a b"\n--a b\r\nContent-Disposition: form-data; name=file\r\n\r\n\r\n--a b--' \
    >"$work/seeds/form/quoted"
printf 'text/plain\npath=samples%%2Fkicks%%2Fa.wav&n_results=5&k&x=%%41+b' \
    >"$work/seeds/form/query"

# ---- runs ----
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export LSAN_OPTIONS=suppressions=$root/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# CPU seconds (user and system) the children used between two outputs
# of the shell's times (run in the shell whose children they count)
cpu_between() {
    awk 'FNR == 2 { split($1, u, "m"); split($2, s, "m")
        v = u[1] * 60 + u[2] + s[1] * 60 + s[2]
        if (NR == FNR) a = v; else b = v }
        END { printf "%.0f", b - a }' "$1" "$2"
}
# fuzz TARGET: one run, in a subshell of its own so that its times count
# that fuzzer alone; leaves its report line in $work/out/TARGET and
# "failed" in $work/out/TARGET.failed when it failed
fuzz() {
    t=$1
    case $t in
    decode_*) maxlen=32768 dict=$root/tests/fuzz/decode.dict ;;
    featread_*) maxlen=16384 dict="" ;;
    index* | segment | ann*) maxlen=32768 dict="" ;;
    form) maxlen=4096 dict="" ;;
    esac
    mkdir -p "$work/corpus/$t"
    regress=""
    [ -d "$root/tests/fuzz/regress/$t" ] && regress=$root/tests/fuzz/regress/$t
    log=$work/log/$t.log
    # a run that ends with SIGINT or SIGTERM still counts as a failure
    times >"$work/out/$t.times0"
    if nice -n 10 "$bin/fuzz_$t" -max_total_time="$secs" \
        -max_len="$maxlen" -timeout=20 -rss_limit_mb=2048 \
        ${dict:+-dict="$dict"} -print_final_stats=1 \
        -artifact_prefix="$work/crash/$t-" \
        "$work/corpus/$t" "$work/seeds/$t" $regress >"$log" 2>&1; then
        times >"$work/out/$t.times1"
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
        units=$(ls "$work/corpus/$t" | wc -l)
        printf '%s: %s runs, %s/s, %s s CPU, corpus %s\n' "$t" \
            "${runs:-?}" "${rate:-?}" \
            "$(cpu_between "$work/out/$t.times0" "$work/out/$t.times1")" \
            "$units" >"$work/out/$t"
    else
        {
            echo "$t: FAILED; the end of $log:"
            tail -n 40 "$log"
        } >"$work/out/$t"
        : >"$work/out/$t.failed"
    fi
}
# as many targets at once as there are cores (each fuzzer runs one
# thread), reported in the order given
rm -rf "$work/out"
mkdir -p "$work/out"
n=0
for t in $targets; do
    (fuzz "$t") &
    n=$((n + 1))
    if [ "$n" -ge "$jobs" ]; then
        wait
        n=0
    fi
done
wait
failed=""
for t in $targets; do
    cat "$work/out/$t" >&2
    [ -e "$work/out/$t.failed" ] && failed="$failed $t"
done
if [ -n "$failed" ]; then
    echo "run.sh: failed:$failed (inputs in $work/crash/)" >&2
    exit 1
fi
