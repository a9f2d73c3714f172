"""One training epoch, and loss/accuracy measured on a whole set: the two steps every epoch repeats."""
from contextlib import contextmanager

import numpy as np

from .. import no_grad
from .._creation import from_numpy
from ..nn import functional as F


@contextmanager
def eval_mode(model):
    """Evaluation mode and no gradient tracking; the model's previous mode is restored afterwards."""
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            yield
    finally:
        model.train(was_training)


def train_epoch(model, loader, loss_fn, optimizer, bar=None):
    """One pass over the loader: forward, loss, backward, step for each batch."""
    model.train()
    update = bar.update if bar is not None else None
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        if update is not None:
            update(1)


def measure(model, X, y, batch_size, keep_logits=False):
    """Mean cross-entropy and accuracy of `model` on all of (X, y), in batches, without a graph.

    Returns (loss, accuracy, logits or None); logits are float32 of shape (N, classes).
    """
    n = len(X)
    total_loss = 0.0
    correct = 0
    kept = [] if keep_logits else None
    with eval_mode(model):
        for i in range(0, n, batch_size):
            xb = from_numpy(X[i:i + batch_size])
            yb = y[i:i + batch_size]
            logits = model(xb)
            total_loss += F.cross_entropy(logits, from_numpy(yb), reduction="sum").item()
            correct += int(np.count_nonzero(logits.argmax(dim=1).numpy() == yb))
            if kept is not None:
                kept.append(logits.numpy())
    logits = np.concatenate(kept) if kept else None
    return total_loss / max(n, 1), correct / max(n, 1), logits
