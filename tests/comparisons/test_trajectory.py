"""compare_trajectory: step-by-step training parity, first failing step, divergence."""
import numpy as np
import pytest

import manual
from comparisons.parity.trainers import ManualTrainer, StepFnTrainer, TorchTrainer
from comparisons.parity.shadow import ShadowCheck
from comparisons.parity.trajectory import compare_trajectory


def sine(dtype=np.float64, lr=0.05):
    net = manual.init_torch_default(manual.build_mlp([1, 4, 4, 1], "tanh", dtype=dtype), 3)
    x = np.linspace(-3, 3, 16, dtype=dtype).reshape(-1, 1)
    return net, manual.make_loss("mse"), manual.SGD(lr), (x, np.sin(x))


def run(trainer_for, dtype=np.float64, steps=200, **kw):
    net, loss, opt, data = sine(dtype, kw.pop("lr", 0.05))
    ref = TorchTrainer.mirroring(net, loss, opt)
    extra = {}
    if dtype == np.float32:
        extra = dict(reference64=TorchTrainer.mirroring(net, loss, opt, np.float64),
                     shadow=ShadowCheck(net, loss, opt, layer_of=net.param_layer))
    rtol = 1e-8 if dtype == np.float64 else 1e-2
    return compare_trajectory(trainer_for(net, loss, opt), ref, data, steps=steps, rtol=rtol,
                              layer_of=net.param_layer, **extra, **kw)


def test_float64_trajectory_matches_to_machine_precision():
    report = run(ManualTrainer)
    assert report.passed, str(report)
    assert report.steps_run == 200 and report.max_rel() < 1e-12


def test_float32_trajectory_passes_every_step_within_rounding():
    report = run(ManualTrainer, np.float32, steps=300)
    assert report.passed and report.judged_by == "rounding" and report.margin >= 2, str(report)
    assert {d.kind for d in report.diffs} == {"loss", "grad", "param"}
    drift = report.worst_drift()
    assert 0 < drift.manual < 1e-4 and 0 < drift.torch < 1e-4   # both float32 runs stay near float64


def test_float32_bug_in_the_update_is_named_as_the_optimizer_step():
    class DoubleStep(ManualTrainer):
        def step(self, X, y):
            value = super().step(X, y)
            self.opt.step(self.net)        # the update applied twice
            return value

    report = run(DoubleStep, np.float32, steps=20)
    finding = report.findings[0]
    assert report.first_failure == 0 and finding.diff.kind == "param" and "the optimizer step" in finding.note
    assert "rounding bound" in str(report)


def test_a_tiny_late_loss_is_measured_against_the_run_s_loss_scale():
    """A loss that falls from 1 to 1e-12 and is off by 1e-13 there is off by 1e-13 of the run's loss,
    not by 10% of its own value: not a mismatch at rtol 1e-8."""
    class Fake:
        def __init__(self, offset):
            self.k, self.offset = 0, offset

        def step(self, X, y):
            self.k += 1
            return 10.0 ** -(12 * (self.k - 1) / 9) + (self.offset if self.k == 10 else 0.0)

        def params(self):
            return {"0.weight": np.ones((1, 1))}

    assert compare_trajectory(Fake(1e-13), Fake(0.0), (None, None), steps=10, rtol=1e-8).passed
    assert not compare_trajectory(Fake(1e-7), Fake(0.0), (None, None), steps=10, rtol=1e-8).passed


def test_stride_compares_parameters_less_often_but_always_the_last_step():
    report = run(ManualTrainer, steps=10, stride=4)
    assert report.passed and {d.step for d in report.diffs if d.kind == "param"} <= {0, 4, 8, 9}


class Accumulating(ManualTrainer):
    """Forgets to reset gradients: uses the running sum of all gradients so far."""

    def step(self, X, y):
        value = self.loss.forward(self.net.forward(X), y)
        self.net.backward(self.loss.backward())
        self.total = {k: g + getattr(self, "total", {}).get(k, 0) for k, g in self.net.grads.items()}
        for name, p in self.net.params.items():
            p -= self.opt.lr * self.total[name]
        return float(value)


