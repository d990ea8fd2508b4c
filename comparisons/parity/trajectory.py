"""Trajectory parity: K training steps on the same data in the same order, loss at every step and
every parameter after every `stride`-th step (and the last), stopping at the first step that fails."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..compare import TensorDiff, compare_arrays
from ..report import Finding, ParityReport
from ..tolerances import SHADOW_EVERY_STEP
from .finite import all_finite
from .recording import Data, as_float64, batch_of
from .recording import Recording, Replay, record_run  # noqa: F401  (also imported from here)
from .shadow import ShadowEntry
from .trainers import LearnerCodeError, Trainer


_MAX = np.maximum.reduce     # np.max without its Python wrapper (run per tensor per recorded step)


@dataclass
class Drift:
    """How far a float32 run has moved from the float64 run over the whole run, for one tensor: the
    largest error of NumPy-float32 (`manual`) and of torch-float32 (`torch`), each relative to the
    tensor's largest magnitude in the float64 run so far. Reported, not judged (see tolerances.py)."""

    name: str
    kind: str
    manual: float = 0.0
    torch: float = 0.0
    step: int = 0           # where manual's largest error was


@dataclass
class TrajectoryReport(ParityReport):
    """A ParityReport plus where it stopped: steps run, first failing step, first non-finite step.
    `judged_by`: "tolerance" (each tensor against torch within rtol of its scale over the run) or
    "rounding" (the per-step shadow check of shadow.py)."""

    steps: int = 0
    steps_run: int = 0
    first_failure: int | None = None
    nonfinite_step: int | None = None
    error: str | None = None      # the learner code's exception, when it raised (see LearnerCodeError)
    losses: dict[str, list] = field(default_factory=lambda: {"manual": [], "torch": []})
    judged_by: str = "tolerance"
    drift: dict = field(default_factory=dict)   # (kind, name) -> Drift, when a float64 run was given
    shadow_steps: list = field(default_factory=list)   # shadow.ShadowStep per judged step (judged_by "rounding")
    pending: Pending | None = field(default=None, repr=False)   # judged without references: add_references' input

    @property
    def margin(self) -> float:
        """The smallest margin (allowance / error) of any judged comparison; < 1 means it failed."""
        return min((d.margin for d in self.diffs), default=float("inf"))

    def worst_drift(self) -> Drift | None:
        return max(self.drift.values(), key=lambda d: d.manual, default=None)

    def __str__(self) -> str:
        text = super().__str__()
        if self.passed:
            return text + f"\n  {self.steps} steps compared"
        return text


@dataclass
class Pending:
    """What a judged run (the shadow path, given no reference) keeps for add_references: its parameters after
    every stride-th step and the last, and how many steps its drift covers (a stopping step has none)."""

    params: dict[int, dict[str, np.ndarray]]
    drift_steps: int
    stride: int


def _view(trainer: Trainer) -> dict[str, np.ndarray]:
    """The trainer's current parameters, uncopied where it can give them (params_view), for a look before its
    next step."""
    view = getattr(trainer, "params_view", None)
    return view() if view is not None else trainer.params()


class _RunningScale:
    """Per tensor, the largest magnitude it has had in a reference run so far: the scale its errors are
    measured against (a loss late in training, or a parameter passing near zero, is not held to digits
    relative to its own tiny value: its rounding error scales with what it was)."""

    def __init__(self):
        self.seen: dict = {}

    def __call__(self, key, value) -> float:
        if type(value) is float:        # a loss: the same figure without NumPy's reductions
            m = abs(value)
        else:
            m = float(_MAX(np.abs(value), axis=None, initial=0.0)) if value is not None else 0.0
        self.seen[key] = max(self.seen.get(key, 0.0), m if np.isfinite(m) else 0.0)
        return self.seen[key]


