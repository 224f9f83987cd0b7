"""bench/sklearn_cluster.py FILE: the peer for bench/cluster_bench.lua.

Reads FILE (x,y,z columns), times scikit-learn's KMeans (k=4, n_init=10,
k-means++) and GaussianMixture (k=4, full covariance), with the threads
limited by OMP_NUM_THREADS / OPENBLAS_NUM_THREADS as bench/run.sh sets them.
Prints: kmeans_seconds inertia iterations gmm_seconds mean_loglik iterations peak_rss_bytes"""
import resource
import sys
import time

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.mixture import GaussianMixture

X = pd.read_csv(sys.argv[1]).to_numpy(float)
t0 = time.perf_counter()
km = KMeans(n_clusters=4, n_init=10, random_state=0).fit(X)
t1 = time.perf_counter()
gm = GaussianMixture(n_components=4, covariance_type="full", random_state=0).fit(X)
t2 = time.perf_counter()
print(f"{t1 - t0:.4f} {km.inertia_:.6f} {km.n_iter_} {t2 - t1:.4f} {gm.score(X):.8f} {gm.n_iter_} "
      f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}")
