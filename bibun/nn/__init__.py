"""bibun.nn: Module, Parameter, layers, losses, functional and init, with PyTorch's names."""
from .parameter import Parameter
from .module import Module, Sequential, ModuleList
from .layers import Linear, Identity, Sigmoid, ReLU, Tanh, Softmax, LogSoftmax, Flatten, Dropout
from .loss import BCEWithLogitsLoss, BCELoss, CrossEntropyLoss, NLLLoss, MSELoss, L1Loss
from . import functional, init
from ._smooth_losses import SmoothL1Loss, HuberLoss
