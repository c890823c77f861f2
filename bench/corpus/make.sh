#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/corpus/make.sh [OUTDIR]
#
# Builds the labelled drum corpus of bench/corpus/README into OUTDIR
# (default bench/corpus/out): General MIDI drum kits rendered from three
# soundfonts with fluidsynth and from freepats with timidity, cut into
# one-shots, plus the drum samples of lmms-common and sonic-pi-samples
# labelled by file name, plus their non-drum sounds as distractors. Writes
# OUTDIR/manifest.tsv (path class source kit key velocity; paths relative
# to OUTDIR), OUTDIR/SHA256SUMS (every audio file, in manifest order),
# OUTDIR/zones.tsv (path, then what each rendered note plays: see below),
# and prints files per class per source and the checksums of the first
# two.
#
# As root it installs the Debian packages it needs (examples/deps.sh).
# Idempotent: a kit or folder whose files were all written by this recipe
# is skipped; anything else in OUTDIR is rebuilt from scratch. The same
# packages give the same bytes. Runs the kits two at a time.
set -eu

# one kit, run by xargs below: source kit program soundfont
if [ "${1-}" = "--kit" ]; then
    shift
    src=$1 kit=$2 prog=$3 sf=$4
    dir="$OUT/$src/$kit" part="$OUT/.parts/$src.$kit"
    rm -rf "$dir" "$part.tsv" "$part.recipe"
    mkdir -p "$dir"
    wav="$OUT/.tmp/$src.$kit.wav"
    mid="$OUT/.tmp/$src.$kit.mid"
    # shellcheck disable=SC2086
    "$CORPUS_TOOL" midi "$mid" "$prog" "$GAP" "$HOLD" "$KEY_LO" "$KEY_HI" $VELS
    if [ "$src" = freepats ]; then
        timidity -c "$sf" -idq -Ow --output-24bit --preserve-silence \
            -s 44100 -EFreverb=0 -EFchorus=0 -EFdelay=0 -o "$wav" "$mid" \
            >/dev/null
    else
        fluidsynth -q -ni -R 0 -C 0 -g "$GAIN" -r 44100 -O float -T wav \
            -o synth.cpu-cores=1 -F "$wav" "$sf" "$mid" >/dev/null
    fi
    # slot i starts at 1 + i * GAP s; cut 50 ms short of the next note
    # shellcheck disable=SC2086
    awk -v lo="$KEY_LO" -v hi="$KEY_HI" -v gap="$GAP" -v vels="$VELS" \
        -v dir="$dir" 'BEGIN {
        nv = split(vels, v, " ")
        for (k = lo; k <= hi; k++)
            for (j = 1; j <= nv; j++)
                printf "%.3f\t%.3f\t%s/k%03d-v%03d.wav\n", 1 + i++ * gap,
                    gap - 0.05, dir, k, v[j] }' |
        "$CORPUS_TOOL" cut "$wav" |
        awk -F '\t' -v out="$OUT/" -v src="$src" -v kit="$kit" '
        function class(k) {
            if (k == 35 || k == 36) return "kick"
            if (k == 37) return "rimshot"
            if (k == 38 || k == 40) return "snare"
            if (k == 39) return "clap"
            if (k ~ /^(41|43|45|47|48|50)$/) return "tom"
            if (k == 42) return "hihat_closed"
            if (k == 44) return "hihat_pedal"
            if (k == 46) return "hihat_open"
            if (k == 49 || k == 57) return "crash"
            if (k == 51 || k == 53 || k == 59) return "ride"
            if (k == 52 || k == 55) return "cymbal_other"
            if (k == 54 || k == 69 || k == 70) return "perc_shaken"
            if (k == 56) return "cowbell"
            if ((k >= 60 && k <= 68) || (k >= 75 && k <= 77)) return "other_perc"
            return "unknown" }
        { p = substr($1, length(out) + 1)
          n = split(p, w, "/"); split(w[n], kv, /[kv.-]+/)
          printf "%s\t%s\t%s\t%s\t%d\t%d\n", p, class(kv[2] + 0), src, kit,
              kv[2], kv[3] }' >"$part.tsv"
    rm -f "$wav" "$mid"
    echo "$RECIPE" >"$part.recipe"
    exit 0
fi

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/examples/deps.sh"
as_deps_ensure $AS_DEPS_BUILD $AS_DEPS_CORPUS
build="$root/build-bench"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DAS_BUILD_TESTS=ON >/dev/null
cmake --build "$build" --target as-bench-corpus >/dev/null

OUT=${1:-$root/bench/corpus/out}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
CORPUS_TOOL="$build/bench/as-bench-corpus"
# A slot per note: 6 s, held 4.5 s. The longest tails, crash cymbal 1
# (key 49) of FluidR3_GM and MuseScore_General, still sound at the end of
# the slot (42 notes) and are faded out there.
GAP=6 HOLD=4.5 GAIN=0.5 KEY_LO=35 KEY_HI=81 VELS="40 80 120"
tool_sum=$(cksum <"$CORPUS_TOOL" | cut -d' ' -f1)
RECIPE="gap=$GAP hold=$HOLD gain=$GAIN keys=$KEY_LO-$KEY_HI vels=$VELS tool=$tool_sum"
export OUT CORPUS_TOOL GAP HOLD GAIN KEY_LO KEY_HI VELS RECIPE
mkdir -p "$OUT/.parts" "$OUT/.tmp"
export LC_ALL=C

