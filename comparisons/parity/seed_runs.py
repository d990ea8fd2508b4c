"""Running the seed systems: each row (system x dtype) and each variant is one independent job, so
jobs run in parallel worker processes. What the table shows and how a verdict is reached is described
in comparisons/parity/seed_table.py."""
from __future__ import annotations

import multiprocessing
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass, field

import numpy as np
import torch

from manual import SGD
from manual.seeds import SeedSystem, Variant, system_by_key
from torch_ref import torch_dtype
from torch_ref.seeds import seed_initial_params, seed_trainer

from .step import compare_step
from ..report import ParityReport
from ..tolerances import tolerance_for
from .seed_twins import STRIDE, Twins, fewer_collections, float64_reference, fork_pool, in_lane, stop_pool, twin_run
from .trainers import ManualTrainer, StepFnTrainer, TorchTrainer
from .shadow import ShadowCheck
from .recording import batch_of
from .trajectory import Recording, Replay, TrajectoryReport, add_references, compare_trajectory, record_run

BLOWUP_STEPS = 100   # after a mismatch, how long to look for both runs going non-finite
FWD_KINDS, GRAD_KINDS = ("layer output", "loss"), ("delta", "grad", "input grad")


@dataclass
class SystemResult:
    key: str                             # the system's key (results travel between processes by key)
    dtype: np.dtype
    step0: ParityReport                  # one forward/backward at the initial weights, first batch
    trajectory: TrajectoryReport
    task_manual: dict
    task_torch: dict
    problems: list[str] = field(default_factory=list)   # e.g. the seed's torch init differs from ours
    one_step: ParityReport | None = None  # at a mismatch: one step from the weights entering that step
    nonfinite_after: int | None = None    # at a mismatch: the step where both runs went non-finite

    @property
    def system(self) -> SeedSystem:
        return system_by_key(self.key)

    @property
    def fwd(self) -> float:
        return self.step0.max_rel(*FWD_KINDS)

    @property
    def grad(self) -> float:
        return self.step0.max_rel(*GRAD_KINDS)

    @property
    def diverged_alike(self) -> bool:
        """Both runs went non-finite at the same step, every step before it matching."""
        t = self.trajectory
        return (t.nonfinite_step is not None and t.first_failure is None and len(t.findings) == 1
                and (t.findings[0].diff.problem or "").endswith("in manual and torch"))

    @property
    def blew_up(self) -> bool:
        """A mismatch inside a blow-up: the step map agrees from identical weights at the first
        mismatching step, and both runs then go non-finite within BLOWUP_STEPS steps."""
        return (self.trajectory.judged_by == "tolerance" and self.trajectory.first_failure is not None
                and self.one_step is not None and self.one_step.passed and self.nonfinite_after is not None)

    @property
    def ok(self) -> bool:
        return (not self.problems and self.step0.passed
                and (self.trajectory.passed or self.diverged_alike or self.blew_up))

    @property
    def verdict(self) -> str:
        if not self.ok:
            return "FAIL"
        if self.diverged_alike:
            return f"diverges@{self.trajectory.nonfinite_step}"
        return f"diverges@{self.nonfinite_after}" if self.blew_up else "pass"

    @property
    def margin(self) -> float:
        """The smallest margin (allowance / error) of every judged comparison of the row: the one step at
        the initial weights and the trajectory (float32: every step's shadow check)."""
        return min(self.trajectory.margin, min((d.margin for d in self.step0.diffs), default=float("inf")))

    def traj_text(self) -> str:
        """float64: the largest error against torch; float32: the largest drift from the float64 run,
        NumPy-float32's [torch-float32's in brackets]."""
        t = self.trajectory
        if t.judged_by == "rounding":
            d = t.worst_drift()
            text = "-" if d is None else f"{d.manual:.1e} [{d.torch:.1e}]"
        else:
            text = f"{t.max_rel():.1e}" if t.diffs else "-"
        return text + f" ({t.steps_run}/{t.steps})"

    def explanation(self) -> str | None:
        """What the mismatch is, when there is one: where, and what one step from equal weights says."""
        t = self.trajectory
        if t.first_failure is None:
            return None
        k, f = t.first_failure, t.findings[0]
        if t.judged_by == "rounding":
            return (f"{f.diff.label} off by {f.diff.max_abs:.1e} > {f.diff.allowed:.1e} allowed by rounding: "
                    f"{f.note}")
        text = f"first mismatch at step {k}: {f.diff.label} rel {f.diff.rel:.1e} > {f.diff.rtol:.1e}"
        if self.one_step is not None:
            verb = "agrees" if self.one_step.passed else "DISAGREES"
            text += (f"; one forward/backward from the NumPy run's weights entering step {k} {verb} with "
                     f"torch (max rel {self.one_step.max_rel():.0e})")
            if self.one_step.passed:
                text += (", so the step itself matches: the runs separated through rounding differences "
                         "accumulated and amplified along the way")
        if self.nonfinite_after is not None:
            text += f"; both runs non-finite at step {self.nonfinite_after}"
        return text


