# Section 8.1.4: the same loss, the chapter's PyTorch cell with `torch` replaced by `bibun`.
# Prints 0.4740769565105438 and tensor([-0.3775,  0.3775]).
import bibun

x = bibun.tensor([1, -1], dtype=bibun.float)
w = bibun.tensor([1.0, 0.5], dtype=bibun.float, requires_grad=True)

loss = -bibun.dot(x, w).sigmoid().log()
loss.backward()
print(loss.item())
print(w.grad)
