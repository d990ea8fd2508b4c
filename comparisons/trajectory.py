"""Trajectory parity: K training steps on the same data in the same order, loss at every step and
every parameter after every `stride`-th step (and the last), stopping at the first step that fails."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .compare import TensorDiff, compare_arrays
from .report import Finding, ParityReport
from .tolerances import FLOAT32_FACTOR, FLOAT32_FLOOR
from .trainers import LearnerCodeError, Trainer

Batch = tuple[np.ndarray, np.ndarray]
Data = Batch | Callable[[int], Batch]


@dataclass
class TrajectoryReport(ParityReport):
    """A ParityReport plus where it stopped: steps run, first failing step, first non-finite step."""

    steps: int = 0
    steps_run: int = 0
    first_failure: int | None = None
    nonfinite_step: int | None = None
    error: str | None = None      # the learner code's exception, when it raised (see LearnerCodeError)
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
    """Step both trainers on the same batches and compare, stopping at the first failing step. If the
    candidate's code raises (LearnerCodeError, e.g. from StepFnTrainer), that step is the first failure
    and the exception is the finding.

    With `reference64` (a float64 trainer from the same weights), a float32 run is judged over the whole
    run by the criterion in tolerances.py: per tensor, max_k err(candidate vs ref64) <= FACTOR *
    max_k err(reference vs ref64) + FLOOR (see Float32Judge). `layer_of(name)` labels a parameter.
    """
    if steps < 1 or stride < 1:
        raise ValueError(f"steps and stride must be >= 1, got steps={steps}, stride={stride}")
    report = TrajectoryReport(title=title, steps=steps, rerun=rerun)
    layer_of = layer_of or (lambda name: None)
    judge32 = Float32Judge() if reference64 is not None else None
    last_checked = -1  # the last step whose parameters were compared

    def measure(name, kind, a, b, r, k):
        layer = layer_of(name) if kind == "param" else None
        if r is None:
            return compare_arrays(a, b, name=name, kind=kind, rtol=rtol, layer=layer, step=k)
        return judge32.add(compare_arrays(a, r, name=name, kind=kind, layer=layer, step=k, rtol=np.inf),
                           compare_arrays(b, r, name=name, kind=kind, rtol=np.inf).rel)

    for k in range(steps):
        X, y = _batch(data, k)
        with np.errstate(all="ignore"):  # overflow is reported below as divergence, not warned about
            try:
                la = candidate.step(X, y)
            except LearnerCodeError as exc:  # the learner's code raised: that is the finding
                report.first_failure, report.steps_run, report.error = k, k + 1, exc.summary
                report.findings.append(_exception_finding(k, exc))
                break
            lb = reference.step(X, y)
            lr = reference64.step(X.astype(np.float64), y.astype(np.float64)) if reference64 else None
        report.losses["manual"].append(la)
        report.losses["torch"].append(lb)
        report.steps_run = k + 1
        pa, pb = candidate.params(), reference.params()
        pr = reference64.params() if reference64 else {n: None for n in pb}
        if not (_finite(pa, la) and _finite(pb, lb)):
            report.nonfinite_step = k
            report.findings.append(_nonfinite_finding(k, pa, la, pb, lb))
            break
        diffs: list[TensorDiff] = []
        if la is not None:
            diffs.append(measure("loss", "loss", la, lb, lr, k))
        if k % stride == 0 or k == steps - 1 or (diffs and not diffs[0].passed):
            diffs += [measure(n, "param", pa[n], pb[n], pr[n], k) for n in pb]
        failed = [d for d in diffs if not d.passed]
        _keep_worst(report, diffs)
        if failed:
            report.first_failure = k
            report.findings.append(_trajectory_finding(k, failed, diffs, last_checked))
            break
        if len(diffs) > 1 or la is None:
            last_checked = k
    if judge32 is not None and report.nonfinite_step is None and report.error is None:
        judge32.finish(report)
    return report


def float32_reference_error(d: TensorDiff) -> float:
    """For a diff judged by Float32Judge: torch-float32's largest error against float64 over the run,
    recovered from the allowance rtol = FLOAT32_FACTOR * that + FLOAT32_FLOOR."""
    return max((d.rtol - FLOAT32_FLOOR) / FLOAT32_FACTOR, 0.0)


class Float32Judge:
    """The float32 criterion over a whole run. Per tensor it keeps the largest error of the candidate
    against float64 (e_np) and of torch-float32 against float64 (e_t), and the first step where e_np
    exceeded FACTOR * (e_t so far) + FLOOR. Judging the maxima, not step by step, is deliberate: a
    float32 run may cross a ReLU kink or cancel a small loss a few steps before torch-float32 does, and
    that transient is rounding, not a bug; a bug keeps e_np far above anything torch-float32 reaches."""

    def __init__(self):
        self.worst: dict = {}        # key -> TensorDiff with the largest e_np
        self.max_ref: dict = {}      # key -> largest e_t so far
        self.first_over: dict = {}   # key -> first TensorDiff where e_np > FACTOR * e_t so far + FLOOR

    def add(self, d: TensorDiff, ref_err: float) -> TensorDiff:
        """Record one measurement; returns it marked passed (judgement comes in finish)."""
        key = (d.kind, d.name)
        self.max_ref[key] = max(self.max_ref.get(key, 0.0), ref_err)
        d.rtol = FLOAT32_FACTOR * self.max_ref[key] + FLOAT32_FLOOR
        if d.rel > d.rtol and key not in self.first_over:
            self.first_over[key] = d
        if key not in self.worst or d.rel > self.worst[key].rel:
            self.worst[key] = d
        return TensorDiff(name=d.name, kind=d.kind, rtol=np.inf, step=d.step, layer=d.layer, rel=d.rel)

    def finish(self, report: TrajectoryReport) -> None:
        """Replace the report's diffs by the whole-run maxima judged against the whole-run allowance."""
        report.diffs = []
        failed = []
        for key, worst in self.worst.items():
            worst.rtol = FLOAT32_FACTOR * self.max_ref[key] + FLOAT32_FLOOR
            report.diffs.append(worst)
            if not worst.passed:
                first = self.first_over[key]
                failed.append(first if first.rel > worst.rtol else worst)
                failed[-1].rtol = worst.rtol
        if failed:
            first = min(failed, key=lambda d: d.step)
            report.first_failure = first.step
            report.findings.append(Finding(first, note=(
                f"float32 criterion: NumPy-float32 is further from the float64 run than "
                f"{FLOAT32_FACTOR:g} x torch-float32's largest error over the run (+{FLOAT32_FLOOR:g}), "
                f"first at step {first.step}; {len(failed) - 1} more tensor(s) fail it")))


