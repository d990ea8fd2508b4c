"""Peak extra memory of one step beyond what is held before it.

NumPy's is read with tracemalloc (NumPy reports its array buffers to it; Python objects count too, which
matters only for the tiniest nets); torch's is rebuilt from its profiler's allocation events (tensor
memory), in time order.
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


def torch_peak_bytes(step: Callable[[], object], tries: int = 3) -> int:
    """Peak of the running sum of torch's allocations and frees (profiler events) during one call, each call
    in a forked child: the profiler reports a process's allocations in full only in its first profiling
    session (later ones in the same process saw 10 KiB of mnist_b256's 1062 KiB, while every forked child saw
    1062; a child forked after its parent profiled sees what the parent would: so the parent never does). The
    largest of `tries` children; in-process where fork is unavailable."""
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


def _torch_peak_once(step: Callable[[], object]) -> int:
    from torch.profiler import ProfilerActivity, profile

    with warnings.catch_warnings(), _quiet_native_output():
        warnings.simplefilter("ignore")
        with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
            step()
    events = sorted((e for e in prof.events() if e.self_cpu_memory_usage), key=lambda e: e.time_range.start)
    running = peak = 0
    for e in events:
        running += e.self_cpu_memory_usage
        peak = max(peak, running)
    return peak
