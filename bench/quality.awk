# SPDX-License-Identifier: MIT
# Scores as-search's ranked output for bench/quality.sh.
#
# usage: awk -F '\t' -v set=SET -v units=UNITS -f bench/quality.awk \
#            manifest.tsv pool.txt results.tsv
#
# manifest.tsv: the corpus manifest (path class source ...); pool.txt: the
# paths the index holds, one a line; results.tsv: as-search output, its
# header line included (the columns are found by name), with every entry
# as a result of every query (-k the pool's size), so that ranks and
# average precision are exact. Relevant = the query's
# class. Two modes: "all" (every other entry is a candidate) and "other"
# (entries of the query's own hold-out unit removed from its ranking: the
# unit is the source, except that UNITS, "a=b c=d", makes source a part
# of unit b, for sources that share samples). A query
# whose class has no other entry in a mode is not scored in that mode.
#
# Prints lines, tab-separated, for quality.sh to lay out:
#   score SET MODE CLASS N P@1 P@10 AP    (CLASS "all" = every query)
#   calib SET MODE BIN N SAME            (top-10 results by distance bin)
#   reason SET MODE GROUP SHARE          (share of top-10 results)
BEGIN {
    n = split(units, w, " ")
    for (i = 1; i <= n; i++) { split(w[i], ab, "="); unit[ab[1]] = ab[2] }
}
FILENAME == ARGV[1] {
    if (FNR > 1) { cls[$1] = $2; src[$1] = ($3 in unit) ? unit[$3] : $3 }
    next
}
FILENAME == ARGV[2] {
    npool[cls[$1]]++; nsrc[cls[$1], src[$1]]++
    next
}
FNR == 1 && FILENAME == ARGV[3] {
    # bins of cosine distance: width 0.05 up to 0.5, then 0.5+
    nb = 11
    for (b = 0; b < nb; b++) edge[b] = b * 0.05
    for (i = 1; i <= NF; i++) col[$i] = i
    cp = col["path"]; cl = col["label"]; cd = col["distance"]
    cr = col["reasons"]
    next
}
$1 != q { finish(); start($1) }
$cp == q { next }
{
    hit = ($cl == qc)
    step("all", hit)
    if (src[$cp] != qs) step("other", hit)
}
function start(p) {
    q = p; qc = cls[p]; qs = src[p]
    rel["all"] = npool[qc] - 1
    rel["other"] = npool[qc] - nsrc[qc, qs]
    for (m in rel) { r[m] = 0; h[m] = 0; ap[m] = 0; h1[m] = 0; h10[m] = 0 }
}
function step(m, hit,   b, i, n, w) {
    r[m]++
    if (hit) { h[m]++; ap[m] += h[m] / r[m] }
    if (r[m] == 1) h1[m] = hit
    if (r[m] <= 10) {
        h10[m] += hit
        b = int($cd / 0.05); if (b >= nb - 1) b = nb - 1
        cn[m, b]++; cs[m, b] += hit; top[m]++
        n = split($cr, w, ",")
        for (i = 1; i <= n; i++) { rs[m, w[i]]++; grp[w[i]] }
    }
}
function finish(   m) {
    if (q == "") return
    for (m in rel) {
        if (rel[m] <= 0) continue
        add(m, qc); add(m, "all")
    }
}
function add(m, c) {
    N[m, c]++; P1[m, c] += h1[m]
    P10[m, c] += h10[m] / (r[m] < 10 ? r[m] : 10)
    AP[m, c] += ap[m] / rel[m]
    seen[c]
}
END {
    finish()
    for (m in rel) {
        for (c in seen)
            if (N[m, c])
                printf "score\t%s\t%s\t%s\t%d\t%.4f\t%.4f\t%.4f\n", set, m, c,
                    N[m, c], P1[m, c] / N[m, c], P10[m, c] / N[m, c],
                    AP[m, c] / N[m, c]
        for (b = 0; b < nb; b++)
            printf "calib\t%s\t%s\t%s\t%d\t%d\n", set, m,
                b < nb - 1 ? sprintf("%.2f-%.2f", edge[b], edge[b] + 0.05) \
                           : sprintf("%.2f+", edge[b]), cn[m, b], cs[m, b]
        for (g in grp)
            printf "reason\t%s\t%s\t%s\t%.4f\n", set, m, g, rs[m, g] / top[m]
    }
}
