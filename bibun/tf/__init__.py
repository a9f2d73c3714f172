"""bibun.tf: TensorFlow's eager surface (GradientTape, Variable, tf.math, tf.nn) over bibun's engine.

    import bibun.tf as tf
    x = tf.constant([1, -1], dtype=tf.float32, name='x')
    w = tf.Variable([1.0, 0.5], dtype=tf.float32, name='w')
    with tf.GradientTape() as tape:
        loss = -tf.math.log(tf.math.sigmoid(tf.tensordot(x, w, 1)))
    print(loss.numpy())             # 0.47407696
    print(tape.gradient(loss, w))   # tf.Tensor([-0.37754062  0.37754062], shape=(2,), dtype=float32)

A tf.Tensor holds a bibun Tensor, so the tape's gradient is the engine's backward and `bibun explain`
draws the same graph as for the PyTorch-surface code. Float32 by default, as in TensorFlow.
"""
from . import dtypes, errors
from .dtypes import (DType, as_dtype, float16, float32, float64, int8, int16, int32, int64, uint8, bool, half,
                     double)
from .tensor import Tensor, TensorShape
from ._convert import constant, convert_to_tensor
from .variable import Variable, _Unread
from .tape import GradientTape, UnconnectedGradients
from . import math, array_ops, nn, random
from .array_ops import (matmul, tensordot, reshape, transpose, concat, stack, expand_dims, squeeze, identity,
                        zeros, ones, fill, zeros_like, ones_like, range, shape, size)
from .math import (add, subtract, multiply, divide, truediv, pow, negative, maximum, minimum, abs, exp, sqrt,
                   square, tanh, sigmoid, equal, not_equal, greater, greater_equal, less, less_equal, reduce_sum,
                   reduce_mean, reduce_max, reduce_min, argmax, cast)
from . import _operators

_operators.install(Tensor, Variable, _Unread)
del _operators, _Unread
__version__ = "2.21.0"    # the TensorFlow whose surface this follows

# tf.linalg.matmul and tf.math.matmul are tf.matmul
math.matmul = matmul


def is_tensor(x):
    return isinstance(x, (Tensor, Variable))
