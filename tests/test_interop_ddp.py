"""The DistributedDataParallel example: a workbench model moved to PyTorch keeps learning on 2 processes."""
import os
import sys

import numpy as np
import pytest

pytest.importorskip("torch")
import torch.distributed as dist

if not dist.is_available() or not dist.is_gloo_available():
    pytest.skip("this PyTorch build has no gloo backend", allow_module_level=True)

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "examples"))
import ddp_after_bibun as example        # noqa: E402


def test_loss_keeps_falling_under_ddp_and_the_replicas_agree(tmp_path):
    from bibun.interop import to_torch
    model, X, y = example.workbench_model()
    runs = example.train_further(to_torch(model), X, y, str(tmp_path))
    losses = runs[0]["losses"]
    assert len(losses) == example.EPOCHS + 1
    assert all(b < a for a, b in zip(losses, losses[1:])), losses
    assert runs[1]["losses"] == losses                  # both processes see the same model at every epoch
    for k, w in runs[0]["weights"].items():
        np.testing.assert_array_equal(runs[1]["weights"][k], w)
