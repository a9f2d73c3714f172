"""tf.nn: activations and the two cross-entropies a first classifier uses, on the engine's ops."""
from ..ops import OPS, apply
from ._convert import operands, unwrap, wrap
from .math import _floating, sigmoid, tanh  # noqa: F401 (tf.nn.sigmoid is tf.math.sigmoid)

_BCE_LOGITS = OPS["binary_cross_entropy_with_logits"]


def relu(features, name=None):
    return wrap(unwrap(features).relu())


def softmax(logits, axis=None, name=None):
    """exp(logits) / sum(exp(logits)) along `axis` (the last by default)."""
    return wrap(_floating(unwrap(logits), "softmax").softmax(-1 if axis is None else int(axis)))


def log_softmax(logits, axis=None, name=None):
    return wrap(_floating(unwrap(logits), "log_softmax").log_softmax(-1 if axis is None else int(axis)))


def _same_shape(labels, logits, fn):
    if tuple(labels.shape) != tuple(logits.shape):
        raise ValueError(f"{fn}: logits and labels must have the same shape ({tuple(logits.shape)} vs "
                         f"{tuple(labels.shape)}); give one label per logit")


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """The binary cross-entropy of sigmoid(logits) against labels in [0, 1], per element (not averaged),
    computed stably from the logits."""
    if labels is None or logits is None:
        raise ValueError("sigmoid_cross_entropy_with_logits needs both labels= and logits=")
    z, y = operands("SigmoidCrossEntropyWithLogits", logits, labels)
    _same_shape(y, z, "sigmoid_cross_entropy_with_logits")
    return wrap(apply(_BCE_LOGITS, (z, y), (z._data, y._data), {"reduction": "none"}))


def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    """The cross-entropy of softmax(logits) against label distributions (one-hot rows, say), one number per
    row: -sum(labels * log_softmax(logits)) along `axis`."""
    z, y = operands("SoftmaxCrossEntropyWithLogits", logits, labels)
    _same_shape(y, z, "softmax_cross_entropy_with_logits")
    return wrap(-(y * _floating(z, "softmax_cross_entropy_with_logits").log_softmax(int(axis))).sum(int(axis)))