# GM drum kits: the programs of bank 128 that FluidR3_GM names; TimGM6mb
# and MuseScore_General_Lite have the same eight. freepats has one kit.
kits="0:Standard 8:Room 16:Power 24:Electronic 25:TR-808 32:Jazz 40:Brush 48:Orchestra"
sf2=/usr/share/sounds/sf2 sf3=/usr/share/sounds/sf3
fonts="FluidR3_GM:$sf2/FluidR3_GM.sf2 TimGM6mb:$sf2/TimGM6mb.sf2
    MuseScore_General:$sf3/MuseScore_General_Lite.sf3"
todo=""
for s in $fonts freepats:/etc/timidity/freepats.cfg; do
    src=${s%%:*} sf=${s#*:}
    list=$kits
    [ "$src" = freepats ] && list=0:Standard
    for pk in $list; do
        kit=${pk#*:}
        [ "$(cat "$OUT/.parts/$src.$kit.recipe" 2>/dev/null)" = "$RECIPE" ] &&
            continue
        todo="$todo $src $kit ${pk%%:*} $sf"
    done
done
if [ -n "$todo" ]; then
    echo "rendering $(echo "$todo" | wc -w | awk '{ print $1 / 4 }') kits" >&2
    # shellcheck disable=SC2086
    printf '%s %s %s %s\n' $todo | xargs -n 4 -P 2 sh "$0" --kit
fi

# Sample files labelled by name: lmms_class FOLDER NAME, sonicpi_class NAME
# print the class, or nothing to leave the file out.
lmms_class() {
    case $1 in
    drums)
        case $2 in
        bassdrum* | kick*) echo kick ;;
        clap*) echo clap ;;
        clav*) echo other_perc ;; # claves (GM 75)
        crash*) echo crash ;;
        hihat_closed*) echo hihat_closed ;;
        hihat_foot_pedal*) echo hihat_pedal ;;
        hihat_opened*) echo hihat_open ;;
        ride*) echo ride ;;
        rim* | sidestick*) echo rimshot ;;
        shaker*) echo perc_shaken ;;
        snare_rim*) echo unknown ;; # a rim shot on the snare: neither
        snare* | nasty_snare*) echo snare ;;
        tom*) echo tom ;;
        wood*) echo other_perc ;; # wood block (GM 76, 77)
        zap*) echo fx ;;
        *) echo unknown ;; # nasty_bass, nasty_rim
        esac ;;
    basses | instruments | stringsnpads) echo tonal ;;
    bassloops | beats | latin) echo loop ;;
    effects | misc) echo fx ;;
    esac # shapes, waveforms: single cycles, drumsynth: presets
}
sonicpi_class() {
    case $1 in
    bd_* | drum_bass_* | drum_heavy_kick* | elec_hollow_kick* | elec_soft_kick*)
        echo kick ;;
    sn_* | drum_snare_* | elec_*snare*) echo snare ;;
    drum_cymbal_closed*) echo hihat_closed ;;
    drum_cymbal_open*) echo hihat_open ;;
    drum_cymbal_pedal*) echo hihat_pedal ;;
    drum_splash_*) echo cymbal_other ;;
    drum_tom_* | elec_fuzz_tom*) echo tom ;;
    drum_cowbell*) echo cowbell ;;
    tabla_*) echo other_perc ;; # hand drum strokes, as bongo and conga
    elec_wood*) echo other_perc ;;
    loop_*) echo loop ;;
    ambi_dark_woosh* | ambi_swoosh*) echo fx ;;
    ambi_* | bass_* | guit_*) echo tonal ;;
    glitch_* | mehackit_* | misc_* | vinyl_*) echo fx ;;
    *) echo unknown ;; # drum_cymbal_hard/soft, drum_roll, other elec_, perc_
    esac
}
samples() { # samples SOURCE: lines "kit class file"
    case $1 in
    lmms)
        for f in /usr/share/lmms/samples/*/*; do
            d=${f%/*} d=${d##*/} b=${f##*/} b=${b%.*}
            c=$(lmms_class "$d" "$b")
            [ -n "$c" ] && echo "$d $c $f"
        done ;;
    sonicpi)
        for f in /usr/share/sonic-pi/samples/*.flac; do
            b=${f##*/} b=${b%.flac}
            echo "${b%%_*} $(sonicpi_class "$b") $f"
        done ;;
    esac
}
for src in lmms sonicpi; do
    part="$OUT/.parts/$src"
    [ "$(cat "$part.recipe" 2>/dev/null)" = "$RECIPE" ] && continue
    echo "converting $src" >&2
    rm -rf "${OUT:?}/$src" "$part.tsv" "$part.recipe"
    samples "$src" | while read -r kit class f; do
        b=${f##*/} b=$(printf '%s' "${b%.*}" | tr -c 'A-Za-z0-9_\n-' _)
        mkdir -p "$OUT/$src/$kit"
        t="$OUT/.tmp/$src.wav"
        if ! sox -V1 "$f" -e floating-point -b 32 "$t" rate -v 44100 2>/dev/null; then
            echo "note: $f: sox cannot decode it; left out" >&2
            continue
        fi
        printf '0\t0\t%s\n' "$OUT/$src/$kit/$b.wav" | "$CORPUS_TOOL" cut "$t" |
            awk -F '\t' -v out="$OUT/" -v c="$class" -v s="$src" -v k="$kit" \
                '{ printf "%s\t%s\t%s\t%s\t\t\n", substr($1, length(out) + 1), c, s, k }'
    done >"$part.tsv"
    rm -f "$OUT/.tmp/$src.wav"
    echo "$RECIPE" >"$part.recipe"
done

# manifest, checksums, summary
{
    printf 'path\tclass\tsource\tkit\tkey\tvelocity\n'
    cat "$OUT"/.parts/*.tsv | sort
} >"$OUT/manifest.tsv"
(cd "$OUT" && tail -n +2 manifest.tsv | cut -f1 | tr '\n' '\0' |
    xargs -0 sha256sum) >"$OUT/SHA256SUMS"
# provenance: what each rendered note plays (path, then source:what),
# for bench/dups.sh to tell velocity layers of one recording. A
# soundfont note: the sample ids, and ";vel:" and the generators its
# velocity drives besides level and filter, if any (as-bench-corpus
# zones); a freepats note: its patch file (timidity plays one a key).
: >"$OUT/.tmp/zones"
for s in $fonts; do
    for pk in $kits; do
        # shellcheck disable=SC2086
        "$CORPUS_TOOL" zones "${s#*:}" "${pk%%:*}" "$KEY_LO" "$KEY_HI" $VELS \
            >"$OUT/.tmp/zones.kit"
        awk -F '\t' -v d="${s%%:*}/${pk#*:}" -v src="${s%%:*}" '{
            printf "%s/k%03d-v%03d.wav\t%s:%s%s\n", d, $1, $2, src, $3,
                $4 == "" ? "" : ";vel:" $4 }' "$OUT/.tmp/zones.kit" \
            >>"$OUT/.tmp/zones"
    done
done
awk -v lo="$KEY_LO" -v hi="$KEY_HI" -v vels="$VELS" '
    /^drumset 0/ { d = 1; next }
    /^(bank|drumset)/ { d = 0 }
    d && $1 ~ /^[0-9]+$/ && $1 >= lo && $1 <= hi {
        nv = split(vels, v, " ")
        for (j = 1; j <= nv; j++)
            printf "freepats/Standard/k%03d-v%03d.wav\tfreepats:%s\n", $1,
                v[j], $2 }' /etc/timidity/freepats.cfg >>"$OUT/.tmp/zones"
awk -F '\t' 'NR == FNR { m[$1]; next } $1 in m' "$OUT/manifest.tsv" \
    "$OUT/.tmp/zones" | sort >"$OUT/zones.tsv"
rm -f "$OUT/.tmp/zones" "$OUT/.tmp/zones.kit"
awk -F '\t' 'NR > 1 { n[$2 "\t" $3]++; cl[$2]; sr[$3]; tot[$3]++ }
    END {
        ns = 0; for (s in sr) src[++ns] = s
        for (i = 1; i <= ns; i++) for (j = i + 1; j <= ns; j++)
            if (src[j] < src[i]) { t = src[i]; src[i] = src[j]; src[j] = t }
        nc = 0; for (c in cl) cls[++nc] = c
        for (i = 1; i <= nc; i++) for (j = i + 1; j <= nc; j++)
            if (cls[j] < cls[i]) { t = cls[i]; cls[i] = cls[j]; cls[j] = t }
        printf "%-13s", "class"
        for (i = 1; i <= ns; i++) printf " %8.8s", src[i]
        printf " %6s\n", "all"
        for (c = 1; c <= nc; c++) {
            printf "%-13s", cls[c]; r = 0
            for (i = 1; i <= ns; i++) {
                v = n[cls[c] "\t" src[i]] + 0; r += v; printf " %8d", v }
            printf " %6d\n", r }
        printf "%-13s", "all"; r = 0
        for (i = 1; i <= ns; i++) { printf " %8d", tot[src[i]]; r += tot[src[i]] }
        printf " %6d\n", r }' "$OUT/manifest.tsv"
echo "manifest: $OUT/manifest.tsv sha256 $(sha256sum <"$OUT/manifest.tsv" | cut -d' ' -f1)"
echo "audio:    $OUT/SHA256SUMS sha256 $(sha256sum <"$OUT/SHA256SUMS" | cut -d' ' -f1)"