def _keep_worst(report: TrajectoryReport, diffs: list[TensorDiff]) -> None:
    """Keep, per tensor, the diff with the largest error seen so far (so reports stay small)."""
    index = {(d.kind, d.name): i for i, d in enumerate(report.diffs)}
    for d in diffs:
        i = index.get((d.kind, d.name))
        if i is None:
            report.diffs.append(d)
        elif not d.passed or d.rel > report.diffs[i].rel:
            report.diffs[i] = d


def _trajectory_finding(k: int, failed: list[TensorDiff], diffs: list[TensorDiff], last_checked: int) -> Finding:
    first = next((d for d in failed if d.kind == "param"), failed[0])
    loss = next((d for d in diffs if d.kind == "loss"), None)
    if k == 0:
        before = "step 0 is the first step"
    elif last_checked == k - 1:
        before = f"steps 0..{k - 1} matched"
    else:
        before = (f"parameters last compared after step {last_checked}" if last_checked >= 0
                  else "parameters not compared before")
    if loss is not None and loss.passed and first.kind == "param":
        where = (f"the loss at step {k} matches (rel {loss.rel:.0e}), so the forward pass agrees and the "
                 f"update of step {k} (backward or SGD step) differs")
    elif loss is not None and not loss.passed:
        entering = ("while the parameters entering it matched" if last_checked == k - 1
                    else f"(parameters last compared after step {last_checked})")
        where = (f"the loss at step {k} already differs, {entering}: the forward pass or the loss differs")
    else:
        where = f"the update of step {k} differs"
    more = len(failed) - 1
    return Finding(first, note=f"diverge at step {k} ({before}); {where}"
                              + (f"; {more} more tensor(s) fail at this step" if more else ""))


def _exception_finding(k: int, exc: LearnerCodeError) -> Finding:
    d = TensorDiff(name="step_fn", kind="call", rtol=0.0, step=k, problem=f"raised {exc.summary}")
    before = "on the first step" if k == 0 else f"after {k} step(s) that matched"
    return Finding(d, note=f"the learner's code raised {before}, so there is nothing to compare; "
                           "fix the error first")


def _nonfinite_finding(k, pa, la, pb, lb) -> Finding:
    sides = [s for s, (p, l) in (("manual", (pa, la)), ("torch", (pb, lb))) if not _finite(p, l)]
    both = len(sides) == 2
    d = TensorDiff(name="loss", kind="loss", rtol=0.0, step=k,
                   problem=f"non-finite loss or parameters at step {k} in {' and '.join(sides)}")
    note = ("training diverges in both: the trajectories agreed until it blew up, so the loss, learning rate "
            "or initialisation is the problem, not the backward" if both else
            f"only {sides[0]} went non-finite: a real divergence between the two")
    return Finding(d, note=note)
