"""bibun.optim: SGD, Adam, AdamW, RMSprop, Adagrad and StepLR, with PyTorch's arguments and state_dict."""
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam, AdamW
from .rmsprop import RMSprop
from .adagrad import Adagrad
from . import lr_scheduler
