"""Replays with numexpr kernels from two threads at once: a compiled numexpr program is not thread-safe, and
without the kernels' lock this aborted the process ("corrupted size vs. prev_size") when numexpr ran on one
thread. Run in a child process, since the failure is an abort."""
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("numexpr", reason="numexpr is not installed: bibun.jit fuses nothing without it")

CHILD = textwrap.dedent("""
    import threading
    import numexpr
    import numpy as np
    import bibun
    numexpr.set_num_threads(1)
    rs = np.random.RandomState(0)
    n = 2 ** 17
    a = bibun.tensor((1 + 1e-4 * rs.randn(n)).astype(np.float32))
    b = bibun.tensor((1e-4 * rs.randn(n)).astype(np.float32))
    x = bibun.tensor((0.1 + 0.3 * rs.rand(n)).astype(np.float32))

    def chain(x):
        y = x
        for _ in range(2):             # short enough to be fused rather than split (jit/_split.py)
            y = bibun.tanh(y * a + b)
        return y.sum()

    g = bibun.jit(bibun.grad(chain))
    ref = g(x).numpy().copy()
    assert "fused" in str(g.plan(x))
    wrong = []

    def run():
        for _ in range(150):
            if not np.array_equal(g(x).numpy(), ref):
                wrong.append(1)

    ts = [threading.Thread(target=run) for _ in range(2)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    print("wrong", len(wrong))
""")


def test_two_threads_replay_fused_kernels_safely():
    p = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.strip() == "wrong 0"
