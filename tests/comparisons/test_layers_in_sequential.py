"""Conv2d, pools, Flatten, BatchNorm1d, LayerNorm and Dropout inside Sequential: parity with the torch mirror."""
import numpy as np
import pytest
import torch

import manual
from comparisons.parity.step import compare_step
from comparisons.parity.shadow import ShadowCheck
from comparisons.parity.trainers import ManualTrainer, TorchTrainer
from comparisons.parity.trajectory import compare_trajectory
from manual.conv import Conv2d
from manual.dropout import Dropout
from manual.flatten import Flatten
from manual.norm import BatchNorm1d, LayerNorm
from manual.pool import AvgPool2d, MaxPool2d
from manual.softmax import LogSoftmax
from torch_ref import manual_from_torch, mirror
from torch_ref.weights import copy_into_manual

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def cnn(dtype=np.float64):
    return manual.init_torch_default(manual.Sequential(
        Conv2d(2, 4, 3, padding=1, dtype=dtype), manual.ReLU(), MaxPool2d(2), Conv2d(4, 3, 2, stride=2, dtype=dtype),
        AvgPool2d(1), Flatten(), manual.Linear(3 * 2 * 2, 5, dtype=dtype)), seed=0)


def data(shape, classes=5, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape), rng.integers(0, classes, shape[0])


def test_a_small_cnn_steps_as_torch_does_in_float64():
    X, y = data((6, 2, 8, 8))
    report = compare_step(cnn(), manual.CrossEntropyLoss(), X, y)
    assert report.passed and report.max_rel() < 1e-12, str(report)


def test_batchnorm_and_dropout_with_a_fixed_mask_step_as_torch_does():
    X, y = data((8, 6), classes=3)
    drop = Dropout(0.5)
    drop.mask = np.random.default_rng(2).random((8, 10)) >= 0.5
    net = manual.init_torch_default(manual.Sequential(
        manual.Linear(6, 10), manual.ReLU(), BatchNorm1d(10), drop, LayerNorm(10), manual.Linear(10, 3)), seed=0)
    report = compare_step(net, manual.CrossEntropyLoss(), X, y)
    assert report.passed and report.max_rel() < 1e-12, str(report)
    model = mirror(net)                        # the running statistics were updated alike, and copy both ways
    assert net.buffers["2.num_batches_tracked"] == 1
    assert np.allclose(model.state_dict()["2.running_var"].numpy(), net.buffers["2.running_var"])


def test_a_cnn_survives_mirror_and_manual_from_torch():
    net = cnn()
    back = manual_from_torch(mirror(net))
    assert back.describe() == net.describe()
    for name, value in net.params.items():
        assert np.array_equal(back.params[name], value), name
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.Flatten(), torch.nn.Linear(2 * 4 * 4, 3)).double()
    twin = manual_from_torch(model)
    X = data((3, 1, 6, 6))[0]
    assert np.allclose(twin.forward(X), model(torch.from_numpy(X)).detach().numpy(), rtol=1e-13, atol=1e-15)
    assert np.array_equal(copy_into_manual(model, twin).params["0.weight"], model[0].weight.detach().numpy())


def test_the_training_mode_travels_both_ways():
    net = manual.Sequential(manual.Linear(3, 4), BatchNorm1d(4), Dropout(0.2)).eval()
    model = mirror(net)
    assert not model[1].training and not model[2].training
    assert not manual_from_torch(model).training
    assert manual_from_torch(model.train()).training


def log_softmax_cnn_run(steps: int, slip: float = 1.0):
    """The CNN ending in LogSoftmax, trained with NLLLoss in float32, judged step by step by the shadow check;
    `slip` scales LogSoftmax's input gradient (1.0: the correct backward)."""
    net = cnn(np.float32)
    net = manual.Sequential(*net.layers, LogSoftmax())
    X, y = data((4, 2, 8, 8))
    head, loss, opt = net.layers[-1], manual.NLLLoss(), manual.SGD(0.1)
    backward = head.backward
    head.backward = lambda g: backward(g) * np.float32(slip)
    shadow = ShadowCheck(net, loss, opt, layer_of=net.param_layer)
    return compare_trajectory(ManualTrainer(net, loss, opt), TorchTrainer.mirroring(net, loss, opt),
                              (X.astype(np.float32), y), steps=steps, rtol=np.inf, shadow=shadow,
                              layer_of=net.param_layer)


