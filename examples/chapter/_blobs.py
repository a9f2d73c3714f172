"""Section 8.2: the linearly separable training data (the chapter's hidden cell)."""
import bibun
from sklearn.datasets import make_blobs

D = make_blobs(n_samples=50, centers=2, random_state=129, cluster_std=.6)
dtype = bibun.float
X = bibun.from_numpy(D[0]).type(dtype)
Y = bibun.from_numpy(D[1].reshape(-1, 1)).type(dtype)
