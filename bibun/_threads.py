"""Work shared out over threads, in blocks: what bibun.jit's split steps run on (jit/_split.py).

NumPy lets the GIL go inside its loops, so Python threads each running NumPy calls on their own block of rows
use all the cores. The unit of work must be long, though: waking a sleeping thread and handing the GIL back
and forth costs tens of microseconds on a virtual machine, measured as more than one 10^5-element tanh takes.
So a plan's whole run of elementwise steps is one job, not each op.

How a job is shared: its blocks are numbered, and every thread, the caller included, takes the next number
until none is left; the caller never waits for a block nobody has started, so on a machine whose other cores
are busy it does the work itself. NumPy's error state (np.errstate) is the caller's in every thread, and an
error raised in a block is raised to the caller.

`set_num_threads(n)` (also bibun.set_num_threads, PyTorch's name) or BIBUN_NUM_THREADS sets how many threads;
1 keeps everything on the caller's thread.
"""
import contextvars
import itertools
import os
import queue
import threading


def _default_threads():
    env = os.environ.get("BIBUN_NUM_THREADS", "").strip()
    if env:
        if not env.isdigit() or int(env) < 1:
            raise ValueError(f"BIBUN_NUM_THREADS must be a whole number of threads (1 or more), got {env!r}")
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


_threads = _default_threads()
_queues = []                 # one per worker thread (threads - 1 of them), started on first use
_start_lock = threading.Lock()


def get_num_threads():
    """How many threads bibun shares work over."""
    return _threads


def set_num_threads(n):
    """Share bibun's work over `n` threads (1: the caller's thread only)."""
    global _threads
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads needs a whole number of threads, 1 or more; got {n!r}")
    _threads = n


class _Job:
    __slots__ = ("fn", "n", "args", "take", "finish", "done", "error")

    def __init__(self, fn, n, args):
        self.fn, self.n, self.args = fn, n, args
        self.take = itertools.count().__next__        # next() on a count is atomic under the GIL
        self.finish = itertools.count(1).__next__
        self.done = threading.Event()
        self.error = None


def _work(job):
    fn, n, args, take = job.fn, job.n, job.args, job.take
    while True:
        i = take()
        if i >= n:
            return
        try:
            fn(i, *args)
        except BaseException as e:      # handed to the caller, which raises it
            job.error = e
        if job.finish() == n:
            job.done.set()


def _worker(q):
    while True:
        job, ctx = q.get()
        ctx.run(_work, job)


def _workers(n):
    if len(_queues) < n:
        with _start_lock:
            while len(_queues) < n:
                q = queue.SimpleQueue()
                threading.Thread(target=_worker, args=(q,), name=f"bibun-worker-{len(_queues) + 1}",
                                 daemon=True).start()
                _queues.append(q)
    return _queues[:n]


def _forget_workers():          # a forked child has none of its parent's threads
    _queues.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_workers)


def run(fn, n, *args):
    """fn(0, *args), ..., fn(n - 1, *args), shared over the threads; returns when all are done."""
    helpers = min(_threads, n) - 1
    if helpers <= 0:
        for i in range(n):
            fn(i, *args)
        return
    job = _Job(fn, n, args)
    for q in _workers(helpers):
        q.put((job, contextvars.copy_context()))
    _work(job)
    job.done.wait()
    if job.error is not None:
        raise job.error
