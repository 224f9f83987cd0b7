"""Reference numbers for tests/spec/cluster_spec.lua and tests/c/test_cluster.c,
from scikit-learn (Debian's python3-sklearn).

Run: /usr/bin/python3 tests/reference/cluster.py

Input: tests/fixtures/online_retail_rfm.csv, the classic RFM table of Online
Retail (recency in days, orders, revenue per customer, from rfm.lua), each
column log1p-transformed then standardised (population std), as custan's
--scale log-standard does.  Writes tests/fixtures/online_retail_rfm_labels.csv
(scikit-learn's k-means labels) so custan's metrics can be computed on the
same labels, and prints the numbers the tests hard-code."""
import numpy as np
import pandas as pd
import sklearn
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score
from sklearn.mixture import GaussianMixture
from sklearn.preprocessing import StandardScaler

t = pd.read_csv("tests/fixtures/online_retail_rfm.csv")
X = StandardScaler().fit_transform(np.log1p(t[["recency_days", "orders", "revenue"]].to_numpy(float)))
print("scikit-learn", sklearn.__version__, "rows", X.shape[0])
for k in (2, 3, 4, 5, 6):
    km = KMeans(n_clusters=k, n_init=10, random_state=0).fit(X)
    print(f"kmeans k={k} inertia {km.inertia_!r}")
km = KMeans(n_clusters=4, n_init=10, random_state=0).fit(X)
labels = km.labels_
pd.DataFrame({"label": labels + 1}).to_csv("tests/fixtures/online_retail_rfm_labels.csv", index=False)
print("silhouette", repr(silhouette_score(X, labels)))
print("calinski_harabasz", repr(calinski_harabasz_score(X, labels)))
print("davies_bouldin", repr(davies_bouldin_score(X, labels)))
for cov in ("full", "diag", "spherical"):
    gm = GaussianMixture(n_components=4, covariance_type=cov, random_state=0).fit(X)
    print(f"gmm {cov} mean loglik {gm.score(X)!r} bic {gm.bic(X)!r} converged {gm.converged_} iters {gm.n_iter_}")
p = PCA(n_components=2).fit(X)
print("pca components", p.components_.tolist())
print("pca variance", p.explained_variance_.tolist(), "ratio", p.explained_variance_ratio_.tolist())
