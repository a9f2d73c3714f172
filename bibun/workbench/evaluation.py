"""Exercise 8.5 (2)-(4) on a set of predictions: per-class precision/recall/F1 with their macro averages,
the confusion matrix (both from scikit-learn, not re-implemented), and the easiest and hardest examples.

Easiest and hardest follow the exercise's definition: among the examples the model classifies correctly
(ŷ = y), the easiest are those with the highest p(ŷ|x); among those it gets wrong (ŷ ≠ y), the hardest are
those with the highest p(ŷ|x) — the ones it is most confidently wrong about.
"""
import math

import numpy as np


def _sklearn_metrics():
    try:
        from sklearn import metrics
    except ImportError:
        from .errors import WorkbenchError
        raise WorkbenchError("the workbench's metrics come from scikit-learn, which is not installed; "
                             "install it with `pip install scikit-learn` (or `pip install bibun[workbench]`)") from None
    return metrics


def _num(x):
    """A float for JSON: NaN (an undefined metric) becomes None."""
    x = float(x)
    return None if math.isnan(x) else x


def classification_metrics(y_true, y_pred, classes):
    """Per-class precision, recall, F1 and support, their macro and weighted averages, accuracy and the
    confusion matrix (rows: true class, columns: predicted class), as plain Python values.

    A precision with no predictions of that class (or a recall with no examples of it) is undefined: it is
    None here (NaN in scikit-learn with zero_division=nan) and left out of the averages.
    """
    m = _sklearn_metrics()
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    labels = list(range(len(classes)))
    p, r, f, s = m.precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=np.nan)
    per_class = [{"label": i, "class": str(classes[i]), "precision": _num(p[i]), "recall": _num(r[i]),
                  "f1": _num(f[i]), "support": int(s[i])} for i in labels]
    averages = {}
    for avg in ("macro", "weighted"):
        ap, ar, af, _ = m.precision_recall_fscore_support(y_true, y_pred, labels=labels, average=avg,
                                                          zero_division=np.nan)
        averages[avg] = {"precision": _num(ap), "recall": _num(ar), "f1": _num(af), "support": int(s.sum())}
    cm = m.confusion_matrix(y_true, y_pred, labels=labels)
    return {
        "accuracy": float(m.accuracy_score(y_true, y_pred)),
        "per_class": per_class,
        "macro": averages["macro"],
        "weighted": averages["weighted"],
        "confusion_matrix": cm.astype(int).tolist(),
    }


def softmax(logits):
    """p(class | x) from raw scores, in float64 (so that p close to 1 still orders the examples), by
    bibun's own softmax."""
    from .._creation import from_numpy
    return from_numpy(np.ascontiguousarray(logits, dtype=np.float64)).softmax(dim=1).numpy()


def easiest_hardest(probs, y_true, k=3, classes=None):
    """The k easiest and k hardest examples by the exercise's definition (see the module's docstring).

    Returns {"easiest": [...], "hardest": [...]}, each item {"index", "y", "p_y", "y_hat", "p_y_hat"} (and
    the class names when given), best first. Ties keep the lower index first. Fewer than k items when there
    are fewer correct (or wrong) examples.
    """
    probs = np.asarray(probs)
    y_true = np.asarray(y_true)
    rows = np.arange(len(y_true))
    y_hat = probs.argmax(axis=1)
    p_hat = probs[rows, y_hat]
    p_y = probs[rows, y_true]
    correct = y_hat == y_true

    def top(mask):
        idx = np.flatnonzero(mask)
        return idx[np.argsort(-p_hat[idx], kind="stable")[:k]]

    def item(i):
        d = {"index": int(i), "y": int(y_true[i]), "p_y": float(p_y[i]), "y_hat": int(y_hat[i]),
             "p_y_hat": float(p_hat[i])}
        if classes is not None:
            d["y_name"], d["y_hat_name"] = str(classes[y_true[i]]), str(classes[y_hat[i]])
        return d

    return {"easiest": [item(i) for i in top(correct)], "hardest": [item(i) for i in top(~correct)]}


def evaluate_predictions(logits, y_true, classes, k=3):
    """Everything exercise 8.5 (2)-(4) asks for, from the test set's logits."""
    probs = softmax(logits)
    y_pred = probs.argmax(axis=1)
    out = classification_metrics(y_true, y_pred, classes)
    out.update(easiest_hardest(probs, y_true, k=k, classes=classes))
    return out
