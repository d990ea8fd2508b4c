"""The float32 judge: rounding bounds that are bounds, and a per-step shadow check that passes correct
code and fails a 1% gradient error on every seed system."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import batches, nets

import manual
from comparisons.compare import compare_arrays
from comparisons.parity.rounding import allowance, step_bounds
from comparisons.parity.seed_runs import run_system
from manual.seeds import SYSTEMS, system_by_key
from torch_ref import mirror, mirror_loss, target_tensor, to_tensor
from torch_ref.weights import to_manual_layout

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def exact_and_float32(net32, loss, X, y):
    """loss and gradients of one step: manual in float32, torch in float32, and float64 from the same weights.
    `loss`: a manual loss or its name; y: float targets, or class indices (an integer array)."""
    loss = manual.make_loss(loss) if isinstance(loss, str) else loss
    out = {}
    for name, dt in (("np32", np.float32), ("np64", np.float64)):
        net = _copy(net32, dt)
        value = loss.forward(net.forward(X.astype(dt)), y if y.dtype.kind in "iu" else y.astype(dt))
        net.backward(loss.backward())
        out[name] = (float(value), {k: g.astype(np.float64) for k, g in net.grads.items()})
    model = mirror(net32)
    v = mirror_loss(loss)(model(to_tensor(X)), target_tensor(y))
    v.backward()
    out["torch32"] = (v.item(), {n: to_manual_layout(n, p.grad.numpy()).astype(np.float64)
                                 for n, p in model.named_parameters()})
    return loss, out


def _copy(net32, dtype):
    layers = [type(layer)(layer.fan_in, layer.fan_out, dtype=dtype) if isinstance(layer, manual.Linear)
              else manual.make_activation(layer.chosen)
              for layer in net32.layers]
    net = manual.Sequential(*layers)
    net.set_params({k: v.astype(dtype) for k, v in net32.get_params().items()})
    return net


@given(st.data())
def test_each_float32_program_lies_within_the_bound_of_exact(data):
    """The bound is one-sided: NumPy-float32 and torch-float32 each within it of the float64 result, every
    element of the loss and of every gradient (ReLU kinks, saturated sigmoids and BCE included)."""
    net = data.draw(nets(dtype=np.float32))
    X, y = data.draw(batches(net))
    loss_name = data.draw(st.sampled_from(["mse", "sum", "half_sum"] + (
        ["bce", "bce_sum"] if type(net.layers[-1]) is manual.Sigmoid else [])))
    assert_within_bounds(net, loss_name, X, y)


@given(st.data())
def test_the_bound_holds_for_every_loss_family(data):
    """Classification losses on logits (class indices or probabilities) and the robust regression losses."""
    net = data.draw(nets(activations=("relu", "leaky_relu", "sigmoid", "tanh", "identity"), dtype=np.float32))
    X, y = data.draw(batches(net))
    k, n = net.sizes[-1], X.shape[0]
    family = data.draw(st.sampled_from(["index", "prob", "binary", "regression"]))
    if family == "index":
        y = np.random.RandomState(n).randint(0, k, size=n)
        loss = data.draw(st.sampled_from([manual.CrossEntropyLoss(), manual.CrossEntropyLoss(reduction="sum"),
                                          manual.CrossEntropyLoss(label_smoothing=0.1),
                                          manual.CrossEntropyLoss(weight=np.linspace(0.5, 2.0, k)), manual.NLLLoss()]))
    elif family == "prob":
        y = (y + 0.01) / (y + 0.01).sum(axis=1, keepdims=True)
        loss = data.draw(st.sampled_from([manual.CrossEntropyLoss(), manual.CrossEntropyLoss(label_smoothing=0.2)]))
    elif family == "binary":
        y = (y > 0.5).astype(y.dtype)
        loss = data.draw(st.sampled_from([manual.BCEWithLogitsLoss(), manual.BCEWithLogitsLoss(
            "sum", pos_weight=np.linspace(0.5, 3.0, k))]))
    else:
        loss = data.draw(st.sampled_from([manual.L1Loss(), manual.SmoothL1Loss(beta=0.5), manual.HuberLoss("sum"),
                                          manual.MSELoss("half_sum_mean"), manual.MSELoss("half_mean")]))
    assert_within_bounds(net, loss, X, y)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_the_bound_holds_and_is_never_negative_for_any_leaky_relu_slope(data):
    """torch allows any negative_slope: a negative slope (or one above 1) multiplies by s, so the bound takes
    magnitudes (|s|, |1 - s|); once, s < 0 made bounds negative and failed correct float32 programs."""
    slope = data.draw(st.sampled_from([-1.5, -0.3, 0.2, 1.5]))
    net = data.draw(nets(activations=(f"leaky_relu:{slope}",), dtype=np.float32))
    X, y = data.draw(batches(net))
    bounds = step_bounds(net, net.get_params(), manual.make_loss("mse"), X, y)
    assert bounds.loss >= 0 and all((b >= 0).all() for b in bounds.grads.values())
    assert_within_bounds(net, "mse", X, y)


def assert_within_bounds(net, loss, X, y):
    loss, out = exact_and_float32(net, loss, X, y)
    bounds = step_bounds(net, net.get_params(), loss, X, y)
    exact_value, exact_grads = out["np64"]
    for side in ("np32", "torch32"):
        value, grads = out[side]
        assert abs(value - exact_value) <= bounds.loss * 1.0001 + 1e-30, (side, "loss")
        for name, g in grads.items():
            excess = np.abs(g - exact_grads[name]) - bounds.grads[name]
            assert (excess <= 1e-30).all(), (side, name, excess.max())


def test_bounds_follow_the_cancellation_in_the_residual():
    """A fitted one-sample MSE: prediction 3.3 from terms of ~50, target within 1e-6 of it. The allowed
    error of the loss is set by the residual's rounding, not by the (tiny) loss itself."""
    net = manual.build_mlp([1, 2, 1], "relu", dtype=np.float32)
    net.set_params({"0.weight": np.array([[25.0, -25.0]], np.float32), "0.bias": np.array([1.0, 1.0], np.float32),
                    "2.weight": np.array([[1.0], [-1.0]], np.float32), "2.bias": np.array([3.3], np.float32)})
    X = np.array([[1.0]], np.float32)
    y = net.forward(X).astype(np.float32) + np.float32(1e-6)
    bounds = step_bounds(net, net.get_params(), manual.make_loss("mse"), X, y)
    value = float(((net.forward(X) - y) ** 2).mean())
    assert bounds.loss > 0.1 * value