def test_a_bug_from_step_1_is_located_at_step_1_with_forward_clean():
    report = run(Accumulating)
    assert not report.passed and report.first_failure == 1
    finding = report.findings[0]
    assert finding.step == 1 and finding.diff.kind == "param"
    assert "steps 0..0 matched" in finding.note and "forward pass agrees" in finding.note
    assert finding.layer.startswith("layer ")


def test_step_fn_trainer_runs_learner_shaped_code():
    def step_fn(params, X, y, lr):
        net = manual.build_mlp([1, 4, 4, 1], "tanh")
        net.set_linear_params(params)
        loss = manual.make_loss("mse")
        loss.forward(net.forward(X), y)
        net.backward(loss.backward())
        return [(W - lr * net.grads[f"{i}.weight"], b - lr * net.grads[f"{i}.bias"])
                for i, (W, b) in zip((0, 2, 4), params)]

    report = run(lambda net, loss, opt: StepFnTrainer(step_fn, net, opt.lr), steps=50)
    assert report.passed, str(report)
    assert all(d.kind == "param" for d in report.diffs)  # a step_fn reports no loss of its own


def test_divergence_in_both_is_reported_with_its_first_step_never_as_a_pass():
    report = run(ManualTrainer, lr=1e5, steps=500)
    assert not report.passed and report.nonfinite_step is not None
    assert report.steps_run == report.nonfinite_step + 1
    assert "diverges in both" in report.findings[0].note
    assert f"at step {report.nonfinite_step}" in str(report)


def test_one_sided_divergence_is_a_real_mismatch():
    class Exploding(ManualTrainer):
        def step(self, X, y):
            value = super().step(X, y)
            if len(self.__dict__.setdefault("seen", [])) == 3:
                self.net.params["0.weight"][0, 0] = np.inf
            self.seen.append(value)
            return value

    report = run(Exploding)
    assert report.nonfinite_step == 3 and "only manual went non-finite" in report.findings[0].note


@pytest.mark.parametrize("steps,stride", [(0, 1), (5, 0)])
def test_bad_step_counts_are_refused(steps, stride):
    with pytest.raises(ValueError, match="steps and stride"):
        run(ManualTrainer, steps=steps, stride=stride)


def by_hand_and_opt_step(opt: manual.Optimizer, dtype, steps=50, scheduled=False):
    """Parameters and losses of TorchTrainer stepping by hand and through opt.step(), from the same weights."""
    import torch

    net, loss, _, (x, y) = sine(dtype)
    x, y = x.astype(dtype), y.astype(dtype)
    runs = []
    for by_hand in (True, False):
        trainer = TorchTrainer.mirroring(net, loss, opt, by_hand=by_hand)
        sched = torch.optim.lr_scheduler.StepLR(trainer.opt, 7, gamma=0.5) if scheduled else None
        losses = []
        for _ in range(steps):
            losses.append(trainer.step(x, y))
            if sched:
                sched.step()
        runs.append((trainer.by_hand, losses, trainer.params()))
    return runs


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scheduled", [False, True])
def test_plain_sgd_by_hand_is_bit_identical_to_torch_optim_sgd(dtype, scheduled):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")            # no "lr_scheduler.step() before optimizer.step()" warning
        (hand, losses_h, params_h), (step, losses_s, params_s) = by_hand_and_opt_step(manual.SGD(0.05), dtype,
                                                                                      scheduled=scheduled)
    assert hand and not step
    assert losses_h == losses_s
    assert all(params_h[n].tobytes() == params_s[n].tobytes() for n in params_s)


@pytest.mark.parametrize("opt", [manual.SGD(0.05, momentum=0.9), manual.SGD(0.05, weight_decay=0.01),
                                 manual.SGD(0.05, maximize=True), manual.Adam(0.01)], ids=repr)
def test_only_plain_sgd_is_stepped_by_hand(opt):
    (hand, losses_h, params_h), (_, losses_s, params_s) = by_hand_and_opt_step(opt, np.float64, steps=5)
    assert not hand
    assert losses_h == losses_s and all(np.array_equal(params_h[n], params_s[n]) for n in params_s)


