"""bibun.nn: Module, Parameter, layers, losses, functional and init, with PyTorch's names."""
from .parameter import Parameter
from .module import Module, Sequential, ModuleList
from .layers import Linear, Identity, Sigmoid, ReLU, Tanh, Softmax, LogSoftmax, Flatten, Dropout
from .loss import BCEWithLogitsLoss, BCELoss, CrossEntropyLoss, NLLLoss, MSELoss, L1Loss
from . import functional, init
from ._smooth_losses import SmoothL1Loss, HuberLoss
from ._activations import (GELU, SiLU, LeakyReLU, ELU, Softplus, Hardtanh, ReLU6, Mish, Softsign, PReLU, LogSigmoid,
                           Threshold, GLU, Softmin)
from ._conv import Conv1d, Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Dropout2d
from ._norm import BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm
from ._embedding import Embedding
from ._containers import ModuleDict, ParameterList, ParameterDict, Unflatten
from ._similarity import KLDivLoss, CosineSimilarity
