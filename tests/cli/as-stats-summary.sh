#!/bin/sh
# SPDX-License-Identifier: MIT
# The sections that come from the index alone: the index file, entries,
# labels, durations (against awk over as-index -d), features and groups
# (against as-extract -C); unlabelled entries, unknown durations and
# columns of no known set.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder -7
as-extract -r samples | as-index -o lib.asx
as-index -d lib.asx >dump.tsv
VERSION=$(as-stats --version | cut -d ' ' -f 2)

# The durations, computed apart: the sum and mean in index order, the
# rest from the sorted values.
durations() {
    awk -F '\t' 'NR > 1 && $3 >= 0 { print $3 }' "$1" >durs
    sort -g durs >sorted
    awk '{ n++; s += $1 }
        END { if (n) printf "%.6f\t%.6f\n", s / n, s; else print "\t" }' \
        durs >sum
    awk '{ v[++n] = $1 }
        END {
            if (!n) { print "\t\t"; exit }
            m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
            printf "%.6f\t%.6f\t%.6f\n", v[1], m, v[n] }' sorted >mmm
    n=$(wc -l <durs)
    total=$(awk -F '\t' 'NR > 1' "$1" | wc -l)
    printf 'duration\tknown\t%d\n' "$n"
    printf 'duration\tunknown\t%d\n' $((total - n))
    printf 'duration\tmin_s\t%s\n' "$(cut -f 1 mmm)"
    printf 'duration\tmedian_s\t%s\n' "$(cut -f 2 mmm)"
    printf 'duration\tmean_s\t%s\n' "$(cut -f 1 sum)"
    printf 'duration\tmax_s\t%s\n' "$(cut -f 3 mmm)"
    printf 'duration\ttotal_s\t%s\n' "$(cut -f 2 sum)"
}

# The index file: its size, and its modification time in UTC.
index_facts() {
    printf 'index\tpath\t%s\n' "$1"
    printf 'index\tsize_bytes\t%d\n' "$(wc -c <"$1")"
    printf 'index\tformat_version\t2\n'
    printf 'index\tmtime\t%s\n' "$(date -u -r "$1" +%Y-%m-%dT%H:%M:%SZ)"
    printf 'index\tchecksum\tverified\n'
}

# The default set's groups, counted from as-extract -C, in group order.
groups() {
    as-extract -C | awk -F '\t' 'NR > 1 { n[$2]++ }
        END { split("timbre pitch brightness envelope noisiness rhythm", g, " ")
              for (i = 1; i <= 6; i++) printf "group\t%s\t%d\t1\n", g[i], n[g[i]] }'
}

{
    index_facts lib.asx
    printf 'entries\ttotal\t7\nentries\tlabelled\t7\nentries\tunlabelled\t0\n'
    printf 'entries\tlabels\t4\n'
    printf 'label\thats\t1\nlabel\tkicks\t2\nlabel\tloops\t2\nlabel\ttones\t2\n'
    durations dump.tsv
    printf 'sources\tprobe\tno\n'
    printf 'features\tset\tdefault\nfeatures\tdimension\t103\n'
    printf 'features\tproducer\taudiosearch %s\n' "$VERSION"
    printf 'features\trate_hz\t22050\nfeatures\tn_fft\t2048\nfeatures\thop\t512\n'
    groups
} >want
run as-stats -n lib.asx
expect_status 0
expect_no_err
expect_out_file want
grep -q '^duration	median_s	0.750023$' want || fail "the median: $(cat want)"
# the long option, and the same bytes again
run as-stats --no-probe lib.asx
expect_out_file want

# Without -n the index sections are the same, and the probe sections are
# added in between (tested in as-stats-probe.sh).
run as-stats lib.asx
expect_status 0
expect_no_err
grep -v '^sources	\|^rate	\|^channels	\|^container	\|^codec	' "$T/out" >probed
grep -v '^sources	' want >want_probed
cmp -s probed want_probed || fail "with probing: $(diff want_probed probed)"

