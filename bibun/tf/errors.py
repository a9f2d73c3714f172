"""tf.errors: the exceptions bibun.tf raises where TensorFlow raises its own."""


class OpError(Exception):
    """An op could not run on the tensors it was given."""


class InvalidArgumentError(OpError):
    """An op got tensors it cannot compute with: mismatched dtypes or shapes."""