def compare_trajectory(candidate: Trainer, reference: Trainer, data: Data, *, steps: int, rtol: float,
                       stride: int = 1, reference64: Trainer | None = None, shadow=None, layer_of=None,
                       title: str = "trajectory", rerun: str = "") -> TrajectoryReport:
    """Step both trainers on the same batches and compare, stopping at the first failing step. If the
    candidate's code raises (LearnerCodeError, e.g. from StepFnTrainer), that step is the first failure
    and the exception is the finding.

    Without `shadow`: the loss at every step and every parameter every `stride`-th step, each within
    rtol of the tensor's largest magnitude in the reference run so far.
    With `shadow` (a shadow.ShadowCheck; the candidate must expose grads()): steps are judged by it, from
    the candidate's own weights, within rounding: every step of the first SHADOW_EVERY_STEP, then every
    `stride`-th and the last (and any step where the candidate goes non-finite); the runs themselves are
    not compared, and with `reference64` (a float64 trainer from the same weights) both the candidate's
    and the reference's distance from float64 are recorded as `drift`. The references are stepped after
    the judged run, as far as it went (add_references); with reference=None they are left for a later
    add_references (run elsewhere, in parallel: Recording, Replay). `layer_of(name)` labels a parameter.
    """
    if steps < 1 or stride < 1:
        raise ValueError(f"steps and stride must be >= 1, got steps={steps}, stride={stride}")
    report = TrajectoryReport(title=title, steps=steps, rerun=rerun,
                              judged_by="tolerance" if shadow is None else "rounding")
    layer_of = layer_of or (lambda name: None)
    scale = _RunningScale()
    last_checked = -1  # the last step whose parameters were compared
    before = candidate.params() if shadow is not None else None
    stateful = shadow is not None and shadow.needs_state
    state = candidate.optimizer_state() if stateful else None
    pending = Pending({}, 0, stride)        # shadow path: what the references' drift will read
    queue: list[ShadowEntry] = []           # shadow path: due steps not judged yet (judged in stacks)
    rewinds = shadow is not None and hasattr(candidate, "rewind")

    def stack(X) -> int:
        """Judged steps to queue before judging them together (ahead of the first: only a run that can rewind)."""
        return shadow.stack_size(X) if rewinds else 1

    def measure_params(pa, pb, k) -> list[TensorDiff]:
        """Each parameter's TensorDiff, but for one that passes and is no worse than the one kept for it
        (which _keep_worst would drop): those are only measured (_param_quietly_passes)."""
        kept = {d.name: d for d in report.diffs if d.kind == "param"}
        diffs = []
        for n, b in pb.items():
            s = scale(("param", n), b)
            if not _param_quietly_passes(kept.get(n), pa[n], b, s, rtol):
                diffs.append(compare_arrays(pa[n], b, name=n, kind="param", rtol=rtol, layer=layer_of(n), step=k,
                                            scale=s))
        return diffs

    for k in range(steps):
        X, y = batch_of(data, k)
        with np.errstate(all="ignore"):  # overflow is reported below as divergence, not warned about
            try:
                la = candidate.step(X, y)
            except LearnerCodeError as exc:  # the learner's code raised: that is the finding
                if queue and _judge_queue(report, shadow, queue, candidate, pending):
                    break                    # an earlier step failed: the run stopped there
                report.first_failure, report.steps_run, report.error = k, k + 1, exc.summary
                report.findings.append(_exception_finding(k, exc))
                break
            if shadow is None:
                lb = reference.step(X, y)
        report.losses["manual"].append(la)
        report.steps_run = k + 1
        pa = candidate.params() if shadow is not None or k % stride == 0 or k == steps - 1 else _view(candidate)
        if shadow is not None:
            finite = all_finite(pa, la)
            due = k < SHADOW_EVERY_STEP or k % stride == 0 or k == steps - 1 or not finite
            state_after = candidate.optimizer_state() if stateful else None
            if due:
                queue.append(ShadowEntry(k, before, X, y, la, candidate.grads(), pa, state, state_after))
            if queue and (len(queue) >= stack(X) or k == steps - 1 or not finite):
                if _judge_queue(report, shadow, queue, candidate, pending):
                    break
            before, state = pa, state_after
            pending.drift_steps = k + 1
            if k % stride == 0 or k == steps - 1:
                pending.params[k] = pa
            continue
        report.losses["torch"].append(lb)
        params_due = k % stride == 0 or k == steps - 1
        pb = reference.params() if params_due else _view(reference)
        if not (all_finite(pa, la) and all_finite(pb, lb)):
            report.nonfinite_step = k
            report.findings.append(_nonfinite_finding(k, all_finite(pa, la), all_finite(pb, lb)))
            break
        diffs: list[TensorDiff] = []
        if la is not None:
            s = scale(("loss", "loss"), lb)
            if params_due or not _loss_quietly_passes(report, la, lb, s, rtol):
                diffs.append(compare_arrays(la, lb, name="loss", kind="loss", rtol=rtol, step=k, scale=s))
        compared = params_due or bool(diffs and not diffs[0].passed)
        if compared:
            diffs += measure_params(pa, pb, k)
        failed = [d for d in diffs if not d.passed]
        _keep_worst(report, diffs)
        if failed:
            report.first_failure = k
            report.findings.append(_trajectory_finding(k, failed, diffs, last_checked))
            break
        if compared or la is None:
            last_checked = k
    if shadow is not None:
        report.shadow_steps, report.pending = shadow.history, pending
        if reference is not None:
            add_references(report, reference, reference64, data)
    return report


