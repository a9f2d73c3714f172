"""The layers bibun and PyTorch both have, under the same class name, with the constructor arguments that rebuild
one from the other. bibun keeps PyTorch's argument names as attributes, so the same names are read from either
side; `bias` (a flag in the constructor, a parameter or None on the module) is read as whether one exists."""

# class name -> the constructor arguments, read back from the module's attributes of the same name
ARGS = {
    "Linear": ("in_features", "out_features"),
    "Identity": (), "Sigmoid": (), "Tanh": (), "ReLU": ("inplace",),
    "Softmax": ("dim",), "LogSoftmax": ("dim",), "Softmin": ("dim",), "GLU": ("dim",),
    "Flatten": ("start_dim", "end_dim"), "Unflatten": ("dim", "unflattened_size"),
    "Dropout": ("p", "inplace"), "Dropout2d": ("p", "inplace"),
    "GELU": ("approximate",), "SiLU": ("inplace",), "Mish": ("inplace",), "ReLU6": ("inplace",),
    "LeakyReLU": ("negative_slope", "inplace"), "ELU": ("alpha", "inplace"), "Softplus": ("beta", "threshold"),
    "Hardtanh": ("min_val", "max_val", "inplace"), "Softsign": (), "LogSigmoid": (),
    "Threshold": ("threshold", "value", "inplace"), "PReLU": ("num_parameters",),
    "Conv1d": ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
               "padding_mode"),
    "Conv2d": ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
               "padding_mode"),
    "MaxPool2d": ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"),
    "AvgPool2d": ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"),
    "AdaptiveAvgPool2d": ("output_size",),
    "BatchNorm1d": ("num_features", "eps", "momentum", "affine", "track_running_stats"),
    "BatchNorm2d": ("num_features", "eps", "momentum", "affine", "track_running_stats"),
    "LayerNorm": ("normalized_shape", "eps", "elementwise_affine"),
    "GroupNorm": ("num_groups", "num_channels", "eps", "affine"),
    "Embedding": ("num_embeddings", "embedding_dim", "padding_idx"),
}
HAS_BIAS_FLAG = {"Linear", "Conv1d", "Conv2d", "BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm"}
CONTAINERS = ("Sequential", "ModuleList", "ModuleDict")


def translated_names():
    return ", ".join(sorted(ARGS) + list(CONTAINERS))


def constructor_args(m):
    """The keyword arguments that build a twin of the layer `m` (a bibun or a PyTorch module)."""
    name = type(m).__name__
    kw = {a: getattr(m, a) for a in ARGS[name]}
    if name in HAS_BIAS_FLAG:
        kw["bias"] = getattr(m, "bias", None) is not None
    return kw
