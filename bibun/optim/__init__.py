"""bibun.optim: SGD, Adam, AdamW and StepLR, with PyTorch's arguments and state_dict."""
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam, AdamW
from . import lr_scheduler
