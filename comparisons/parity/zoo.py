"""`python -m comparisons zoo`: every zoo case (comparisons/parity/zoo_cases.py) trained in NumPy and in torch from
the same weights on the same shuffled mini-batches, float64 and float32, in one table.

float64 is judged as the seed rows are (the runs against each other, within 1e-8 of each tensor's scale
over the run); float32 by the shadow check, step by step from the NumPy run's own weights and optimizer
state (shadow.py; the digits CNN's Conv2d and MaxPool2d by rounding_layers.py's rules), with the drift of both
float32 runs from a float64 run reported. The task column is the held-out accuracy (or R2) of the NumPy run | the
torch run.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

import numpy as np

from .zoo_cases import CASES, ZooCase, case_by_name

DTYPES = {"float64": (np.float64,), "float32": (np.float32,), "both": (np.float64, np.float32)}


@dataclass
class ZooResult:
    case: ZooCase
    dtype: np.dtype
    trajectory: object      # TrajectoryReport
    task_manual: float
    task_torch: float

    @property
    def ok(self) -> bool:
        return self.trajectory.passed

    def traj_text(self) -> str:
        t = self.trajectory
        if t.judged_by == "rounding":
            d = t.worst_drift()
            return ("-" if d is None else f"{d.manual:.1e} [{d.torch:.1e}]") + f" ({t.steps_run}/{t.steps})"
        return f"{t.max_rel():.1e} ({t.steps_run}/{t.steps})"


def _task(case: ZooCase, predict, X, y) -> float:
    out = predict(X)
    if case.task == "R2":
        return float(1 - ((out - y) ** 2).sum() / ((y - y.mean()) ** 2).sum())
    labels = (out[:, 0] > 0).astype(int) if out.shape[1] == 1 else out.argmax(1)
    return float((labels == np.asarray(y).reshape(-1)).mean())


def run_case(case: ZooCase, dtype) -> ZooResult:
    """One case in one dtype: the trajectory report and the held-out task result of both sides."""
    from .seed_runs import STRIDE
    from .shadow import ShadowCheck
    from ..tolerances import tolerance_for
    from .trainers import ManualTrainer, TorchTrainer, float64_twin
    from .trajectory import compare_trajectory

    dtype = np.dtype(dtype)
    split = case.data()
    X = split.X_train.astype(dtype)
    y = split.y_train if split.y_train.dtype.kind in "iu" else split.y_train.astype(dtype)
    net, loss, opt = case.build(dtype), case.make_loss(), case.make_optimizer()
    ref = TorchTrainer.mirroring(net, loss, opt)
    extra = {}
    if dtype == np.float32:
        extra = dict(shadow=ShadowCheck(net, loss, opt, layer_of=net.param_layer),
                     reference64=float64_twin(case.build(np.float64), net, case.make_loss(), case.make_optimizer()))
    order = case.batches(len(X))
    report = compare_trajectory(ManualTrainer(net, loss, opt), ref, lambda k: (X[order[k]], y[order[k]]),
                                steps=len(order), rtol=tolerance_for(dtype).trajectory, stride=STRIDE,
                                layer_of=net.param_layer, title=f"zoo {case.name} {dtype}",
                                rerun=f"python -m comparisons zoo --case {case.name} --dtype {dtype.name}",
                                **extra)
    X_test = split.X_test.astype(dtype)
    manual_task = _task(case, lambda A: net.forward(A).astype(np.float64), X_test, split.y_test)
    return ZooResult(case, dtype, report, manual_task,
                     _task(case, lambda A: np.asarray(ref.predict(A), np.float64), X_test, split.y_test))


def describe_optimizer(opt) -> str:
    """'SGD(lr=0.1, momentum=0.9)': the class and every argument that differs from torch's default."""
    import inspect

    defaults = {k: p.default for k, p in inspect.signature(type(opt)).parameters.items()}
    args = [f"{k}={v!r}" for k, v in opt.hyperparameters().items() if k == "lr" or defaults.get(k) != v]
    return f"{type(opt).__name__}({', '.join(args)})"


def format_table(results: list[ZooResult]) -> str:
    head = f"{'case':<30}{'network':<20}{'loss / optimizer':<76}{'dtype':<9}{'traj (steps run)':<30}" \
           f"{'margin':<10}{'task: NumPy | torch':<27}verdict"
    lines = [head, "-" * len(head)]
    for r in results:
        c = r.case
        what = f"{c.make_loss().describe()} / {describe_optimizer(c.make_optimizer())}"
        m = r.trajectory.margin
        task = f"{c.task} {r.task_manual:.4f} | {r.task_torch:.4f}"
        lines.append(f"{c.name:<30}{c.describe():<20}{what:<76}{r.dtype.name:<9}{r.traj_text():<30}"
                     f"{'exact' if m == float('inf') else f'{m:.3g}':<10}{task:<27}{'pass' if r.ok else 'FAIL'}")
    return "\n".join(lines)


LEGEND = ("traj: float64: max error against torch, relative to each tensor's largest magnitude so far; float32: "
          "drift from a float64 run, NumPy's [torch's], not judged. margin: allowance / error of the closest judged "
          "comparison (float32: every step from the NumPy run's weights and optimizer state, shadow.py). Mini-batches "
          "in one shuffled order per epoch, shared by both sides; task on the held-out 25%.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--case", metavar="NAME", help="one case (default: all): " + ", ".join(c.name for c in CASES))
    parser.add_argument("--dtype", choices=sorted(DTYPES), default="both", help="default: both")
    parser.add_argument("--verbose", action="store_true", help="print the full report of every failing row")


def run(args: argparse.Namespace) -> int:
    import torch

    from manual.errors import UnknownNameError

    start, threads = time.perf_counter(), torch.get_num_threads()
    try:
        cases = [case_by_name(args.case)] if args.case else list(CASES)
    except UnknownNameError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    torch.set_num_threads(1)          # small networks: one thread is faster and runs the same everywhere
    try:
        results = [run_case(c, dt) for c in cases for dt in DTYPES[args.dtype] if np.dtype(dt).name in c.dtypes]
    finally:
        torch.set_num_threads(threads)
    print(format_table(results))
    print(LEGEND)
    bad = [r for r in results if not r.ok]
    for r in bad:
        print("\n" + (str(r.trajectory) if args.verbose else f"NOT OK: {r.case.name} {r.dtype.name}: "
                                                              f"{r.trajectory.findings[0].diff.label}"))
    print(f"\n{len(results)} rows: {len(results) - len(bad)} ok; {time.perf_counter() - start:.1f} s")
    return 1 if bad else 0
