# SPDX-License-Identifier: MIT
# usage: python3 bench/ref/umap_learn_map.py MATRIX N D SEED
# The reference side of bench/umap.sh: umap-learn (Debian's umap-learn)
# with its defaults (n_neighbors 15, min_dist 0.1) and random_state SEED
# on the raw float32 matrix MATRIX (N rows of D). Prints seconds (numba's
# compilation included) and the share of each of the first 1000 points'
# 10 nearest neighbours that stay among its 10 nearest on the map, as
# as-bench-ml's kept() computes it.
import sys
import time

import numpy as np
import umap

path, n, d, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
x = np.fromfile(path, dtype=np.float32).reshape(n, d)
t = time.time()
y = umap.UMAP(n_neighbors=15, min_dist=0.1, random_state=seed).fit_transform(x)
t = time.time() - t
x = x.astype(np.float64)
y = y.astype(np.float64)
k, m, hit = 10, min(1000, n), 0
for i in range(m):
    dx = ((x - x[i]) ** 2).sum(1)
    dy = ((y - y[i]) ** 2).sum(1)
    dx[i] = dy[i] = np.inf
    a = set(np.argsort(dx, kind="stable")[:k])
    b = set(np.argsort(dy, kind="stable")[:k])
    hit += len(a & b)
print("%.3f\t%.4f" % (t, hit / (k * m)))
