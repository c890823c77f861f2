#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/corpus/as-bench-corpus zones: the samples a drum note plays, read
# from a soundfont's preset and instrument zones, and what its velocity
# drives besides level and filter. bench/dups.sh tells velocity layers of
# one recording from different recordings by it, so a wrong answer here
# is a wrong ground truth there. The soundfont is built here, byte by
# byte: a piano (bank 0, program 0) first, then the kit (bank 128,
# program 0) whose preset zone holds keys 35 to 40 after a global zone,
# then a second kit of that number, which a synthesizer never plays. The
# kit's instrument has a global zone whose modulators drive level and
# filter by velocity (which does not count), plays sample 1 on key 36
# below velocity 64 and sample 2 from 64, samples 0 and 2 together on
# key 38, sample 1 on key 37 with a velocity-driven decay (generator 36),
# and sample 0 on key 41 (out of the preset's range: never played).
. "$(dirname "$0")/lib.sh"
tool="$AS_BUILD/bench/as-bench-corpus"
[ -x "$tool" ] || {
    echo "no $tool (bench/ is built with AS_BUILD_TESTS)" >&2
    exit 1
}
cd "$T"

byte() { printf "\\$(printf %03o "$(($1 & 255))")"; }
u16() { byte "$1" && byte "$(($1 >> 8))"; }
u32() { u16 "$(($1 & 65535))" && u16 "$(($1 >> 16))"; }
name() { printf '%s' "$1" && head -c $((20 - ${#1})) /dev/zero; }
gen() { u16 "$1" && u16 "$2"; }            # generator: operator, amount
range() { u16 "$1" && byte "$2" && byte "$3"; } # operator, low, high
NOPAD=
chunk() { # chunk ID FILE: the chunk, padded to even unless NOPAD is set
    printf '%s' "$1" && u32 "$(wc -c <"$2")" && cat "$2"
    [ $(($(wc -c <"$2") % 2)) -eq 0 ] || [ -n "$NOPAD" ] || byte 0
}
list() { # list TYPE FILE
    { printf '%s' "$1" && cat "$2"; } >list.tmp && chunk LIST list.tmp
}

{ name Piano && u16 0 && u16 0 && u16 0 && u32 0 && u32 0 && u32 0
  name Kit && u16 0 && u16 128 && u16 1 && u32 0 && u32 0 && u32 0
  name Kit2 && u16 0 && u16 128 && u16 3 && u32 0 && u32 0 && u32 0
  name EOP && u16 0 && u16 0 && u16 4 && u32 0 && u32 0 && u32 0; } >phdr
{ for g in 0 1 2 4 5; do u16 $g && u16 0; done; } >pbag
head -c 10 /dev/zero >pmod
{ gen 41 1 && gen 48 0 && range 43 35 40 && gen 41 0 && gen 41 1
  gen 0 0; } >pgen
{ name Drums && u16 0 && name Piano && u16 7 && name EOI && u16 8; } >inst
# zones: global, A to F (drums), G (piano), and the terminal bag
{ for gm in 0:0 1:2 4:2 7:2 9:2 11:2 13:3 15:3 16:3; do
    u16 ${gm%:*} && u16 ${gm#*:}
  done; } >ibag
mod() { u16 "$1" && u16 "$2" && u16 "$3" && u16 0 && u16 0; } # src dest amount
{ mod 2 48 960 && mod 2 8 0 && mod 2 36 100 && mod 0 0 0; } >imod
{ gen 48 0
  range 43 36 36 && range 44 0 63 && gen 53 1
  range 43 36 36 && range 44 64 127 && gen 53 2
  range 43 38 38 && gen 53 0
  range 43 38 38 && gen 53 2
  range 43 37 37 && gen 53 1
  range 43 41 41 && gen 53 0
  gen 53 3
  gen 0 0; } >igen
head -c $((46 * 5)) /dev/zero >shdr
for c in phdr pbag pmod pgen inst ibag imod igen shdr; do
    chunk $c $c
done >pdta.body
list pdta pdta.body >pdta
printf 'abc' >smpl
expected='35	40		
35	100		
36	40	1	
36	100	2	
37	40	1	36
37	100	1	36
38	40	0,2	
38	100	0,2	
41	40		
41	100		'
NOPAD=1
chunk smpl smpl >smpl.chunk # odd: the list is padded, or not (SF3)
for pad in yes no; do
    NOPAD=
    [ $pad = yes ] || NOPAD=1
    list sdta smpl.chunk >sdta
    NOPAD=
    cat sdta pdta >body
    { printf 'sfbk' && cat body; } >riff.body
    chunk RIFF riff.body >kit.sf2
    got=$("$tool" zones kit.sf2 0 35 38 40 100 && "$tool" zones kit.sf2 0 41 41 40 100)
    [ "$got" = "$expected" ] || {
        echo "pad $pad: got:" >&2
        echo "$got" >&2
        exit 1
    }
done

# another program plays nothing; bad files and arguments are refused
[ "$("$tool" zones kit.sf2 1 36 36 100)" = "36	100		" ]
printf 'RIFF\004\000\000\000sfbk' >empty.sf2
if "$tool" zones empty.sf2 0 36 36 100 2>err; then exit 1; fi
grep -q 'empty.sf2: no soundfont tables' err
if "$tool" zones missing.sf2 0 36 36 100 2>/dev/null; then exit 1; fi
if "$tool" zones kit.sf2 0 40 36 100 2>/dev/null; then exit 1; fi
if "$tool" zones kit.sf2 0 36 36 0 2>/dev/null; then exit 1; fi
# a file cut short anywhere is refused or read as far as it holds
size=$(wc -c <kit.sf2)
for n in 8 12 20 100 $((size / 2)) $((size - 50)) $((size - 1)); do
    head -c "$n" kit.sf2 >cut.sf2
    set +e
    "$tool" zones cut.sf2 0 35 38 40 100 >/dev/null 2>err
    st=$?
    set -e
    [ "$st" -le 1 ] || { cat err >&2; exit 1; }
done
echo ok