def injected(patch):
    """A system's float32 row with `patch` applied to the NumPy net (never to torch's)."""
    def run(key):
        system = system_by_key(key)
        build = system.build
        system.build = lambda dtype: patch(build(dtype))
        try:
            return run_system(system, np.float32)
        finally:
            system.build = build
    return run


def scale_weight_grad(position, factor=1.01):
    def patch(net):
        layer = [lay for lay in net.layers if isinstance(lay, manual.Linear)][position]
        backward = layer.backward

        def scaled(dy, *args, **kwargs):
            dx = backward(dy, *args, **kwargs)
            layer.grads["weight"] = layer.grads["weight"] * layer.grads["weight"].dtype.type(factor)
            return dx
        layer.backward = scaled
        return net
    return patch


def leaky_slope_in_backward(slope):
    """backward as written with another slope: where the layer scaled dy by its slope, scale by `slope`."""
    def patch(net):
        for layer in net.layers:
            if isinstance(layer, manual.LeakyReLU):
                def wrong(dy, *args, backward=layer.backward, **kwargs):
                    dx = backward(dy, *args, **kwargs)
                    return np.where(dx != dy, dy * dy.dtype.type(slope), dx)
                layer.backward = wrong
        return net
    return patch


@pytest.mark.parametrize("position", [0, -1], ids=["first layer", "last layer"])
@pytest.mark.parametrize("key", [s.key for s in SYSTEMS])
def test_a_gradient_1_percent_off_in_one_layer_fails_on_every_seed_system(key, position):
    r = injected(scale_weight_grad(position))(key)
    finding = r.trajectory.findings[0]
    assert not r.ok and r.verdict == "FAIL" and r.trajectory.first_failure is not None
    linear = [i for i, lay in enumerate(system_by_key(key).build(np.float32).layers)
              if isinstance(lay, manual.Linear)][position]
    assert finding.diff.kind == "grad" and finding.diff.name == f"{linear}.weight", str(r.trajectory)
    assert "a gradient does not: the backward pass" in finding.note
    assert "yours / torch = 1.0100" in finding.note


def test_a_leaky_relu_slope_of_0011_in_backward_only_fails():
    r = injected(leaky_slope_in_backward(0.011))("leaky_relu_random")
    assert not r.ok and r.trajectory.first_failure == 0
    assert r.trajectory.findings[0].diff.kind == "grad"
    assert "step 0, taken by torch from the NumPy run's own weights entering it, disagrees" in r.explanation()


