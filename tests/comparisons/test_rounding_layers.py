"""Rounding bounds through Conv2d, the pools, Flatten, Dropout, BatchNorm1d and LayerNorm: bounds that are
bounds (each float32 program within them of float64), and a shadow check that still catches a 1% error."""
import numpy as np
import pytest
from hypothesis import given
from layer_nets import layer_nets, one_step

import manual
from comparisons.parity.rounding import step_bounds
from comparisons.parity.rounding_layers import layer_bounds
from comparisons.parity.shadow import ShadowCheck
from comparisons.parity.trainers import ManualTrainer, TorchTrainer
from comparisons.parity.trajectory import compare_trajectory
from manual.conv import Conv2d
from manual.dropout import Dropout
from manual.flatten import Flatten
from manual.norm import BatchNorm1d
from manual.pool import MaxPool2d

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@given(layer_nets())
def test_each_float32_program_lies_within_the_bound_of_exact_through_every_layer(case):
    """NumPy-float32 and torch-float32 each within the bound of the float64 run: the loss, the prediction and
    every gradient, element by element (Conv2d, pools, BatchNorm1d in both modes, LayerNorm, Dropout)."""
    build, X, y, loss = case
    out = one_step(build, X, y, loss)
    net = build(np.float32)
    net.forward(X.astype(np.float32))
    bounds = step_bounds(net, net.get_params(), loss, X.astype(np.float32), y)
    value64, grads64, yhat64 = out["np64"]
    for side in ("np32", "torch32"):
        value, grads, yhat = out[side]
        assert abs(value - value64) <= bounds.loss, (side, "loss", net.describe())
        assert (np.abs(yhat - yhat64) <= bounds.output).all(), (side, "output", net.describe())
        for name, g in grads.items():
            excess = np.abs(g - grads64[name]) - bounds.grads[name]
            assert (excess <= 0).all(), (side, name, net.describe(), excess.max())


def _window_bound(x, e_x, g):
    step = layer_bounds(MaxPool2d(2), {}, x, e_x, 2.0**-24)
    return step.back(g, np.zeros_like(g))[1]


def test_max_pool_ties_are_exact_and_near_ties_may_route_the_gradient_elsewhere():
    """A tie is broken alike everywhere (first maximum), so with exact inputs no allowance is needed; a value
    within the inputs' bounds of the maximum may be the computed one: the whole dy is allowed on both."""
    x = np.array([[[[1.0, 1.0], [0.0, 1.0 - 1e-9]]]])
    g = np.array([[[[3.0]]]])
    assert not _window_bound(x, np.zeros_like(x), g).any()
    near = _window_bound(x, np.full(x.shape, 1e-8), g)
    assert near[0, 0, 0, 0] == near[0, 0, 0, 1] == near[0, 0, 1, 1] == pytest.approx(3.0) and near[0, 0, 1, 0] == 0


def test_a_dropout_bound_needs_the_step_s_mask():
    with pytest.raises(TypeError, match=r"no rounding rule for Dropout\(0.5\) before its first forward"):
        layer_bounds(Dropout(0.5), {}, np.ones((2, 3)), np.zeros((2, 3)), 2.0**-24)
    layer = Dropout(0.5)
    layer.mask = np.array([[True, False, True]])
    step = layer_bounds(layer, {}, np.ones((1, 3)), np.zeros((1, 3)), 2.0**-24)
    assert step.out.tolist() == [[2.0, 0.0, 2.0]] and step.e_out[0, 1] == 0


def test_a_layer_without_a_rule_is_named():
    class Odd:
        params: dict = {}

        def describe(self):
            return "Odd()"
    with pytest.raises(TypeError, match=r"no rounding rule for Odd\(\)"):
        layer_bounds(Odd(), {}, np.ones(2), np.zeros(2), 2.0**-24)


