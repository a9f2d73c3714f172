# Section 8.1.4: the loss of eq. (8.6) and its gradient, the chapter's Autograd cell with `autograd`
# replaced by `bibun`. Prints 0.47407698418010663 and [-0.37754067  0.37754067].
import bibun
import bibun.numpy as np

def loss(w, x):
    return -np.log(1.0 / (1 + np.exp(-np.dot(x, w))))

x = np.array([1, -1])
w = np.array([1.0, 0.5])

grad_loss = bibun.grad(loss)
print(loss(w, x))
print(grad_loss(w, x))
