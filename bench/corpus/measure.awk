# SPDX-License-Identifier: MIT
# Scores as-search's ranked output on the labelled corpus for
# bench/corpus/fit.sh (the same scores as bench/quality.sh, reading the
# columns by their header names, so that the confidence column counts).
#
# usage: awk -F '\t' -v set=SET -v units=UNITS -v pairs=FILE \
#            -f bench/corpus/measure.awk manifest.tsv pool.txt results.tsv
#
# results.tsv: as-search output with its header and every entry as a
# result of every query (-k the pool's size). Relevant = the query's
# class. Modes "all" and "other" (the query's hold-out unit removed;
# UNITS "a=b" makes source a part of unit b). Prints, tab-separated:
#   score SET MODE CLASS N P@1 P@10 AP
#   reason SET GROUP SHARE          (of the top-10 results, other mode)
#   nores SET SHARE                 (top-10 results with no reason)
# and writes to FILE, for the confidence fit, one line per top-10 result
# in the other mode: distance, 1 if same class else 0, confidence.
BEGIN {
    n = split(units, w, " ")
    for (i = 1; i <= n; i++) { split(w[i], ab, "="); unit[ab[1]] = ab[2] }
}
FILENAME == ARGV[1] {
    if (FNR > 1) { cls[$1] = $2; src[$1] = ($3 in unit) ? unit[$3] : $3 }
    next
}
FILENAME == ARGV[2] { npool[cls[$1]]++; nsrc[cls[$1], src[$1]]++; next }
FNR == 1 {
    for (i = 1; i <= NF; i++) c[$i] = i
    cd = c["distance"]; cr = c["reasons"]; cc = c["confidence"]
    next
}
$1 != q { finish(); start($1) }
$3 == q { next }
{
    hit = (cls[$3] == qc)
    step("all", hit)
    if (src[$3] != qs) step("other", hit)
}
function start(p,   m) {
    q = p; qc = cls[p]; qs = src[p]
    rel["all"] = npool[qc] - 1
    rel["other"] = npool[qc] - nsrc[qc, qs]
    for (m in rel) { r[m] = 0; h[m] = 0; ap[m] = 0; h1[m] = 0; h10[m] = 0 }
}
function step(m, hit,   i, k, g) {
    r[m]++
    if (hit) { h[m]++; ap[m] += h[m] / r[m] }
    if (r[m] == 1) h1[m] = hit
    if (r[m] <= 10) {
        h10[m] += hit
        if (m == "other") {
            top++
            printf "%s\t%d\t%s\n", $cd, hit, cc ? $cc : "-" > pairs
            k = split($cr, g, ",")
            if (k == 0) none++
            for (i = 1; i <= k; i++) { rs[g[i]]++; grp[g[i]] }
        }
    }
}
function finish(   m) {
    if (q == "") return
    for (m in rel) {
        if (rel[m] <= 0) continue
        add(m, qc); add(m, "all")
    }
}
function add(m, k) {
    N[m, k]++; P1[m, k] += h1[m]
    P10[m, k] += h10[m] / (r[m] < 10 ? r[m] : 10)
    AP[m, k] += ap[m] / rel[m]
    seen[k]
}
END {
    finish()
    for (m in rel)
        for (k in seen)
            if (N[m, k])
                printf "score\t%s\t%s\t%s\t%d\t%.4f\t%.4f\t%.4f\n", set, m, k,
                    N[m, k], P1[m, k] / N[m, k], P10[m, k] / N[m, k],
                    AP[m, k] / N[m, k]
    for (g in grp)
        printf "reason\t%s\t%s\t%.4f\n", set, g, rs[g] / top
    printf "nores\t%s\t%.4f\n", set, none / top
}
