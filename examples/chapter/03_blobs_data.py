# Section 8.2: the first rows of the training data.
from _blobs import X, Y

print(X[:4])
print(Y[:4])