@dataclass
class VariantResult:
    key: str
    index: int                           # position in the system's variants
    report: TrajectoryReport
    likely: list[str] = field(default_factory=list)   # the learner check's diagnoses, for a flagged variant

    @property
    def system(self) -> SeedSystem:
        return system_by_key(self.key)

    @property
    def variant(self) -> Variant:
        return self.system.variants[self.index]

    @property
    def flagged(self) -> bool:
        return self.report.first_failure is not None

    @property
    def ok(self) -> bool:
        return self.flagged == (self.variant.expect == "flag")

    def found(self) -> str:
        r = self.report
        if r.error is not None:
            return f"step_fn raised {r.error} at step {r.first_failure}"
        if self.flagged:
            k = r.first_failure
            bad = [d for d in r.diffs if not d.passed and d.step == k]
            good = [d.name for d in r.diffs if d.passed and d.kind == "param"]
            worst = max(bad, key=lambda d: d.rel)
            return (f"diverges from torch at step {k}: {', '.join(d.name for d in bad)} differ (worst "
                    f"{worst.name} rel {worst.rel:.1e} > {worst.rtol:.0e})"
                    + (f"; {', '.join(good)} still match" if good else ""))
        if r.nonfinite_step is not None:
            return f"no mismatch; both went non-finite at step {r.nonfinite_step} (the seed's settings diverge)"
        return f"matches torch over all {r.steps} steps (max rel {r.max_rel():.1e})"


# ---- running ----------------------------------------------------------------------------------------
def _reference(system: SeedSystem, net, dtype):
    """The torch trainer a system is compared with, starting from net's weights."""
    if system.torch_code:
        return seed_trainer(system.torch_code, torch_dtype(dtype), lr=system.lr)
    return TorchTrainer.mirroring(net, system.make_loss(), SGD(system.lr), dtype=dtype)


def _check_torch_init(system: SeedSystem) -> list[str]:
    """Our copy of the seed's torch-drawn weights must equal what the seed's code draws, bit for bit."""
    drawn = seed_initial_params(system.torch_code)
    ours = system.build(np.float32).get_params()
    return [f"initial {n}: manual.seeds constant differs from the seed's torch draw"
            for n in ours if not np.array_equal(ours[n], drawn[n])]


def _predict_manual(net):
    return lambda X: net.forward(X.astype(net.dtype)).astype(np.float64)


def _predict_torch(trainer):
    return lambda X: np.asarray(trainer.predict(X.astype(np.float64)), np.float64)


