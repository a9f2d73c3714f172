"""Section 8.3: the training data that no line separates (the chapter's hidden cell)."""
import bibun
from sklearn.datasets import make_circles

D = make_circles(100, factor=.1, noise=.1, random_state=9)
dtype = bibun.float
X = bibun.from_numpy(D[0]).type(dtype)
Y = bibun.from_numpy(D[1].reshape(-1, 1)).type(dtype)