def test_references_recorded_elsewhere_and_replayed_give_the_same_report():
    """The seeds job's split: judge without references, record torch and float64 apart, join by add_references."""
    from comparisons.parity.trajectory import Replay, add_references, record_run

    reports = []
    for split in (False, True):
        net, loss, opt, data = sine(np.float32)
        fresh = sine(np.float32)[0]          # the same initial weights, for the runs recorded apart
        ref, ref64 = (TorchTrainer.mirroring(n, loss, opt, dt) for n, dt in ((fresh if split else net, None),
                                                                             (fresh if split else net, np.float64)))
        shadow = ShadowCheck(net, loss, opt, layer_of=net.param_layer)
        report = compare_trajectory(ManualTrainer(net, loss, opt), None if split else ref, data, steps=120, rtol=1e-2,
                                    stride=7, reference64=None if split else ref64, shadow=shadow)
        if split:
            assert report.pending is not None and report.losses["torch"] == [] and not report.drift
            add_references(report, Replay(record_run(ref, data, steps=120, stride=7)),
                           Replay(record_run(ref64, data, steps=120, stride=7)), data)
        assert report.pending is None
        reports.append(report)
    serial, split = reports
    assert repr(serial.losses) == repr(split.losses) and len(split.losses["torch"]) == 120
    assert serial.drift == split.drift and serial.drift and serial.margin == split.margin


def test_a_recording_stops_at_the_first_non_finite_loss():
    from comparisons.parity.trajectory import record_run

    net, loss, opt, data = sine(np.float64, lr=1e3)       # blows up within a few steps
    rec = record_run(TorchTrainer.mirroring(net, loss, opt), data, steps=200, stride=10)
    assert 1 < len(rec.losses) < 200 and not np.isfinite(rec.losses[-1]) and np.isfinite(rec.losses[:-1]).all()
    assert sorted(rec.params) == list(range(0, len(rec.losses), 10))


def test_torch_parameters_are_copies_for_a_one_wide_layer_too():
    """A (4, 1) weight's transpose is contiguous: params() must still copy it, or a recording changes later."""
    net, loss, opt, data = sine()                   # 1-4-4-1: 0.weight is (1, 4), 4.weight (4, 1) in manual
    trainer = TorchTrainer.mirroring(net, loss, opt)
    before = trainer.params()
    kept = {k: v.copy() for k, v in before.items()}
    trainer.step(*data)
    assert all(np.array_equal(before[k], kept[k]) for k in kept) and before["0.weight"].shape == (1, 4)


@pytest.mark.parametrize("drift_at", [None, 40])
def test_quietly_passing_parameters_leave_the_report_as_the_full_comparison_makes_it(monkeypatch, drift_at):
    """Parameters that pass and are no worse than their kept diff skip compare_arrays (_param_quietly_passes):
    the kept diffs, the first failure and its finding are what comparing every parameter in full gives."""
    import comparisons.parity.trajectory as trajectory

    class DriftsLater(ManualTrainer):
        def step(self, X, y):
            value = super().step(X, y)
            if drift_at is not None and len(self.seen) >= drift_at:
                self.net.params["2.bias"] += 1e-6      # a small error in one parameter from step drift_at on
            self.seen.append(value)
            return value

    def trainer(net, loss, opt):
        t = DriftsLater(net, loss, opt)
        t.seen = []
        return t

    reports, calls, compare = [], [], trajectory.compare_arrays
    monkeypatch.setattr(trajectory, "compare_arrays", lambda *a, **kw: calls.append(1) or compare(*a, **kw))
    for quiet in (True, False):
        if not quiet:
            monkeypatch.setattr(trajectory, "_param_quietly_passes", lambda *a: False)
        reports.append((run(trainer, steps=120, stride=7), len(calls)))
    (fast, fast_calls), (full, all_calls) = reports
    assert fast_calls < all_calls - fast_calls       # some parameter comparisons were skipped
    assert [(d.kind, d.name, d.step, d.rel) for d in fast.diffs] == [(d.kind, d.name, d.step, d.rel) for d in full.diffs]
    assert (fast.first_failure, fast.passed, str(fast)) == (full.first_failure, full.passed, str(full))
    assert fast.passed == (drift_at is None)
