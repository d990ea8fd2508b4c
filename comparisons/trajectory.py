"""Trajectory parity: K training steps on the same data in the same order, loss at every step and
every parameter after every `stride`-th step (and the last), stopping at the first step that fails."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .compare import TensorDiff, compare_arrays
from .report import Finding, ParityReport
from .tolerances import FLOAT32_FACTOR, FLOAT32_FLOOR
from .trainers import Trainer

Batch = tuple[np.ndarray, np.ndarray]
Data = Batch | Callable[[int], Batch]


@dataclass
class TrajectoryReport(ParityReport):
    """A ParityReport plus where it stopped: steps run, first failing step, first non-finite step."""

    steps: int = 0
    steps_run: int = 0
    first_failure: int | None = None
    nonfinite_step: int | None = None
    losses: dict[str, list] = field(default_factory=lambda: {"manual": [], "torch": []})

    def __str__(self) -> str:
        text = super().__str__()
        if self.passed:
            return text + f"\n  {self.steps} steps compared"
        return text


def _batch(data: Data, k: int) -> Batch:
    return data(k) if callable(data) else data


def _finite(values: dict[str, np.ndarray], loss) -> bool:
    return (loss is None or np.isfinite(loss)) and all(np.isfinite(v).all() for v in values.values())


def compare_trajectory(candidate: Trainer, reference: Trainer, data: Data, *, steps: int, rtol: float,
                       stride: int = 1, reference64: Trainer | None = None, layer_of=None,
                       title: str = "trajectory", rerun: str = "") -> TrajectoryReport:
    """Step both trainers on the same batches and compare, stopping at the first failing step.

    With `reference64` (a float64 trainer from the same weights), float32 runs are judged by the
    criterion in tolerances.py: err(candidate vs ref64) <= FACTOR * err(reference vs ref64) + FLOOR.
    `layer_of(name)` labels a parameter with its layer for messages.
    """
    if steps < 1 or stride < 1:
        raise ValueError(f"steps and stride must be >= 1, got steps={steps}, stride={stride}")
    report = TrajectoryReport(title=title, steps=steps, rerun=rerun)
    layer_of = layer_of or (lambda name: None)

    def judge(name, kind, a, b, r, k):
        layer = layer_of(name) if kind == "param" else None
        if r is None:
            return compare_arrays(a, b, name=name, kind=kind, rtol=rtol, layer=layer, step=k)
        ref_err = compare_arrays(b, r, name=name, kind=kind, rtol=np.inf).rel
        return compare_arrays(a, r, name=name, kind=kind, layer=layer, step=k,
                              rtol=FLOAT32_FACTOR * ref_err + FLOAT32_FLOOR)

    for k in range(steps):
        X, y = _batch(data, k)
        with np.errstate(all="ignore"):  # overflow is reported below as divergence, not warned about
            la, lb = candidate.step(X, y), reference.step(X, y)
            lr = reference64.step(X.astype(np.float64), y.astype(np.float64)) if reference64 else None
        report.losses["manual"].append(la)
        report.losses["torch"].append(lb)
        report.steps_run = k + 1
        check_params = k % stride == 0 or k == steps - 1
        pa, pb = candidate.params(), reference.params()
        pr = reference64.params() if reference64 else {n: None for n in pb}
        if not (_finite(pa, la) and _finite(pb, lb)):
            report.nonfinite_step = k
            report.findings.append(_nonfinite_finding(k, pa, la, pb, lb))
            break
        diffs: list[TensorDiff] = []
        if la is not None:
            diffs.append(judge("loss", "loss", la, lb, lr, k))
        if check_params or (diffs and not diffs[0].passed):
            diffs += [judge(n, "param", pa[n], pb[n], pr[n], k) for n in pb]
        failed = [d for d in diffs if not d.passed]
        _keep_worst(report, diffs)
        if failed:
            report.first_failure = k
            report.findings.append(_trajectory_finding(k, failed, diffs))
            break
    return report


def _keep_worst(report: TrajectoryReport, diffs: list[TensorDiff]) -> None:
    """Keep, per tensor, the diff with the largest error seen so far (so reports stay small)."""
    index = {(d.kind, d.name): i for i, d in enumerate(report.diffs)}
    for d in diffs:
        i = index.get((d.kind, d.name))
        if i is None:
            report.diffs.append(d)
        elif not d.passed or d.rel > report.diffs[i].rel:
            report.diffs[i] = d


def _trajectory_finding(k: int, failed: list[TensorDiff], diffs: list[TensorDiff]) -> Finding:
    first = next((d for d in failed if d.kind == "param"), failed[0])
    loss = next((d for d in diffs if d.kind == "loss"), None)
    before = "step 0 is the first step" if k == 0 else f"steps 0..{k - 1} matched"
    if loss is not None and loss.passed and first.kind == "param":
        where = (f"the loss at step {k} matches (rel {loss.rel:.0e}), so the forward pass agrees and the "
                 f"update of step {k} (backward or SGD step) differs")
    elif loss is not None and not loss.passed:
        where = (f"the loss at step {k} already differs, while the parameters entering step {k} matched: "
                 "the forward pass or the loss differs")
    else:
        where = f"the update of step {k} differs"
    more = len(failed) - 1
    return Finding(first, note=f"diverge at step {k} ({before}); {where}"
                              + (f"; {more} more tensor(s) fail at this step" if more else ""))


def _nonfinite_finding(k, pa, la, pb, lb) -> Finding:
    sides = [s for s, (p, l) in (("manual", (pa, la)), ("torch", (pb, lb))) if not _finite(p, l)]
    both = len(sides) == 2
    d = TensorDiff(name="loss", kind="loss", rtol=0.0, step=k,
                   problem=f"non-finite loss or parameters at step {k} in {' and '.join(sides)}")
    note = ("training diverges in both: the trajectories agreed until it blew up, so the loss, learning rate "
            "or initialisation is the problem, not the backward" if both else
            f"only {sides[0]} went non-finite: a real divergence between the two")
    return Finding(d, note=note)
