"""The two models of exercise 8.5: single-layer (Flatten + Linear) and multi-layer (an MLP)."""
from .. import nn

ACTIVATION_LAYERS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}


def build_model(model, in_features, num_classes, hidden=(), activation="relu"):
    """`linear`: Flatten, Linear(in, classes). `mlp`: Flatten, then Linear + activation per hidden size,
    then Linear(last, classes). The outputs are raw scores (logits) for CrossEntropyLoss."""
    layers = [nn.Flatten()]
    if model == "linear":
        layers.append(nn.Linear(in_features, num_classes))
    elif model == "mlp":
        act = ACTIVATION_LAYERS[activation]
        prev = in_features
        for h in hidden:
            layers += [nn.Linear(prev, h), act()]
            prev = h
        layers.append(nn.Linear(prev, num_classes))
    else:
        raise ValueError(f"unknown model {model!r}")
    return nn.Sequential(*layers)


def build_optimizer(name, params, lr):
    from .. import optim
    if name == "sgd":
        return optim.SGD(params, lr=lr)
    if name == "adam":
        return optim.Adam(params, lr=lr)
    raise ValueError(f"unknown optimizer {name!r}")


def count_parameters(model):
    return int(sum(p.numel() for p in model.parameters()))
