#!/bin/sh
# SPDX-License-Identifier: MIT
# --checks on generated files: silence, near silence, clipping, DC, a very
# short file, a truncated tone, a file removed and one overwritten with
# junk after indexing; exact rows, in index order for any -j; JSON; float
# files with NaN and infinite samples.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
mkdir -p s/a s/b
mksignal -d 0.5 silence s/a/silence.wav
mksignal -d 0.5 -a 0.0005 clicks s/a/quiet.wav
mksignal -d 0.5 square s/a/square.wav
mksignal -d 0.5 -a 0.2 dc s/a/dc.wav
mksignal -d 0.01 clicks s/a/short.wav
mksignal -d 0.5 sine s/a/sine.wav
mksignal -d 0.4 clicks s/b/clicks.wav
mksignal -d 0.4 -c 2 -r 48000 clicks s/b/stereo.flac
cp "$FIX/kick_44k1.flac" "$FIX/hihat_48k.wav" s/b/
mksignal -d 0.4 clicks s/b/gone.wav
mksignal -d 0.4 clicks s/b/junk.wav
mksignal -d 0.4 clicks s/b/cut.wav
as-extract -r s | as-index -o lib.asx
rm s/b/gone.wav
printf 'this is no longer audio\n' >s/b/junk.wav
head -c 30000 s/b/cut.wav >cut.wav && mv cut.wav s/b/cut.wav

cat >want.tsv <<'TSV'
path	label	check	detail
s/a/dc.wav	a	dc_offset	mean +0.200
s/a/dc.wav	a	truncated	the last 10 ms at 0.0 dB of the loudest
s/a/quiet.wav	a	near_silence	peak -66.8 dBFS
s/a/short.wav	a	short	10.0 ms
s/a/silence.wav	a	silence	every sample is 0
s/a/sine.wav	a	truncated	the last 10 ms at 0.0 dB of the loudest
s/a/square.wav	a	clipping	220 runs at full scale, the longest 67 samples
s/a/square.wav	a	truncated	the last 10 ms at -0.1 dB of the loudest
s/b/cut.wav	b	undecodable	truncated file
s/b/gone.wav	b	missing	No such file or directory
s/b/junk.wav	b	undecodable	unsupported format
TSV
for j in 1 2 5; do
    run as-anomaly -C -j $j lib.asx
    expect_status 0
    expect_no_err
    expect_out_file want.tsv
done
run as-anomaly --checks -H lib.asx
sed 1d want.tsv >want-h.tsv
expect_out_file want-h.tsv

# JSON: the same rows.
run as-anomaly -C -J lib.asx
expect_status 0
expect_out_line '{"filename":"s/b/gone.wav","label":"b","check":"missing","detail":"No such file or directory"}'
expect_out_line '{"filename":"s/a/quiet.wav","label":"a","check":"near_silence","detail":"peak -66.8 dBFS"}'
[ "$(wc -l <"$T/out")" -eq 11 ] || fail "--json: $(wc -l <"$T/out") lines"
if [ -x /usr/bin/python3 ]; then
    /usr/bin/python3 -c '
import json, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])][1:]
objs = [json.loads(l) for l in open(sys.argv[1])]
assert [[o["filename"], o["label"], o["check"], o["detail"]]
        for o in objs] == rows, objs
' "$T/out" want.tsv || fail "--json does not parse as the TSV"
fi

# The files are opened relative to the current directory.
mkdir elsewhere
cd elsewhere
run as-anomaly -C -H ../lib.asx
expect_status 0
[ "$(cut -f 3 "$T/out" | sort -u)" = missing ] || fail "elsewhere: $(cat "$T/out")"
[ "$(wc -l <"$T/out")" -eq 13 ] || fail "elsewhere: $(wc -l <"$T/out") lines"
cd ..

# A directory where a file was: undecodable, with the system's reason.
rm s/b/clicks.wav
mkdir s/b/clicks.wav
run as-anomaly -C -H lib.asx
expect_out_line "s/b/clicks.wav	b	undecodable	Is a directory"
# A FIFO: refused as a device is, not waited on (that hung).
rmdir s/b/clicks.wav
mkfifo s/b/clicks.wav
run timeout 60 as-anomaly -C -H lib.asx
expect_status 0
expect_out_line "s/b/clicks.wav	b	undecodable	not a regular file"

# Float files with NaN or infinite samples: counted and reported, and
# kept out of the other checks, which still see the finite samples (no
# "nan", "inf" or "-inf" anywhere). The index is written by hand: the
# features do not matter to -C.
mkdir nf
mksignal -d 0.5 -f float --nan 1 sine nf/allnan.wav
mksignal -d 0.5 -c 2 -f float --inf 1 sine nf/infleft.wav
mksignal -d 0.5 -f float -a 0.0005 --nan 100 clicks nf/nanquiet.wav
mksignal -d 0.5 -f float --nan 1000 silence nf/nansilence.wav
mksignal -d 0.5 -f float -a 0.2 --inf 20000 dc nf/oneinf.wav
printf 'path\tlabel\tf0\n' >nf.tsv
i=0
for f in nf/*.wav; do
    i=$((i + 1))
    printf '%s\tnf\t%d\n' "$f" "$i" >>nf.tsv
done
as-index -o nf.asx nf.tsv
cat >want.tsv <<'TSV'
nf/allnan.wav	nf	nonfinite	22050 non-finite samples
nf/infleft.wav	nf	nonfinite	22050 non-finite samples
nf/infleft.wav	nf	truncated	the last 10 ms at -0.1 dB of the loudest
nf/nanquiet.wav	nf	nonfinite	220 non-finite samples
nf/nanquiet.wav	nf	near_silence	peak -66.5 dBFS
nf/nansilence.wav	nf	nonfinite	22 non-finite samples
nf/nansilence.wav	nf	silence	every finite sample is 0
nf/oneinf.wav	nf	nonfinite	1 non-finite sample
nf/oneinf.wav	nf	dc_offset	mean +0.200
nf/oneinf.wav	nf	truncated	the last 10 ms at 0.0 dB of the loudest
TSV
for j in 1 3; do
    run as-anomaly -C -H -j $j nf.asx
    expect_status 0
    expect_no_err
    expect_out_file want.tsv
done
run as-anomaly -C -J nf.asx
expect_status 0
expect_out_line '{"filename":"nf/oneinf.wav","label":"nf","check":"nonfinite","detail":"1 non-finite sample"}'
if grep -Eiq '(^|[^a-z])[-+]?(inf|nan)([^a-z]|$)' "$T/out"; then
    fail "a non-finite value printed: $(cat "$T/out")"
fi

# A float file can be far quieter than any integer one: its peak is told
# as it is, not floored at -200 dBFS (20 log10(1e-20) is -400)
mkdir fq
mksignal -d 0.5 -f float -a 1e-20 sine fq/faint.wav
as-extract fq/faint.wav | as-index -o fq.asx
run as-anomaly -C -H fq.asx
expect_status 0
expect_out_line "$(printf 'fq/faint.wav\tfq\tnear_silence\tpeak -400.0 dBFS')"

# A file of a few samples: its length in thousandths of a ms (one sample
# at 22050 Hz is 0.045 ms, not "0.0 ms")
mkdir one
mksignal -r 22050 -d 0.0000454 sine one/one.wav
as-extract one/one.wav | as-index -o one.asx
run as-anomaly -C -H one.asx
expect_status 0
expect_out_line "$(printf 'one/one.wav\tone\tshort\t0.045 ms')"
