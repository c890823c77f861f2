# SPDX-License-Identifier: MIT
# The scikit-learn side of bench/ml.sh (Debian's python3-sklearn, one
# thread): reads the raw float32 matrix bench/as-bench-ml wrote and times
# one algorithm, printing one TAB-separated line like as-bench-ml's.
#   kmeans FILE N D K          seconds  inertia  iterations
#   silhouette FILE N D M      seconds  silhouette (labels: FILE.labels)
#   dbscan FILE N D EPS MS     seconds  clusters  noise  peak_rss_kib
#                              (labels to FILE.sklabels)
#   iforest FILE N D           seconds (fit + score_samples)  mean_score
#   tsne FILE N D              seconds  kept (as as-bench-ml's: the share
#                              of 10 nearest neighbours the map keeps)
import resource
import sys
import time

import numpy as np


def main(argv):
    mode, path, n, d = argv[1], argv[2], int(argv[3]), int(argv[4])
    x = np.fromfile(path, dtype=np.float32, count=n * d).reshape(n, d)
    x = x.astype(np.float64)
    if mode == "kmeans":
        from sklearn.cluster import KMeans
        t0 = time.perf_counter()
        km = KMeans(n_clusters=int(argv[5]), n_init=1, algorithm="lloyd",
                    random_state=0).fit(x)
        print("%.4f\t%.6f\t%d" % (time.perf_counter() - t0, km.inertia_,
                                  km.n_iter_))
    elif mode == "silhouette":
        from sklearn.metrics import silhouette_score
        m = int(argv[5])
        lab = np.fromfile(path + ".labels", dtype=np.int32, count=n)
        t0 = time.perf_counter()
        s = silhouette_score(x[:m], lab[:m])
        print("%.4f\t%.9f" % (time.perf_counter() - t0, s))
    elif mode == "dbscan":
        from sklearn.cluster import DBSCAN
        t0 = time.perf_counter()
        db = DBSCAN(eps=float(argv[5]), min_samples=int(argv[6])).fit(x)
        t = time.perf_counter() - t0
        lab = db.labels_
        lab.astype(np.int32).tofile(path + ".sklabels")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print("%.4f\t%d\t%d\t%d" % (t, lab.max() + 1, (lab < 0).sum(), rss))
    elif mode == "iforest":
        from sklearn.ensemble import IsolationForest
        t0 = time.perf_counter()
        f = IsolationForest(n_estimators=100, random_state=0, n_jobs=1).fit(x)
        s = f.score_samples(x)
        print("%.4f\t%.6f" % (time.perf_counter() - t0, s.mean()))
    elif mode == "tsne":
        from sklearn.manifold import TSNE
        t0 = time.perf_counter()
        y = TSNE(n_components=2, init="pca", learning_rate="auto",
                 random_state=0, n_jobs=1).fit_transform(x)
        t = time.perf_counter() - t0
        m = min(n, 1000)
        hit = 0
        for i in range(m):
            a = np.argsort(((x - x[i]) ** 2).sum(1))
            b = np.argsort(((y - y[i]) ** 2).sum(1))
            a = set(a[a != i][:10])
            b = set(b[b != i][:10])
            hit += len(a & b)
        print("%.4f\t%.4f" % (t, hit / (10.0 * m)))
    else:
        sys.exit("ml_sklearn.py: unknown mode " + mode)


if __name__ == "__main__":
    main(sys.argv)