def run_system(system: SeedSystem, dtype, references: bool = True) -> SystemResult:
    """One row. A float32 row without `references` is only judged (NumPy run and shadow check): its torch and
    float64 runs come from reference_run's jobs, joined by add_reference_runs (task_torch is None till then)."""
    dtype = np.dtype(dtype)
    net, loss = system.build(dtype), system.make_loss()
    data = system.data.astype(dtype)
    problems = _check_torch_init(system) if system.torch_code else []
    step0 = compare_step(net, loss, *data.batch(0))
    step0.title = f"{system.key} {dtype}: one forward/backward at the initial weights"
    shadow = None
    if dtype == np.float32:   # judged step by step; drift measured against a float64 run from the same weights
        shadow = ShadowCheck(net, loss, SGD(system.lr), layer_of=net.param_layer)
    else:
        references = True       # a float64 row compares its two runs step by step: both run here
    ref = _reference(system, net, dtype) if references else None
    ref64 = float64_reference(system) if references and shadow is not None else None
    cand = ManualTrainer(net, loss, SGD(system.lr))
    with np.errstate(all="ignore"):
        traj = compare_trajectory(cand, ref, data.feed(), steps=system.steps, stride=STRIDE,
                                  rtol=tolerance_for(dtype).trajectory, reference64=ref64, shadow=shadow,
                                  layer_of=net.param_layer, title=f"{system.key} {dtype}: trajectory",
                                  rerun=rerun_command(system, dtype))
        result = SystemResult(system.key, dtype, step0, traj, system.task(_predict_manual(net)),
                              system.task(_predict_torch(ref)) if ref is not None else None, problems)
        if traj.first_failure is not None and shadow is None:
            result.one_step = one_step_at(system, dtype, traj.first_failure)
            result.nonfinite_after = _nonfinite_within(cand, ref, data, traj.first_failure + 1,
                                                       min(traj.first_failure + 1 + BLOWUP_STEPS, system.steps))
    return result


def reference_run(system: SeedSystem, dtype, which: str) -> tuple[Recording, dict | None]:
    """A float32 row's reference run over all its steps, recorded: "torch" (with the task figures of its
    final weights) or "float64" (the twin; no task)."""
    if which == "float64":
        return twin_run(system.key)
    data = system.data.astype(dtype)
    ref = _reference(system, system.build(dtype), dtype)
    rec = record_run(ref, data.feed(), steps=system.steps, stride=STRIDE)
    with np.errstate(all="ignore"):
        return rec, system.task(_predict_torch(ref))


def add_reference_runs(result: SystemResult, torch_run: tuple[Recording, dict], float64_run: Recording) -> None:
    """Join a judged float32 row (run_system(references=False)) with its recorded reference runs: torch's
    losses, the drift, and torch's task figures, from its weights after as many steps as the row has torch
    take. A recording that stopped (non-finite) before the judged run did is not enough: that reference
    runs again here. Torch's task figures are the recording's when torch took every step, else retrained."""
    system, dtype = result.system, result.dtype
    feed = _feed_when_read(system, dtype)
    judged = len(result.trajectory.losses["manual"])
    (torch_rec, task), ref64 = torch_run, Replay(float64_run)
    ref = Replay(torch_rec) if len(torch_rec.losses) >= judged else _reference(system, system.build(dtype), dtype)
    add_references(result.trajectory, ref, ref64 if len(float64_run.losses) >= judged else float64_reference(system),
                   feed)
    if isinstance(ref, Replay) and ref.taken < system.steps:
        taken, ref = ref.taken, _reference(system, system.build(dtype), dtype)
        with np.errstate(all="ignore"):
            for k in range(taken):
                ref.step(*feed(k))
    with np.errstate(all="ignore"):
        result.task_torch = task if isinstance(ref, Replay) else system.task(_predict_torch(ref))


def _feed_when_read(system: SeedSystem, dtype):
    """system.data.astype(dtype)'s batches, the data made on the first read only: a join that only replays
    recordings reads none."""
    made = []

    def feed(k: int):
        if not made:
            made.append(system.data.astype(dtype).feed())
        return batch_of(made[0], k)
    return feed


def one_step_at(system: SeedSystem, dtype, k: int) -> ParityReport:
    """compare_step from the weights the NumPy run has entering step k, on batch k: does the step itself
    match (then a trajectory mismatch at k is accumulated rounding), or not (a bug in the step)?"""
    net, loss = system.build(dtype), system.make_loss()
    data = system.data.astype(dtype)
    trainer = ManualTrainer(net, loss, SGD(system.lr))
    for j in range(k):
        trainer.step(*data.batch(j))
    report = compare_step(net, loss, *data.batch(k))
    report.title = f"{system.key} {dtype}: one forward/backward from the weights entering step {k}"
    return report


