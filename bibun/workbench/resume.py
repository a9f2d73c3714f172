"""Continuing a run from its checkpoint: every part of the checkpoint is checked against the model,
optimizer and data loader the run's config builds before any of it is used, so a damaged or foreign
checkpoint ends in one WorkbenchError line (and nothing written), never in a traceback or silently wrong
training (an Adam step count of -1 would divide by zero at the next step)."""
import numpy as np

from . import schema
from .errors import WorkbenchError

KEYS = ("epoch", "model", "optimizer", "rng", "history")
# What each optimizer keeps per parameter, as the workbench builds them (SGD without momentum keeps nothing).
OPTIMIZER_STATE = {"adam": ("step", "exp_avg", "exp_avg_sq"), "sgd": ()}


def _check_optimizer(saved, opt, name, steps):
    from .._tensor import Tensor
    if not isinstance(saved, dict) or set(saved) != {"state", "param_groups"}:
        raise schema.Invalid("its optimizer state is not an optimizer's state_dict")
    fresh = opt.state_dict()
    if saved["param_groups"] != fresh["param_groups"]:
        raise schema.Invalid("its optimizer settings differ from the run's config (config.json)")
    params = [p for g in opt.param_groups for p in g["params"]]
    keys = OPTIMIZER_STATE[name]
    state = saved["state"]
    expected = set(range(len(params))) if keys else set()
    if not isinstance(state, dict) or set(state) != expected:
        raise schema.Invalid(f"its {name} state does not cover the model's {len(params)} parameters")
    for i, st in state.items():
        if not isinstance(st, dict) or set(st) != set(keys):
            raise schema.Invalid(f"its {name} state for parameter {i} does not hold {', '.join(keys)}")
        for k, v in st.items():
            if k == "step":
                if not schema.is_int(v) or v != steps:
                    raise schema.Invalid(f"its {name} step count for parameter {i} is {v!r}, but the finished "
                                         f"epochs took {steps} steps")
            elif not (isinstance(v, Tensor) and v.dtype.is_floating_point and v.shape == params[i].shape):
                raise schema.Invalid(f"its {name} {k} for parameter {i} is not a float tensor of shape "
                                     f"{tuple(params[i].shape)}")


def _check_rng(states):
    if not isinstance(states, dict) or set(states) != {"default", "loader"}:
        raise schema.Invalid("its random-number states are missing")
    for which, st in states.items():
        try:
            np.random.Generator(np.random.PCG64()).bit_generator.state = st
        except (TypeError, ValueError, KeyError, OverflowError):
            raise schema.Invalid(f"its {which} random-number state is not a generator state") from None


def check(ck, cfg, path):
    """The checkpoint `ck` (as bibun.load returned it) checked for the form and the run's length; returns
    its epoch. The parts that need the model and optimizer are checked by `restore`."""
    try:
        if not isinstance(ck, dict) or set(ck) != set(KEYS):
            raise schema.Invalid(f"it does not hold exactly {', '.join(KEYS)}")
        epoch = ck["epoch"]
        if not schema.is_int(epoch) or epoch < 1:
            raise schema.Invalid(f"its epoch is {epoch!r}, not a whole number >= 1")
        schema.history(ck["history"])
        if len(ck["history"]) != epoch:
            raise schema.Invalid(f"it holds {len(ck['history'])} history rows for {epoch} epochs")
        _check_rng(ck["rng"])
    except schema.Invalid as e:
        raise WorkbenchError(f"{path} is not a checkpoint of this run ({e}); delete it to restart the run "
                             f"from scratch") from None
    if epoch > cfg.epochs:
        raise WorkbenchError(f"{path.parent} has already finished {epoch} epochs; ask for at least that many")
    return epoch


def restore(ck, cfg, path, model, optimizer, loader_gen, batches_per_epoch):
    """Load the checked checkpoint into the freshly built model, optimizer and loader generator."""
    from .. import set_rng_state
    try:
        try:
            model.load_state_dict(ck["model"])
        except (RuntimeError, TypeError, ValueError) as e:
            lines = [line.strip() for line in str(e).splitlines() if line.strip()]
            why = lines[1] if len(lines) > 1 else lines[0] if lines else type(e).__name__
            raise schema.Invalid(f"its weights do not fit the model: {why}") from None
        _check_optimizer(ck["optimizer"], optimizer, cfg.optimizer, ck["epoch"] * batches_per_epoch)
    except schema.Invalid as e:
        raise WorkbenchError(f"{path} does not fit this run ({e}); delete it to restart the run from "
                             f"scratch") from None
    optimizer.load_state_dict(ck["optimizer"])
    loader_gen.set_state(ck["rng"]["loader"])
    set_rng_state(ck["rng"]["default"])
    return [dict(r) for r in ck["history"]]