def test_every_layer_has_a_float32_rule_and_a_1_percent_slip_in_log_softmax_fails_at_step_0():
    report = log_softmax_cnn_run(30)
    assert report.passed and report.margin >= 2, str(report)
    bad = log_softmax_cnn_run(3, slip=1.01)
    assert bad.first_failure == 0 and bad.findings[0].diff.kind == "grad", str(bad)


def _linear_batchnorm(seed: int) -> manual.Sequential:
    return manual.init_torch_default(manual.Sequential(
        manual.Linear(3, 5), BatchNorm1d(5), manual.Tanh(), manual.Linear(5, 2)), seed)


@pytest.mark.parametrize("seed", range(10))
def test_a_gradient_that_is_zero_in_exact_arithmetic_is_judged_by_its_rounding_bound(seed):
    """The bias of a Linear feeding BatchNorm1d has dL/db = 0 exactly (BatchNorm's backward removes the batch
    mean): both sides hold rounding noise (~1e-16) that differs by ~100% of itself. compare_step judges such a
    tensor by its first-order rounding bound, not by its own magnitude."""
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    report = compare_step(_linear_batchnorm(seed), manual.MSELoss(), X, y)
    assert report.passed, str(report)
    bias = next(d for d in report.diffs if d.name == "0.bias")
    assert abs(bias.torch_value) < 1e-14 and bias.ratio is not None   # judged by the bound


def test_a_slip_in_a_zero_gradient_still_fails():
    net = _linear_batchnorm(0)
    backward = net.layers[0].backward

    def slipped(dy, *args, **kwargs):
        dx = backward(dy, *args, **kwargs)
        net.layers[0].grads["bias"] = net.layers[0].grads["bias"] + 1e-9   # e.g. a mean left in
        return dx
    net.layers[0].backward = slipped
    rng = np.random.default_rng(0)
    report = compare_step(net, manual.MSELoss(), rng.normal(size=(6, 3)), rng.normal(size=(6, 2)))
    assert not report.passed and report.findings[0].diff.name == "0.bias", str(report)


TRAJECTORY_NETS = {   # each registered layer in a small net that trains: (layers, input shape)
    "conv_maxpool": (lambda: [Conv2d(1, 3, 3, padding=1), manual.ReLU(), MaxPool2d(2), Flatten(),
                              manual.Linear(3 * 4 * 4, 3)], (16, 1, 8, 8)),
    "conv_avgpool": (lambda: [Conv2d(1, 2, 3, stride=1, padding=1, dilation=1), manual.Tanh(), AvgPool2d(2),
                              Flatten(), manual.Linear(2 * 4 * 4, 3)], (16, 1, 8, 8)),
    "batchnorm": (lambda: [manual.Linear(4, 6), BatchNorm1d(6), manual.ReLU(), manual.Linear(6, 3)], (16, 4)),
    "layernorm": (lambda: [manual.Linear(4, 6), LayerNorm(6), manual.Tanh(), manual.Linear(6, 3)], (16, 4)),
    "dropout": (lambda: [manual.Linear(4, 6), manual.ReLU(), Dropout(0.3, seed=0), manual.Linear(6, 3)], (16, 4)),
    "log_softmax": (lambda: [manual.Linear(4, 6), manual.Tanh(), manual.Linear(6, 3), LogSoftmax()], (16, 4)),
}


@pytest.mark.parametrize("case", sorted(TRAJECTORY_NETS))
def test_every_layer_trains_200_float64_steps_like_torch(case):
    """200 steps of SGD with momentum, float64, every parameter after every step within 1e-8 of torch's scale."""
    make, shape = TRAJECTORY_NETS[case]
    net = manual.init_torch_default(manual.Sequential(*make()), seed=0)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=shape), rng.integers(0, 3, shape[0])
    loss = manual.NLLLoss() if case == "log_softmax" else manual.CrossEntropyLoss()
    opt = manual.SGD(0.05, momentum=0.9)
    report = compare_trajectory(ManualTrainer(net, loss, opt), TorchTrainer.mirroring(net, loss, opt), (X, y),
                                steps=200, rtol=1e-8)
    assert report.passed and report.steps_run == 200, str(report)
