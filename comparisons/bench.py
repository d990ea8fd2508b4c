"""`python -m comparisons bench`: time one training step (forward, loss, backward, SGD) in NumPy and
in torch on the same network and batch, and print both and their ratio, measured in the same run.

Figures are the median of `--repeats` timed blocks of `--steps` steps each, after one warm-up block;
they depend on the machine, its BLAS and its thread count, which the header prints.

Memory: the peak extra memory of one step beyond what is held before it. NumPy's is read with
tracemalloc (NumPy reports its array buffers to it; Python objects count too, which matters only for the
tiniest nets); torch's is rebuilt from its profiler's allocation events (tensor memory), in time order.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tracemalloc
import warnings
import platform
import statistics
import time

import numpy as np
import torch

import manual

from .trainers import ManualTrainer, TorchTrainer

# (label, sizes, activation, batch): the seeds' shapes, then larger ones where BLAS starts to matter
CASES = [
    ("xor 2-4-1", [2, 4, 1], "relu", 4),
    ("sine 1-4-1", [1, 4, 1], "tanh", 20),
    ("quadratic 1-10-20-30-40-1", [1, 10, 20, 30, 40, 1], "relu", 100),
    ("mlp 64-256-256-10", [64, 256, 256, 10], "relu", 256),
    ("mlp 256-1024-1024-10", [256, 1024, 1024, 10], "relu", 512),
]


def time_steps(trainer, X, y, steps: int, repeats: int) -> float:
    """Median seconds per step."""
    for _ in range(steps):
        trainer.step(X, y)
    blocks = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            trainer.step(X, y)
        blocks.append((time.perf_counter() - t0) / steps)
    return statistics.median(blocks)


def numpy_peak_bytes(trainer: ManualTrainer, X, y) -> int:
    """Peak extra bytes traced during one step."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        trainer.step(X, y)
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


def torch_peak_bytes(trainer: TorchTrainer, X, y) -> int:
    """Peak of the running sum of torch's allocations and frees (profiler events) during one step."""
    from torch.profiler import ProfilerActivity, profile

    with warnings.catch_warnings(), _quiet_native_output():
        warnings.simplefilter("ignore")
        with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
            trainer.step(X, y)
    events = sorted((e for e in prof.events() if e.self_cpu_memory_usage), key=lambda e: e.time_range.start)
    running = peak = 0
    for e in events:
        running += e.self_cpu_memory_usage
        peak = max(peak, running)
    return peak


def bench_case(sizes, activation, batch, dtype, steps, repeats) -> dict:
    """Seconds per step and peak extra bytes of one step, NumPy and torch, on the same net and batch."""
    rng = np.random.RandomState(0)
    net = manual.init_torch_default(manual.build_mlp(sizes, activation, dtype=dtype), rng)
    X = rng.randn(batch, sizes[0]).astype(dtype)
    y = rng.randn(batch, sizes[-1]).astype(dtype)
    loss, opt = manual.make_loss("mse"), manual.SGD(1e-3)
    mine, theirs = ManualTrainer(net, loss, opt), TorchTrainer.mirroring(net, loss, opt)
    t_torch = time_steps(theirs, X, y, steps, repeats)
    t_numpy = time_steps(mine, X, y, steps, repeats)
    return {"t_numpy": t_numpy, "t_torch": t_torch, "m_numpy": numpy_peak_bytes(mine, X, y),
            "m_torch": torch_peak_bytes(theirs, X, y)}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--steps", type=int, default=50, help="steps per timed block (default 50)")
    parser.add_argument("--repeats", type=int, default=5, help="timed blocks; the median is kept (default 5)")
    parser.add_argument("--quick", action="store_true", help="only the seeds' small shapes")


def run(args: argparse.Namespace) -> int:
    dtype = np.dtype(args.dtype)
    print(f"one SGD step (forward + loss + backward + update), {dtype}, median of {args.repeats} x "
          f"{args.steps} steps")
    print(f"python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}, "
          f"torch threads {torch.get_num_threads()}, cpus {os.cpu_count()}")
    print(f"{'':<34}{'time per step':-^37}  {'peak extra memory per step':-^37}")
    print(f"{'network':<28}{'batch':>6}{'numpy':>12}{'torch':>12}{'ratio':>13}  {'numpy':>12}{'torch':>12}{'ratio':>13}")
    cases = CASES[:3] if args.quick else CASES
    for label, sizes, act, batch in cases:
        r = bench_case(sizes, act, batch, dtype, args.steps, args.repeats)
        ratio = r["m_numpy"] / r["m_torch"] if r["m_torch"] else float("inf")
        print(f"{label:<28}{batch:>6}{r['t_numpy'] * 1e6:>10.1f}us{r['t_torch'] * 1e6:>10.1f}us"
              f"{r['t_numpy'] / r['t_torch']:>12.2f}x  {r['m_numpy'] / 1024:>9.1f}KiB{r['m_torch'] / 1024:>9.1f}KiB"
              f"{ratio:>12.2f}x")
    print("ratio = numpy / torch; memory: NumPy by tracemalloc (arrays and Python objects), torch by its "
          "profiler (tensors)")
    return 0