# An even number of durations: the median is the mean of the middle two.
rm samples/loops/clicks_120bpm_4s_44k1.flac
as-extract -r samples | as-index -o lib.asx
as-index -d lib.asx >dump6.tsv
run as-stats -n lib.asx
expect_status 0
durations dump6.tsv >want6
grep -q '^duration	median_s	0.654898$' want6 || fail "even median: $(cat want6)"
grep '^duration' "$T/out" >got6
cmp -s got6 want6 || fail "6 durations: $(diff want6 got6)"
expect_out_line "entries	total	6"
expect_out_line "label	loops	1"
expect_out_line "index	size_bytes	$(wc -c <lib.asx)"

# Some entries without a label, from an empty label column.
awk -F '\t' 'BEGIN { OFS = FS } NR == 2 || NR == 4 { $2 = "" } { print }' \
    dump.tsv | as-index -o part.asx
run as-stats -n part.asx
expect_status 0
expect_out_line "entries	total	7"
expect_out_line "entries	labelled	5"
expect_out_line "entries	unlabelled	2"
expect_out_line "entries	labels	3"
expect_out_line "label	kicks	1"
expect_out_line "label	loops	2"
! grep -q '^label	hats' "$T/out" || fail "a label with no entry"

# No labels at all, no durations, a column of no known set: the set and
# the analysis parameters are unknown, the renamed column is in "other".
cut -f 1,7- dump.tsv |
    awk -F '\t' 'BEGIN { OFS = FS } NR == 1 { $2 = "my_col" } { print }' |
    as-index -l none -o bare.asx
{
    index_facts bare.asx
    printf 'entries\ttotal\t7\nentries\tlabelled\t0\nentries\tunlabelled\t7\n'
    printf 'entries\tlabels\t0\n'
    printf 'duration\tknown\t0\nduration\tunknown\t7\n'
    for k in min_s median_s mean_s max_s total_s; do
        printf 'duration\t%s\t\n' $k
    done
    printf 'sources\tprobe\tno\n'
    printf 'features\tset\t\nfeatures\tdimension\t103\n'
    printf 'features\tproducer\taudiosearch %s\n' "$VERSION"
    printf 'features\trate_hz\t\nfeatures\tn_fft\t\nfeatures\thop\t\n'
    groups | awk -F '\t' 'BEGIN { OFS = FS } $2 == "timbre" { $3-- } { print }'
    printf 'group\tother\t1\t1\n'
} >want_bare
run as-stats -n bare.asx
expect_status 0
expect_no_err
expect_out_file want_bare

# An index with no entries.
head -n 1 dump.tsv | as-index -o empty.asx
run as-stats -n empty.asx
expect_status 0
expect_no_err
expect_out_line "entries	total	0"
expect_out_line "duration	known	0"
expect_out_line "duration	total_s	"
run as-stats empty.asx
expect_status 0
expect_out_line "sources	probed	0"

# Durations whose total passes the largest double (1.8e308): the total
# is empty, the mean and median are still there (before, both empty)
awk -F '\t' 'BEGIN { OFS = FS } NR == 2 { $3 = "1.7e308" } NR == 3 { $3 = "1.5e308" }
    NR <= 3' dump.tsv | as-index -o huge.asx
run as-stats -n huge.asx
expect_status 0
expect_no_err
expect_out_line "duration	total_s	"
for k in median_s mean_s; do
    awk -F '\t' -v k=$k '$1 == "duration" && $2 == k && $3 != "" &&
        $3 + 0 > 1.59e308 && $3 + 0 < 1.61e308 { ok = 1 } END { exit !ok }' \
        "$T/out" || fail "duration $k of 1.7e308 and 1.5e308 not 1.6e308"
done

# An index dated after 2262 (past 64-bit nanoseconds): its own time, not
# 1969 (the file system must hold the time)
cp empty.asx far.asx
if touch -d '2400-01-01 00:00:00 UTC' far.asx 2>/dev/null &&
    [ "$(stat -c %Y far.asx)" -gt 9300000000 ]; then
    run as-stats far.asx
    expect_status 0
    expect_out_line "index	mtime	2400-01-01T00:00:00Z"
fi
