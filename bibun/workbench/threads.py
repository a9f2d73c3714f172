"""How many BLAS threads the training loop uses.

Small models multiply small matrices thousands of times per epoch; a multi-threaded BLAS then spends more
time waking its threads than multiplying, and on a busy machine (another process on a core) each wake-up can
wait for a time slice: an 8x8-digits epoch measured 0.015 s on one thread and up to 3 s on two. So when the
work per training batch is small the loop runs BLAS on one thread, and otherwise leaves it as it is.
threadpoolctl (a scikit-learn dependency) sets the limit; without it nothing changes.
"""
from contextlib import contextmanager, nullcontext

# multiply-adds per training batch below which one thread is faster (measured on digits / Fashion-MNIST)
SMALL_WORK = 8_000_000


def batch_work(batch_size, dims):
    """Multiply-adds of one forward pass over a batch through Linear layers of sizes dims[0]->...->dims[-1]."""
    return batch_size * sum(a * b for a, b in zip(dims[:-1], dims[1:]))


def auto_threads(batch_size, dims):
    """1 for small models, None (leave BLAS alone) otherwise."""
    return 1 if batch_work(batch_size, dims) < SMALL_WORK else None


@contextmanager
def blas_threads(n):
    """Limit BLAS to n threads inside the block (None: no change)."""
    if n is None:
        yield
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        ctx = nullcontext()
    else:
        ctx = threadpool_limits(limits=int(n), user_api="blas")
    with ctx:
        yield
