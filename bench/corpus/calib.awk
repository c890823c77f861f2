# SPDX-License-Identifier: MIT
# The confidence table for bench/corpus/fit.sh confidence: from the
# (distance, same class) pairs of the top-10 results in the other-source
# mode (measure.awk's pairs file, sorted by distance), NB bins of equal
# count, each bin's share of same-class results, made non-increasing in
# distance by pool-adjacent-violators (weighted by the bins' counts:
# isotonic regression of the binned shares). Each row: the largest
# distance of the bin (the last bin reaches 2, the largest cosine
# distance) and the estimated probability of the same class.
#
# usage: sort -g pairs | awk -v nb=NB -v name=NAME -f bench/corpus/calib.awk
{ d[NR] = $1; s[NR] = $2 }
END {
    if (NR < nb) { print "calib.awk: too few pairs" > "/dev/stderr"; exit 1 }
    for (b = 1; b <= nb; b++) {
        lo = int((b - 1) * NR / nb) + 1; hi = int(b * NR / nb)
        cnt = 0; sum = 0
        for (i = lo; i <= hi; i++) { cnt++; sum += s[i] }
        # a bin ends where the next one starts, between two distances
        edge[b] = b < nb ? (d[hi] + d[hi + 1]) / 2 : 2
        wgt[b] = cnt; val[b] = sum / cnt
    }
    # pool adjacent violators: blocks of bins with one value each
    nbk = 0
    for (b = 1; b <= nb; b++) {
        nbk++; bv[nbk] = val[b]; bw[nbk] = wgt[b]; bn[nbk] = 1
        while (nbk > 1 && bv[nbk - 1] < bv[nbk]) {
            t = bw[nbk - 1] + bw[nbk]
            bv[nbk - 1] = (bv[nbk - 1] * bw[nbk - 1] + bv[nbk] * bw[nbk]) / t
            bw[nbk - 1] = t; bn[nbk - 1] += bn[nbk]; nbk--
        }
    }
    b = 0
    for (k = 1; k <= nbk; k++)
        for (j = 1; j <= bn[k]; j++) { b++; fit[b] = bv[k] }
    printf "static const struct as__calib %s[] = {\n", name
    for (b = 1; b <= nb; b++)
        printf "    {%.4f, %.3f}, /* %d results, %.3f same class */\n",
            edge[b], fit[b], wgt[b], val[b]
    printf "};\n"
}
