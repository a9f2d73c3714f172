"""Large arrays reuse the process's freed memory (bibun/_memory.py): no page faults per step, same bits."""
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or os.confstr("CS_GNU_LIBC_VERSION") is None,
                                reason="the setting is glibc's; other C libraries are left alone")

# one process: five warm-up-free steps of a 10^5-element chain, forward and backward; prints the minor page
# faults per step, whether the setting was made, and the gradient's bytes (hex digest)
_CHAIN = r"""
import hashlib, resource
import numpy as np
import bibun, bibun._memory
rs = np.random.RandomState(0)
n = 10**5
a, b = (bibun.tensor(v.astype(np.float32)) for v in (1 + 1e-4 * rs.randn(n), 1e-4 * rs.randn(n)))
x = bibun.tensor((0.1 + 0.3 * rs.rand(n)).astype(np.float32), requires_grad=True)
def step():
    x.grad = None
    y = x
    for _ in range(10):
        y = bibun.tanh(y * a + b)
    y.sum().backward()
step()
f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    step()
faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / 5
print(faults, bibun._memory.kept, hashlib.sha256(x.grad.numpy().tobytes()).hexdigest())
"""


def _run(**env):
    full = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k != "BIBUN_KEEP_MEMORY"}
    full.update(env)
    out = subprocess.run([sys.executable, "-c", _CHAIN], env=full, capture_output=True, text=True, check=True)
    faults, kept, digest = out.stdout.split()
    return float(faults), kept == "True", digest


def test_big_arrays_stop_faulting_and_give_the_same_bits():
    faults, kept, digest = _run()
    off_faults, off_kept, off_digest = _run(BIBUN_KEEP_MEMORY="0")
    assert kept and not off_kept
    # each 400 KB array is 98 pages; a step makes about 70 of them: thousands of faults without the setting,
    # next to none with it
    assert off_faults > 1000, off_faults
    assert faults < 50, faults
    assert digest == off_digest


def test_the_users_own_malloc_settings_win():
    faults, kept, _ = _run(MALLOC_TRIM_THRESHOLD_="131072")
    assert not kept

