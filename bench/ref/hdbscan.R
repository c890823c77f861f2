# SPDX-License-Identifier: MIT
# usage: Rscript bench/ref/hdbscan.R MATRIX N D MINPTS
# The reference side of bench/cluster.sh --reference: R's dbscan::hdbscan
# (Debian's r-cran-dbscan) on the raw float32 matrix MATRIX (N rows of D),
# compared with as-bench-ml's labels in MATRIX.hdblabels (int32). Prints
# seconds, clusters, noise, whether the two partitions are the same
# (noise included, cluster numbers aside) and their adjusted Rand index.
a <- commandArgs(TRUE)
n <- as.integer(a[2]); d <- as.integer(a[3]); mp <- as.integer(a[4])
con <- file(a[1], "rb"); v <- readBin(con, "numeric", n * d, size = 4); close(con)
x <- matrix(v, nrow = n, byrow = TRUE)
suppressMessages(library(dbscan))
t <- system.time(h <- hdbscan(x, minPts = mp))[["elapsed"]]
con <- file(paste0(a[1], ".hdblabels"), "rb")
ours <- readBin(con, "integer", n, size = 4); close(con)
r <- h$cluster - 1L
tab <- table(r, ours)
same <- all(rowSums(tab > 0) == 1) && all(colSums(tab > 0) == 1) &&
    all((r == -1) == (ours == -1))
# adjusted Rand index (noise as one more class)
comb <- function(m) sum(m * (m - 1) / 2)
s <- comb(tab); sa <- comb(rowSums(tab)); sb <- comb(colSums(tab))
e <- sa * sb / comb(n)
ari <- (s - e) / ((sa + sb) / 2 - e)
cat(sprintf("%.3f\t%d\t%d\t%s\t%.6f\n", t, max(h$cluster),
    sum(h$cluster == 0), if (same) "same" else "differ", ari))