def _nonfinite_within(cand, ref, data, start: int, stop: int) -> int | None:
    """Keep stepping both trainers; the step at which both have gone non-finite, if that happens."""
    done = {}
    for j in range(start, stop):
        X, y = data.batch(j)
        for name, tr in (("manual", cand), ("torch", ref)):
            if name not in done:
                value = tr.step(X, y)
                if not (np.isfinite(value) and all(np.isfinite(v).all() for v in tr.params().values())):
                    done[name] = j
        if len(done) == 2:
            return max(done.values())
    return None


def run_variant(system: SeedSystem, index: int) -> VariantResult:
    """The system's variant `index`: its step_fn against the torch mirror, float64, full step count."""
    variant = system.variants[index]
    on = variant.system or system
    net, loss = on.build(np.float64), on.make_loss()
    ref = TorchTrainer.mirroring(net, loss, SGD(on.lr))
    with np.errstate(all="ignore"):
        report = compare_trajectory(StepFnTrainer(variant.step_fn, net, on.lr), ref, on.data.feed(),
                                    steps=on.steps, rtol=tolerance_for(np.float64).trajectory, stride=STRIDE,
                                    layer_of=net.param_layer, title=f"{system.key} / {variant.name}")
    result = VariantResult(system.key, index, report)
    if result.flagged:
        result.likely = diagnose_variant(on, variant)
    return result


def diagnose_variant(on: SeedSystem, variant: Variant) -> list[str]:
    """What the learner check (comparisons.check_step_fn, its own probes) names in the variant's code: one
    line per diagnosis of the first failing check, with the parameters it covers."""
    from ..learner.api import check_step_fn

    report = check_step_fn(variant.step_fn, sizes=list(on.sizes), activations=list(on.activations),
                           output=on.output, loss=on.loss, lr=on.lr, name=variant.name, inplace=variant.inplace)
    first = [f for f in report.findings if f.check == report.findings[0].check] if report.findings else []
    groups: dict = {}
    for f in first:
        summary = " ".join(line.strip() for line in f.diagnosis.summary.splitlines()) if f.diagnosis else "no diagnosis"
        groups.setdefault((f.label, summary), []).append(f.parameter or "")
    return [f"[{label}] {summary}" + (f" ({', '.join(p for p in params if p)})" if any(params) else "")
            for (label, summary), params in groups.items()]


def rerun_command(system: SeedSystem, dtype) -> str:
    return f"python -m comparisons seeds --seed {system.key} --dtype {np.dtype(dtype).name}"


# ---- scheduling: rows and variants are independent, so they run in parallel processes --------------
# In worker processes a float32 row is three jobs: "judge" (the NumPy run and its shadow check), "torch" and
# "float64" (its reference runs, recorded), joined by add_reference_runs; all three run at once.
PARTS = ("judge", "torch", "float64")
PART_COST = {"judge": 0.7, "torch": 0.5, "float64": 0.3}     # of a float64 row of the same system


def _job(job):
    kind, key, arg = job
    torch.set_num_threads(1)     # tiny networks: one thread is faster and runs the same on every machine
    system = system_by_key(key)
    with fewer_collections():
        if kind == "system":
            return run_system(system, arg)
        if kind == "judge":
            return run_system(system, arg, references=False)
        if kind in ("torch", "float64"):
            return reference_run(system, arg, kind)
        return run_variant(system, arg)


def _parts(job) -> list:
    """The jobs a job runs as in worker processes: a float32 row's three parts, else itself."""
    kind, key, arg = job
    return [(part, key, arg) for part in PARTS] if kind == "system" and np.dtype(arg) == np.float32 else [job]


