# SPDX-License-Identifier: MIT
# Writes lda.tsv, a feature stream of 60 entries in 3 labels over 4
# custom columns, and lda-p00.tsv, the distance of each entry from p00
# that as-search -P gives after as-index -L -s 0.1 -b 0.5, computed with
# scikit-learn's LinearDiscriminantAnalysis(solver='eigen',
# shrinkage=0.1) on the rows as as-search(1) normalises them (z-scored,
# each column weighted 1/sqrt(4)), blended as as-search(1) says:
# 1 - (0.5 cos + 0.5 cos_lda). Run with Debian 12's python3-sklearn
# 1.2.1 and python3-numpy 1.24.2: /usr/bin/python3 make_lda.py
import numpy as np
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

rng = np.random.default_rng(0)
n, d = 60, 4
y = np.repeat(["a", "b", "c"], 20)
cls = np.searchsorted(["a", "b", "c"], y)[:, None]
X = (rng.normal(size=(n, d)) * [1, 5, 0.2, 3] + cls * [1, 0, 0.3, 2]).astype(
    np.float32)
with open("lda.tsv", "w") as f:
    f.write("path\tlabel\t" + "\t".join(f"c{j}" for j in range(d)) + "\n")
    for i in range(n):
        f.write(f"p{i:02d}\t{y[i]}\t" +
                "\t".join("%.9g" % v for v in X[i]) + "\n")
X = X.astype(float)
V = (X - X.mean(0)) / (X.std(0) * np.sqrt(d))
U = V / np.linalg.norm(V, axis=1, keepdims=True)
lda = LinearDiscriminantAnalysis(solver="eigen", shrinkage=0.1).fit(V, y)
P = (V - V.mean(0)) @ lda.scalings_[:, :2]
P = P / np.linalg.norm(P, axis=1, keepdims=True)
dist = 1 - (0.5 * U @ U[0] + 0.5 * P @ P[0])
with open("lda-p00.tsv", "w") as f:
    for i in range(n):
        f.write(f"p{i:02d}\t{dist[i]:.9f}\n")
