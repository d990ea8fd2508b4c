"""The shadow check in stacks: the bounds of K steps at once equal K single ones, and a run judged in stacks
stops at the same step, with the same losses, parameters and findings, as one judged step by step."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import batches, nets

import manual
from comparisons.parity.rounding import step_bounds, step_bounds_stacked
from comparisons.parity.shadow import ShadowCheck
from comparisons.parity.shadow_stack import BOUNDS_ELEMENTS, stack_size
from comparisons.parity.trainers import ManualTrainer
from comparisons.parity.trajectory import compare_trajectory

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_stacked_bounds_are_the_single_step_bounds(data):
    net = data.draw(nets(dtype=np.float32))
    loss = manual.make_loss(data.draw(st.sampled_from(["mse", "sum", "half_sum"] + (
        ["bce"] if type(net.layers[-1]) is manual.Sigmoid else []))))
    rows, k = data.draw(st.integers(1, 6)), data.draw(st.integers(1, 5))
    steps = [data.draw(batches(net, max_rows=rows).filter(lambda b: len(b[0]) == rows)) for _ in range(k)]
    rng = np.random.RandomState(0)
    params = [{n: (v + rng.randn(*v.shape) * 0.1).astype(np.float32) for n, v in net.params.items()} for _ in steps]
    stacked = step_bounds_stacked(net, {n: np.stack([p[n] for p in params]) for n in params[0]}, loss,
                                  np.stack([X for X, _ in steps]), np.stack([y for _, y in steps]))
    for p, (X, y), b in zip(params, steps, stacked):
        one = step_bounds(net, p, loss, X, y)
        np.testing.assert_allclose(b.loss, one.loss, rtol=1e-14)
        for name, bound in one.grads.items():
            np.testing.assert_allclose(b.grads[name], bound, rtol=1e-14, atol=1e-300)


def test_stacks_take_at_most_32_steps_and_the_bounds_stacks_fit_in_cache():
    wide = manual.build_mlp([1, 10, 20, 30, 40, 1], "relu", dtype=np.float32)
    assert stack_size(wide, np.zeros((100, 1))) == 32 and stack_size(wide, np.zeros((100, 1)), BOUNDS_ELEMENTS) == 4
    assert stack_size(wide, np.zeros((2 ** 16, 1))) == 1
    assert stack_size(manual.build_mlp([1024, 1024, 1], "relu"), np.zeros((1, 1024))) == 3   # 1.05M weights
    assert stack_size(manual.build_mlp([2, 4, 1], "relu"), np.zeros((4, 2)), BOUNDS_ELEMENTS) == 32


def run(bug_from: int | None, stacked: bool, steps: int = 40):
    """A 3-8-8-2 tanh/relu net in float32 under plain SGD, its loss gradient 1% off from step `bug_from`,
    judged by the shadow check in stacks or one step at a time (no references: what they would read is kept)."""
    rng = np.random.RandomState(1)
    batches_ = [(rng.randn(6, 3).astype(np.float32), rng.randn(6, 2).astype(np.float32)) for _ in range(steps)]
    net = manual.init_torch_default(manual.build_mlp([3, 8, 8, 2], ["tanh", "relu"], dtype=np.float32), 3)
    loss, opt = manual.make_loss("mse"), manual.SGD(0.1)
    shadow = ShadowCheck(net, loss, opt, layer_of=net.param_layer)
    shadow.stacks = stacked
    backward, calls = loss.backward, [0]

    def maybe_wrong(*args):
        calls[0] += 1
        dy = backward(*args)
        return dy * np.float32(1.01) if bug_from is not None and calls[0] > bug_from else dy

    loss.backward = maybe_wrong
    report = compare_trajectory(ManualTrainer(net, loss, opt), None, lambda k: batches_[k], steps=steps,
                                rtol=np.inf, shadow=shadow, layer_of=net.param_layer)
    return report, net.get_params(), shadow


@pytest.mark.parametrize("bug_from", [None, 0, 7, 31])
def test_a_run_judged_in_stacks_stops_where_one_judged_step_by_step_does(bug_from):
    (a, params_a, shadow_a), (b, params_b, shadow_b) = run(bug_from, True), run(bug_from, False)
    assert shadow_a.stack_size(np.zeros((6, 3))) > 1 and shadow_b.stack_size(np.zeros((6, 3))) == 1
    assert a.first_failure == b.first_failure == bug_from
    assert a.steps_run == b.steps_run and a.losses == b.losses
    assert a.pending.drift_steps == b.pending.drift_steps and a.pending.params.keys() == b.pending.params.keys()
    assert all(np.array_equal(params_a[n], params_b[n]) for n in params_b)     # wound back to the failing step
    assert [s.step for s in shadow_a.history] == [s.step for s in shadow_b.history]
    assert [(d.kind, d.name) for d in a.diffs] == [(d.kind, d.name) for d in b.diffs]
    if bug_from is not None:
        assert a.findings[0].diff.kind == b.findings[0].diff.kind == "grad"
        assert a.findings[0].diff.name == b.findings[0].diff.name