def _cost(job) -> float:
    """Rough relative run time, to start the longest jobs first."""
    kind, key, arg = job
    s = system_by_key(key)
    if kind == "variant":
        v = s.variants[arg]
        s, scale = (v.system or s), (1.0 if v.expect == "pass" else 0.01)
    else:
        scale = PART_COST.get(kind, 1.5 if np.dtype(arg) == np.float32 else 1.0)
    return scale * s.steps * (1 + sum(a * b for a, b in zip(s.sizes, s.sizes[1:])) / 1000)


def _run_lane(parts: list) -> list:
    return [_job(part) for part in parts]


class Jobs:
    """Jobs started in n_jobs forked worker processes (longest first; a float32 row as its three parts; seed
    000's parts as one lane): `results()` waits for them, in order of jobs; `cancel()` stops the workers. Serial
    (run by results()) where fork is unavailable, or for one job of one part or one worker unless `background`
    (then one worker runs them while the caller goes on). A float32 row's float64 part already started in
    `twins` (seed_twins.py, before torch was imported) is taken from there."""

    def __init__(self, jobs: list, n_jobs: int, background: bool = False, twins: Twins | None = None):
        self.jobs, self.pool, self.futures, self.twins = jobs, None, {}, twins
        parts = [(i, part) for i, job in enumerate(jobs) for part in _parts(job)]
        if (n_jobs <= 1 and not background) or len(parts) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
            return
        started = twins.futures if twins is not None else {}
        for i, part in parts:
            if part[0] == "float64" and part[1] in started:
                self.futures.setdefault(i, []).append(("float64", started[part[1]], None))
        parts = [(i, part) for i, part in parts if not (part[0] == "float64" and part[1] in started)]
        lane = [(i, part) for i, part in parts if in_lane(part[1])]
        units = [[ip] for ip in parts if not in_lane(ip[1][1])] + ([lane] if lane else [])
        for key in {part[1] for _, part in parts if not in_lane(part[1])}:
            system_by_key(key).data     # built once, before forking, so the workers share it (the lane's: there)
        self.pool = fork_pool(max(1, min(n_jobs, len(units))))
        for unit in sorted(units, key=lambda u: -sum(_cost(part) for _, part in u)):
            future = self.pool.submit(_run_lane, [part for _, part in unit])
            for k, (i, part) in enumerate(unit):
                self.futures.setdefault(i, []).append((part[0], future, k))

    def results(self) -> list:
        if self.pool is None:
            self._close_twins(cancel=True)      # (none are started for a serial run; should some be, unused)
            return [_job(j) for j in self.jobs]
        try:
            out, left = [None] * len(self.jobs), set(range(len(self.jobs)))
            while left:     # each job joined as soon as its parts are done (a float32 row's join takes a while)
                ready = [i for i in left if all(future.done() for _, future, _ in self.futures[i])]
                if not ready:
                    wait({f for i in left for _, f, _ in self.futures[i] if not f.done()}, return_when=FIRST_COMPLETED)
                for i in ready:
                    out[i] = self._joined(i)
                    left.discard(i)
            return out
        except BaseException:
            self._close_twins(cancel=True)      # (Ctrl-C, a dead worker): not waited for
            raise
        finally:
            self.pool.shutdown()
            self._close_twins()

    def _joined(self, i: int):
        """Job i's result: its one part's, or a float32 row's judged result joined with its reference runs."""
        done = {kind: future.result() if k is None else future.result()[k] for kind, future, k in self.futures[i]}
        if "judge" not in done:
            return next(iter(done.values()))
        add_reference_runs(done["judge"], done["torch"], done["float64"][0])
        return done["judge"]

    def cancel(self) -> None:
        """Terminate the workers, and the twins' worker if there is one."""
        if self.pool is not None:
            stop_pool(self.pool)
        self._close_twins(cancel=True)

    def _close_twins(self, cancel: bool = False) -> None:
        if self.twins is not None:
            self.twins.close(cancel)


def run_jobs(jobs: list, n_jobs: int, twins: Twins | None = None) -> list:
    """Run every job, in order of results; in n_jobs forked worker processes when that is possible (a float32 row's
    float64 twin from `twins` when started there)."""
    return Jobs(jobs, n_jobs, twins=twins).results()
