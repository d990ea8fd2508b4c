"""`python -m comparisons tolerances`: re-measure the errors the tolerances in tolerances.py rest on.

For random correct networks (every activation, both output kinds, mse and bce) it prints, per dtype,
the largest relative error of one forward/backward, of a trajectory, and for float32 the smallest margin
(allowance / error) of the per-step shadow check over each run, with the drift ratio
max err(NumPy32 vs float64) / max err(torch32 vs float64) per tensor for information.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import manual

from .step import compare_step
from .shadow import ShadowCheck
from ..tolerances import TOLERANCES
from .trainers import ManualTrainer, TorchTrainer
from .trajectory import compare_trajectory

ACTS = ["relu", "leaky_relu", "sigmoid", "tanh"]


def random_case(rng: np.random.RandomState, dtype):
    """A random correct net, loss and full batch."""
    depth = rng.randint(1, 4)
    sizes = [int(s) for s in rng.randint(1, 9, size=depth + 2)]
    acts = [ACTS[i] for i in rng.randint(0, 4, size=depth)]
    output = "sigmoid" if rng.rand() < 0.5 else "identity"
    loss = "bce" if output == "sigmoid" and rng.rand() < 0.5 else "mse"
    net = manual.init_torch_default(manual.build_mlp(sizes, acts, output, dtype=dtype), rng)
    n = int(rng.randint(1, 33))
    X = rng.randn(n, sizes[0]).astype(dtype)
    y = (rng.rand(n, sizes[-1]) if loss == "bce" else rng.randn(n, sizes[-1])).astype(dtype)
    return net, manual.make_loss(loss), X, y


def measure(cases: int, steps: int, seed: int) -> dict:
    rng = np.random.RandomState(seed)
    out = {"step64": 0.0, "step32": 0.0, "traj64": 0.0, "traj32_direct": 0.0, "margin32": [], "drift32": []}
    for _ in range(cases):
        for dtype, key in ((np.float64, "step64"), (np.float32, "step32")):
            net, loss, X, y = random_case(np.random.RandomState(rng.randint(2**31)), dtype)
            out[key] = max(out[key], compare_step(net, loss, X, y, rtol=np.inf).max_rel())
        state = rng.randint(2**31)
        net, loss, X, y = random_case(np.random.RandomState(state), np.float64)
        opt = manual.SGD(0.05)
        ref = TorchTrainer.mirroring(net, loss, opt)
        rep = compare_trajectory(ManualTrainer(net, loss, opt), ref, (X, y), steps=steps, rtol=np.inf)
        out["traj64"] = max(out["traj64"], rep.max_rel())
        net32, loss, X, y = random_case(np.random.RandomState(state), np.float32)
        direct = compare_trajectory(ManualTrainer(net32, loss, opt), TorchTrainer.mirroring(net32, loss, opt),
                                    (X, y), steps=steps, rtol=np.inf)
        out["traj32_direct"] = max(out["traj32_direct"], direct.max_rel())
        net32, loss, X, y = random_case(np.random.RandomState(state), np.float32)
        judged = compare_trajectory(ManualTrainer(net32, loss, opt), TorchTrainer.mirroring(net32, loss, opt),
                                    (X, y), steps=steps, rtol=np.inf,
                                    reference64=TorchTrainer.mirroring(net32, loss, opt, np.float64),
                                    shadow=ShadowCheck(net32, loss, opt))
        out["margin32"].append(judged.margin)
        out["drift32"] += [d.manual / d.torch for d in judged.drift.values() if d.torch > 0]
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cases", type=int, default=20, help="random networks per measurement (default 20)")
    parser.add_argument("--steps", type=int, default=300, help="trajectory length (default 300)")
    parser.add_argument("--seed", type=int, default=0)


def run(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    m = measure(args.cases, args.steps, args.seed)
    drift = np.array(m["drift32"]) if m["drift32"] else np.array([0.0])
    t64, t32 = TOLERANCES[np.dtype(np.float64)], TOLERANCES[np.dtype(np.float32)]
    print(f"measured on {args.cases} random correct networks, {args.steps}-step trajectories, seed {args.seed}")
    print(f"{'quantity':<48}{'measured max':>14}{'tolerance':>12}")
    print(f"{'float64 one step, rel error':<48}{m['step64']:>14.1e}{t64.step:>12.0e}")
    print(f"{'float64 trajectory, rel error':<48}{m['traj64']:>14.1e}{t64.trajectory:>12.0e}")
    print(f"{'float32 one step, rel error':<48}{m['step32']:>14.1e}{t32.step:>12.0e}")
    print(f"{'float32 trajectory, NumPy32 vs torch32 directly':<48}{m['traj32_direct']:>14.1e}{'(not used)':>12}")
    print(f"{'float32 per-step shadow check, smallest margin':<48}{min(m['margin32']):>14.3g}{1:>12}"
          f"   (allowance / error; median {np.median(m['margin32']):.3g})")
    print(f"{'float32 drift err(NumPy32,f64) / err(torch32,f64)':<48}{drift.max():>14.2f}{'(not used)':>12}"
          f"   (median {np.median(drift):.2f})")
    print(f"took {time.perf_counter() - t0:.1f} s")
    return 0
