# tests/reference/tsne_sklearn.py: the reference numbers of the t-SNE spec
# (tests/spec/cluster_spec.lua).  scikit-learn 1.2.1 (Debian's python3-sklearn)
# embeds tests/fixtures/tsne_rfm500.csv (500 customers of Online Retail:
# log-scaled, standardised recency_days, orders, revenue) with TSNE's
# defaults and method="exact" at perplexity 30, for several random states
# (its PCA initialisation is randomized), and prints the trustworthiness
# of each embedding with 5 and 10 neighbours.
#   /usr/bin/python3 tests/reference/tsne_sklearn.py
import numpy as np
import sklearn
from sklearn.manifold import TSNE, trustworthiness

X = np.loadtxt("tests/fixtures/tsne_rfm500.csv", delimiter=",", skiprows=1)
print("sklearn", sklearn.__version__, "rows", X.shape[0])
for seed in range(3):
    Y = TSNE(n_components=2, perplexity=30, method="exact", random_state=seed, init="pca",
             learning_rate="auto").fit_transform(X)
    print("seed %d: trustworthiness k=5 %.6f, k=10 %.6f" % (seed, trustworthiness(X, Y, n_neighbors=5),
                                                           trustworthiness(X, Y, n_neighbors=10)))