def test_allowance_mode_says_how_far_past_the_bound_and_the_margin():
    d = compare_arrays(np.array([1.0, 2.0 + 3e-6]), np.array([1.0, 2.0]), name="0.bias", kind="grad",
                       rtol=np.inf, allowance=allowance(np.array([1e-7, 1e-6])))
    assert not d.passed and d.bad == 1 and d.worst_index == (1,) and d.margin == pytest.approx(2 / 3, rel=1e-6)
    assert "> allowed 2.00e-06 (rounding bound; margin 0.667)" in d.details()
    ok = compare_arrays(np.zeros(3), np.zeros(3), name="x", kind="grad", rtol=np.inf, allowance=allowance(0.0))
    assert ok.passed and ok.margin == float("inf")


def classifier_run(loss, steps=200, scale_backward=1.0, opt=None):
    """A 4-16-3 tanh softmax classifier in float32, judged step by step by the shadow check."""
    from comparisons.parity.shadow import ShadowCheck
    from comparisons.parity.trainers import ManualTrainer, TorchTrainer
    from comparisons.parity.trajectory import compare_trajectory

    rng = np.random.RandomState(0)
    X = rng.randn(32, 4).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1).astype(int)
    net = manual.init_torch_default(manual.build_mlp([4, 16, 3], "tanh", dtype=np.float32), 0)
    opt = opt or manual.SGD(0.5)
    shadow = ShadowCheck(net, loss, opt, layer_of=net.param_layer)
    torch_side = TorchTrainer.mirroring(net, loss, opt)
    backward = loss.backward
    loss.backward = lambda *a: backward(*a) * np.float32(scale_backward)
    return compare_trajectory(ManualTrainer(net, loss, opt), torch_side, (X, y), steps=steps, rtol=np.inf,
                              shadow=shadow, layer_of=net.param_layer)


def test_a_float32_softmax_classifier_passes_every_step_and_a_1_percent_error_fails():
    report = classifier_run(manual.CrossEntropyLoss(label_smoothing=0.05))
    assert report.passed and report.margin >= 2, str(report)
    bad = classifier_run(manual.CrossEntropyLoss(label_smoothing=0.05), steps=5, scale_backward=1.01)
    assert bad.first_failure == 0 and bad.findings[0].diff.kind == "grad"


OPTIMIZERS = {
    "SGD momentum": lambda: manual.SGD(0.1, momentum=0.9),
    "SGD nesterov weight decay": lambda: manual.SGD(0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "Adam": lambda: manual.Adam(1e-2), "Adam amsgrad": lambda: manual.Adam(1e-2, amsgrad=True),
    "AdamW": lambda: manual.AdamW(1e-2), "RMSprop centered momentum": lambda: manual.RMSprop(1e-2, momentum=0.5, centered=True),
    "Adagrad": lambda: manual.Adagrad(0.1),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_stateful_optimizers_pass_every_step_in_float32(name):
    """The torch step is taken from the NumPy run's weights and optimizer state; update and buffers are
    allowed what the gradient's allowance moves them by (evaluated) plus their own rounding."""
    report = classifier_run(manual.CrossEntropyLoss(), steps=100, opt=OPTIMIZERS[name]())
    assert report.passed and report.margin >= 2, str(report)
    assert {d.kind for d in report.diffs} >= {"loss", "grad", "param", "state"}


def _after_update(opt, change):
    update = opt.update

    def changed(p, grad, state):
        update(p, grad, state)
        change(state)
    opt.update = changed
    return opt


@pytest.mark.parametrize("opt, key", [
    (lambda: _after_update(manual.SGD(0.1, momentum=0.9), lambda s: s.pop("momentum_buffer")), "momentum_buffer"),
    (lambda: _after_update(manual.Adam(1e-2), lambda s: s.update(step=0.0)), "step"),
    (lambda: _after_update(manual.Adam(1e-2), lambda s: s["exp_avg"].__imul__(1.01)), "exp_avg"),
], ids=["buffer dropped", "step count stuck", "moment 1% off"])
def test_a_wrong_optimizer_state_fails_at_the_step_that_writes_it(opt, key):
    report = classifier_run(manual.CrossEntropyLoss(), steps=5, opt=opt())
    finding = report.findings[0]
    assert report.first_failure == 0 and finding.diff.kind == "state" and finding.diff.name.endswith(f"[{key}]")
    assert "the optimizer's state" in finding.note