def add_references(report: TrajectoryReport, reference: Trainer, reference64: Trainer | None, data: Data) -> None:
    """Step the references of a judged run (the shadow path) over the steps it ran: torch's loss at each,
    and, with `reference64`, the drift of both float32 runs from it (_record_drift). A reference that goes
    non-finite is stepped no further, the torch run only while the float64 one still is finite."""
    pending, report.pending = report.pending, None
    live = {"torch": True, "float64": reference64 is not None}
    scale = _RunningScale()
    steps, stride = report.steps, pending.stride
    replayed = isinstance(reference, Replay) and isinstance(reference64, (Replay, type(None)))   # no batch read
    X = y = None
    for k, la in enumerate(report.losses["manual"]):
        if not replayed:
            X, y = batch_of(data, k)
        with np.errstate(all="ignore"):
            lb = reference.step(X, y) if live["torch"] else None
            if live["float64"]:
                l64 = reference64.step(X, y) if replayed else reference64.step(X.astype(np.float64), as_float64(y))
            else:
                l64 = None
        report.losses["torch"].append(lb)
        if k < pending.drift_steps:
            _record_drift(report, live, scale, k, la, pending.params.get(k), lb, reference, l64, reference64,
                          params=k % stride == 0 or k == steps - 1)


def _loss_quietly_passes(report: TrajectoryReport, la, lb, scale: float, rtol: float) -> bool:
    """Whether compare_arrays on the two (finite) losses would pass without being the loss's worst so far, so
    that its TensorDiff would be dropped: the same figure (rel = |la - lb| / max(|lb|, scale)) in plain floats,
    about 20x cheaper. False when unsure (the full comparison then decides)."""
    if type(la) is not float or type(lb) is not float:
        return False
    err, size = abs(la - lb), max(abs(lb), scale)
    rel = err / size if size > 0 else (0.0 if err == 0 else float("inf"))
    return _no_worse(next((d for d in report.diffs if d.kind == "loss" and d.name == "loss"), None), rel, rtol)


def _param_quietly_passes(kept: TensorDiff | None, a, b, scale: float, rtol: float) -> bool:
    """The same for a parameter: rel = max|a - b| / scale (scale: the running one, already max|b| or more), in 4
    NumPy calls instead of compare_arrays' ~15. False when unsure (a shape or a value that is not finite)."""
    if not scale > 0 or np.shape(a) != np.shape(b):
        return False
    with np.errstate(invalid="ignore", over="ignore"):
        rel = _max_error(a, b) / scale      # NaN (inf - inf): not <=
    return _no_worse(kept, rel, rtol)


def _no_worse(kept: TensorDiff | None, rel: float, rtol: float) -> bool:
    """Whether a comparison at `rel` passes without being worse than `kept`, the diff kept for its tensor (so
    that _keep_worst would drop it); False without a kept diff judged by the same rule."""
    return (kept is not None and kept.problem is None and kept.ratio is None and kept.rtol == rtol
            and rel <= rtol and rel <= kept.rel)


def _judge_queue(report: TrajectoryReport, shadow, queue: list, candidate, pending: Pending) -> bool:
    """Judge the queued steps in order (shadow.check_many); True (with a finding) when the run stops at one of
    them. If that is not the last step taken, the run is wound back to it: its losses and pending parameters
    after it dropped, the candidate's parameters set to those after it (candidate.rewind)."""
    entries = list(queue)
    queue.clear()
    judged = shadow.check_many(entries)
    for entry, diffs in zip(entries, judged):
        if not _shadow_verdict(report, entry.k, diffs, entry.after, entry.value, shadow.torch_finite):
            judged.close()
            k = entry.k
            if k + 1 < report.steps_run:
                del report.losses["manual"][k + 1:]
                report.steps_run = k + 1
                pending.params = {s: p for s, p in pending.params.items() if s < k}
                pending.drift_steps = k
                candidate.rewind(entry.after)
            return True
    return False