def _conv_net(norm: bool, dropout_seed: int | None = 0) -> manual.Sequential:
    """Conv2d -> ReLU -> MaxPool2d -> Flatten -> Linear [-> BatchNorm1d -> ReLU -> Dropout] -> Linear, float32."""
    f32 = np.float32
    head = ([manual.Linear(64, 16, dtype=f32), BatchNorm1d(16, dtype=f32), manual.ReLU(), Dropout(0.2, seed=dropout_seed),
             manual.Linear(16, 3, dtype=f32)] if norm else [manual.Linear(64, 3, dtype=f32)])
    layers = [Conv2d(1, 4, 3, padding=1, dtype=f32), manual.ReLU(), MaxPool2d(2), Flatten(), *head]
    return manual.init_torch_default(manual.Sequential(*layers), 0)


def _shadowed_run(norm: bool, steps: int, bug=None, dropout_seed: int | None = 0):
    """A float32 run on random 8x8 images, judged step by step; `bug(net)` patches the NumPy net only."""
    rng = np.random.RandomState(0)
    X, y = rng.randn(8, 1, 8, 8).astype(np.float32), rng.randint(0, 3, 8)
    net, loss = _conv_net(norm, dropout_seed), manual.CrossEntropyLoss()
    opt = manual.SGD(0.05, momentum=0.9)
    shadow = ShadowCheck(net, loss, opt, layer_of=net.param_layer)
    torch_side = TorchTrainer.mirroring(net, loss, opt)
    if bug:
        bug(net)
    return compare_trajectory(ManualTrainer(net, loss, opt), torch_side, (X, y), steps=steps, rtol=np.inf,
                              shadow=shadow, layer_of=net.param_layer)


def weight_grad_1_percent_off(i):
    def patch(net):
        layer = net.layers[i]
        backward = layer.backward

        def scaled(dy, *args, **kwargs):
            dx = backward(dy, *args, **kwargs)
            layer.grads["weight"] = layer.grads["weight"] * np.float32(1.01)
            return dx
        layer.backward = scaled
    return patch


@pytest.mark.parametrize("norm", [False, True], ids=["conv-pool", "conv-pool-batchnorm-dropout"])
def test_a_shadowed_float32_conv_net_passes_every_step(norm):
    report = _shadowed_run(norm, steps=10)
    assert report.passed and report.steps_run == 10 and report.margin >= 2, str(report)


def test_an_unseeded_dropout_is_shadowed_with_the_numpy_step_s_mask():
    """The shadow's torch twin takes each step's mask from the NumPy layer (shadow_layers.carry_layer_state)."""
    report = _shadowed_run(True, steps=10, dropout_seed=None)
    assert report.passed and report.steps_run == 10, str(report)


@pytest.mark.parametrize("norm, layer", [(False, 0), (True, 5)], ids=["conv weight", "batchnorm weight"])
def test_a_weight_gradient_1_percent_off_fails_at_step_0(norm, layer):
    report = _shadowed_run(norm, steps=3, bug=weight_grad_1_percent_off(layer))
    finding = report.findings[0]
    assert report.first_failure == 0 and finding.diff.kind == "grad" and finding.diff.name == f"{layer}.weight"
    assert finding.diff.ratio > 2, str(report)


def test_the_shadow_twin_takes_the_step_s_dropout_mask_and_batchnorm_buffers():
    """An unseeded Dropout and a BatchNorm1d in evaluation with buffers changed after mirroring: once carried,
    torch computes the NumPy step's output within its bound."""
    from comparisons.parity.shadow_layers import carry_layer_state
    from torch_ref import mirror, to_tensor

    net = manual.init_torch_default(manual.Sequential(
        manual.Linear(3, 4, dtype=np.float32), BatchNorm1d(4, dtype=np.float32), manual.Tanh(), Dropout(0.5),
        manual.Linear(4, 2, dtype=np.float32)), 0)
    model = mirror(net)
    net.layers[1].eval().buffers["running_mean"][...] = np.float32(0.3)
    X = np.random.RandomState(1).randn(6, 3).astype(np.float32)
    mine = net.forward(X).astype(np.float64)
    carry_layer_state(net, model)
    theirs = model(to_tensor(X)).detach().numpy().astype(np.float64)
    bound = step_bounds(net, net.get_params(), manual.MSELoss(), X, np.zeros((6, 2), np.float32)).output
    assert (np.abs(mine - theirs) <= 2 * bound).all() and not model[1].training
