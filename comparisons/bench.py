"""`python -m comparisons bench`: time one training step (forward, loss, backward, SGD) in NumPy and
in torch on the same network and batch, and print both and their ratio, measured in the same run.

Figures are the median of `--repeats` timed blocks of `--steps` steps each, after one warm-up block;
they depend on the machine, its BLAS and its thread count, which the header prints.
"""
from __future__ import annotations

import argparse
import os
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


def bench_case(sizes, activation, batch, dtype, steps, repeats) -> tuple[float, float]:
    rng = np.random.RandomState(0)
    net = manual.init_torch_default(manual.build_mlp(sizes, activation, dtype=dtype), rng)
    X = rng.randn(batch, sizes[0]).astype(dtype)
    y = rng.randn(batch, sizes[-1]).astype(dtype)
    loss, opt = manual.make_loss("mse"), manual.SGD(1e-3)
    t_torch = time_steps(TorchTrainer.mirroring(net, loss, opt), X, y, steps, repeats)
    t_numpy = time_steps(ManualTrainer(net, loss, opt), X, y, steps, repeats)
    return t_numpy, t_torch


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
    print(f"{'network':<28}{'batch':>6}{'numpy':>12}{'torch':>12}{'numpy/torch':>13}")
    cases = CASES[:3] if args.quick else CASES
    for label, sizes, act, batch in cases:
        t_np, t_t = bench_case(sizes, act, batch, dtype, args.steps, args.repeats)
        print(f"{label:<28}{batch:>6}{t_np * 1e6:>10.1f}us{t_t * 1e6:>10.1f}us{t_np / t_t:>12.2f}x")
    return 0