def _shadow_verdict(report: TrajectoryReport, k: int, diffs, pa, la, finite_t: bool) -> bool:
    """The shadow check's verdict on step k (its diffs): False (with a finding) when the run stops here."""
    finite_np = all_finite(pa, la)
    if not (finite_np and finite_t):
        report.nonfinite_step = k
        report.findings.append(_nonfinite_finding(k, finite_np, finite_t, shadow=True))
        return False
    _keep_worst(report, diffs)
    failed = [d for d in diffs if not d.passed]
    if failed:
        report.first_failure = k
        report.findings.append(_shadow_finding(k, failed))
        return False
    return True


def _record_drift(report, live, scale, k, la, pa, lb, reference, l64, reference64, params: bool) -> None:
    """Distance of the float32 runs (NumPy, torch) from the float64 run, relative to its running scale:
    the loss at every step, the parameters when `params`."""
    if not live["float64"]:
        return
    if not np.isfinite(l64):
        live["float64"] = False
        return
    if lb is not None and not np.isfinite(lb):
        live["torch"], lb = False, None
    values = [("loss", "loss", la, lb, l64)]
    if params:
        p64, pb = reference64.params(), reference.params() if live["torch"] else None
        values += [(n, "param", pa[n], pb and pb[n], p64[n]) for n in p64]
    for name, kind, a, b, r in values:
        s = scale((kind, name), r)
        if s == 0:
            continue
        d = report.drift.setdefault((kind, name), Drift(name, kind))
        e_np = _max_error(a, r) / s
        if e_np > d.manual:
            d.manual, d.step = e_np, k
        if b is not None:
            d.torch = max(d.torch, _max_error(b, r) / s)


def _max_error(a, r) -> float:
    """max |a - r| in float64 (a loss's in plain floats: the same number, without NumPy's overhead)."""
    if type(a) is float and type(r) is float:
        return abs(a - r)
    return float(_MAX(np.abs(np.asarray(a, np.float64) - r), axis=None, initial=0.0))


def _keep_worst(report: TrajectoryReport, diffs: list[TensorDiff]) -> None:
    """Keep, per tensor, the diff with the largest error seen so far (so reports stay small)."""
    index = {(d.kind, d.name): i for i, d in enumerate(report.diffs)}
    for d in diffs:
        i = index.get((d.kind, d.name))
        if i is None:
            report.diffs.append(d)
        elif not d.passed or d.margin < report.diffs[i].margin:
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


def _shadow_finding(k: int, failed: list[TensorDiff]) -> Finding:
    first = min(failed, key=lambda d: (d.kind != "loss", d.kind != "grad", d.kind != "param", d.margin))
    more = len(failed) - 1
    where = {"loss": "the loss itself differs: the forward pass or the loss",
             "grad": "the loss matches, a gradient does not: the backward pass",
             "param": "loss and gradients match, the update does not: the optimizer step",
             "state": "the optimizer's state (a momentum or moment buffer, a step count) differs: its update "
                      "rule"}[first.kind]
    ratio = (f"; at the worst element yours / torch = {first.manual_value / first.torch_value:.4f}"
             if first.torch_value != 0 and first.kind != "param" else "")
    return Finding(first, note=(
        f"step {k}, taken by torch from the NumPy run's own weights entering it, disagrees beyond the "
        f"rounding bound: {where}{ratio}" + (f"; {more} more tensor(s) fail at this step" if more else "")))


def _nonfinite_finding(k: int, finite_manual: bool, finite_torch: bool, shadow: bool = False) -> Finding:
    sides = [s for s, ok in (("manual", finite_manual), ("torch", finite_torch)) if not ok]
    both = len(sides) == 2
    d = TensorDiff(name="loss", kind="loss", rtol=0.0, step=k,
                   problem=f"non-finite loss or parameters at step {k} in {' and '.join(sides)}")
    agreed = ("every step agreed within rounding until it blew up, and torch from the same weights blows up "
              "too" if shadow else "the trajectories agreed until it blew up")
    note = (f"training diverges in both: {agreed}, so the loss, learning rate or initialisation is the problem, "
            "not the backward" if both else f"only {sides[0]} went non-finite: a real divergence between the two")
    return Finding(d, note=note)
