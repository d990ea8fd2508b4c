"""Peak extra memory of one step beyond what is held before it.

NumPy's is read with tracemalloc (NumPy reports its array buffers to it; Python objects count too, which
matters only for the tiniest nets); torch's is rebuilt from its profiler's allocation events (tensor
memory): every allocation and free in time order, as tracemalloc sees NumPy's. (The per-op figures of
`prof.events()` are each op's net change: a temporary an op makes and frees, such as mse_loss's squared
differences, never shows there; they read cnn_b64's peak as 3.2 MiB where its allocations reach 4.7 MiB.)
"""
from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import tracemalloc
import warnings
from collections.abc import Callable


def numpy_peak_bytes(step: Callable[[], object]) -> int:
    """Peak extra bytes traced during one call of `step`."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        step()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


@contextlib.contextmanager
def _quiet_native_output():
    """Silence what torch's C++ profiler prints on file descriptors 1 and 2 (start/stop notices and a
    warning about blocks allocated before it started), which Python's warnings filter cannot reach."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 1)
        os.dup2(null.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)


ALLOCATIONS, OP_TOTALS = "allocation events", "op totals"     # how a torch peak was read: _torch_peak_once


def torch_peak_bytes(step: Callable[[], object], tries: int = 3) -> tuple[int, str]:
    """Peak of the running sum of torch's allocations and frees (profiler events) during one call, each call
    in a forked child: the profiler reports a process's allocations in full only in its first profiling
    session (later ones in the same process saw 10 KiB of mnist_b256's 1062 KiB, while every forked child saw
    1062; a child forked after its parent profiled sees what the parent would: so the parent never does). The
    largest of `tries` children; in-process where fork is unavailable. Returns the peak and how it was read
    (ALLOCATIONS, or OP_TOTALS where this torch's profiler gives no allocation events: a lower bound)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return max(_torch_peak_once(step) for _ in range(tries))
    return max(_in_child(_torch_peak_once, step) for _ in range(tries))


def _in_child(measure: Callable, step: Callable[[], object]) -> int:
    """measure(step) in a forked child process on one torch thread (a forked child cannot use the parent's
    OpenMP workers: it would wait for them forever), its result sent back through a pipe."""
    import torch

    def run():
        torch.set_num_threads(1)
        there.send(measure(step))

    ctx = multiprocessing.get_context("fork")
    here, there = ctx.Pipe(duplex=False)
    child = ctx.Process(target=run, daemon=True)
    child.start()
    there.close()
    try:
        return here.recv()
    except EOFError:
        raise RuntimeError(f"the memory measurement's child process died (exit code {child.exitcode})") from None
    finally:
        child.join()


def _torch_peak_once(step: Callable[[], object]) -> tuple[int, str]:
    from torch.profiler import ProfilerActivity, profile

    with warnings.catch_warnings(), _quiet_native_output():
        warnings.simplefilter("ignore")
        with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
            step()
    try:        # every allocation (+bytes) and free (-bytes), from the profiler's raw (Kineto) events
        changes, how = [(e.start_ns(), e.nbytes()) for e in prof.profiler.kineto_results.events()
                        if e.name() == "[memory]"], ALLOCATIONS
    except AttributeError:      # a torch without them: each op's net change (misses what an op frees itself)
        changes, how = [(e.time_range.start, e.self_cpu_memory_usage) for e in prof.events()
                        if e.self_cpu_memory_usage], OP_TOTALS
    running = peak = 0
    for _, size in sorted(changes, key=lambda c: c[0]):
        running += size
        peak = max(peak, running)
    return peak, how
