#!/bin/sh
# SPDX-License-Identifier: MIT
# --columns: each column's name and group (as as-extract -C gives them),
# and its mean, population standard deviation, minimum and maximum,
# computed again with awk from as-index -d.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder -7
as-extract -r samples | as-index -o lib.asx
as-index -d lib.asx >dump.tsv

# check_columns STATS DUMP: the column lines of STATS against the feature
# columns of DUMP (from field 7 on). The minimum and maximum are values of
# the matrix and must print the same. The mean and deviation are sums in
# double over float32 values; awk sums the %.9g decimals the dump prints
# instead, each within 5e-9 of its value relative to the column's largest
# magnitude, and both sides print 9 digits: 3e-8 of that magnitude bounds
# the difference.
check_columns() {
    awk -F '\t' '$1 == "column"' "$1" >cols
    awk -F '\t' '
    NR == FNR { name[FNR] = $2; m[FNR] = $4; s[FNR] = $5; lo[FNR] = $6
                hi[FNR] = $7; nc = FNR; next }
    FNR == 1 { for (j = 7; j <= NF; j++) hdr[j - 6] = $j; nh = NF - 6; next }
    { n++; for (j = 7; j <= NF; j++) { v[n, j - 6] = $j; sum[j - 6] += $j } }
    function abs(x) { return x < 0 ? -x : x }
    END {
        if (nc != nh) { print "columns: " nc ", want " nh; exit 1 }
        bad = 0
        for (c = 1; c <= nc; c++) {
            mean = sum[c] / n; ss = 0; mn = v[1, c]; mx = v[1, c]
            for (i = 1; i <= n; i++) {
                d = v[i, c] - mean; ss += d * d
                if (v[i, c] < mn) mn = v[i, c]
                if (v[i, c] > mx) mx = v[i, c]
            }
            sd = sqrt(ss / n)
            tol = 3e-8 * (abs(mn) > abs(mx) ? abs(mn) : abs(mx))
            if (name[c] != hdr[c] || lo[c] != sprintf("%.9g", mn) ||
                hi[c] != sprintf("%.9g", mx) || abs(m[c] - mean) > tol ||
                abs(s[c] - sd) > tol) {
                printf "%s: got %s %s %s %s, want %.9g %.9g %.9g %.9g\n",
                    hdr[c], m[c], s[c], lo[c], hi[c], mean, sd, mn, mx
                bad = 1
            }
        }
        exit bad
    }' cols "$2" || fail "column statistics"
}

run as-stats -c -n lib.asx
expect_status 0
expect_no_err
cp "$T/out" stats.out
check_columns stats.out dump.tsv
[ "$(grep -c '^column	' stats.out)" -eq 103 ] || fail "103 columns"
# names and groups, in order, as as-extract -C lists them
awk -F '\t' '$1 == "column" { print $2 "\t" $3 }' stats.out >got
as-extract -C | awk -F '\t' 'NR > 1 { print $1 "\t" $2 }' >want
cmp -s want got || fail "names and groups: $(diff want got | head)"
# the column lines come after the groups, and nothing else changes
grep -v '^column	' stats.out >rest
run as-stats -n lib.asx
expect_out_file rest
awk -F '\t' '{ print $1 }' stats.out | uniq | tail -n 2 | tr '\n' ' ' >order
[ "$(cat order)" = "group column " ] || fail "order: $(cat order)"
run as-stats --columns -n lib.asx
expect_out_file stats.out

# Columns of one's own: negative, constant (deviation exactly 0), tiny
# and large values, in the group "other".
cat >own.tsv <<'EOF'
path	neg	const	tiny	big
a.wav	-1.5	3	1e-30	123456792
b.wav	-2.25	3	2e-30	-98765432
c.wav	-0.125	3	4.5e-30	5
d.wav	-7	3	0	16777216
EOF
as-index -o own.asx own.tsv
run as-stats -c -n own.asx
expect_status 0
as-index -d own.asx >own_dump.tsv
check_columns "$T/out" own_dump.tsv
expect_out_line "column	const	other	3	0	3	3"
expect_out_line "column	neg	other	-2.71875	2.58658649	-7	-0.125"
expect_out_line "group	other	4	1"
