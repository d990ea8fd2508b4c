"""compare_step: layer-by-layer forward and backward against the torch mirror."""
import numpy as np
import pytest

import manual
from comparisons.parity.step import compare_step
from manual.errors import ArchitectureMismatch, DTypeError, NonFiniteError, ShapeError
from torch_ref import mirror


def case(dtype=np.float64, acts=("tanh", "leaky_relu"), output="sigmoid", loss="bce"):
    net = manual.init_torch_default(manual.build_mlp([3, 5, 5, 2], list(acts), output, dtype=dtype), 1)
    rng = np.random.RandomState(0)
    X = rng.randn(7, 3).astype(dtype)
    y = (rng.rand(7, 2) if loss == "bce" else rng.randn(7, 2)).astype(dtype)
    return net, manual.make_loss(loss), X, y


@pytest.mark.parametrize("dtype,bound", [(np.float64, 1e-13), (np.float32, 1e-5)])
@pytest.mark.parametrize("loss,output", [("bce", "sigmoid"), ("mse", "identity"), ("half_sum", "identity"),
                                         ("sum", "sigmoid")])
def test_correct_network_passes_near_machine_precision(dtype, bound, loss, output):
    report = compare_step(*case(dtype, output=output, loss=loss))
    assert report.passed, str(report)
    assert report.max_rel() < bound
    kinds = {d.kind for d in report.diffs}
    assert kinds == {"layer output", "loss", "delta", "grad", "input grad"}


def test_broken_activation_backward_is_traced_to_that_layer():
    net, loss, X, y = case()
    tanh = net.layers[1]
    tanh.backward = lambda dy: dy * (1 - tanh.cache["y"])  # forgot the square
    report = compare_step(net, loss, X, y)
    assert not report.passed
    first = report.findings[0]
    assert first.diff.kind == "delta" and "layer 1 (Tanh)" in first.note
    assert {f.parameter for f in report.findings[1:]} == {"0.weight", "0.bias"}


def test_broken_forward_is_traced_to_first_differing_layer():
    net, loss, X, y = case()
    leaky = net.layers[3]
    original = leaky.forward
    leaky.forward = lambda x: original(x) * 1.001  # a forward bug two layers in
    report = compare_step(net, loss, X, y)
    assert len(report.findings) == 1
    assert report.findings[0].diff.kind == "layer output"
    assert report.findings[0].diff.layer == "layer 3 (LeakyReLU(0.01))"
    assert "later tensor(s) fail as a consequence" in report.findings[0].note


def test_loss_gradient_bug_blames_the_loss():
    net, loss, X, y = case(output="identity", loss="mse")
    loss.backward = lambda: loss.cache["diff"] * 2  # sum gradient for a mean loss
    report = compare_step(net, loss, X, y)
    assert "loss's gradient" in report.findings[0].note


@pytest.mark.parametrize("mutate,error", [
    (lambda X, y: (X.astype(np.float32), y), DTypeError),
    (lambda X, y: (X[:, :2], y), ShapeError),
    (lambda X, y: (X, y[:3]), ShapeError),
    (lambda X, y: (np.where(X > 1, np.nan, X), y), NonFiniteError),
    (lambda X, y: (X, np.full_like(y, np.inf)), NonFiniteError),
])
def test_bad_data_gets_a_named_error(mutate, error):
    net, loss, X, y = case()
    with pytest.raises(error):
        compare_step(net, loss, *mutate(X, y))


def test_nan_weights_get_a_named_error():
    net, loss, X, y = case()
    net.params["2.weight"][0, 0] = np.nan
    with pytest.raises(NonFiniteError, match="initial weights"):
        compare_step(net, loss, X, y)


def test_mismatched_torch_model_is_refused():
    net, loss, X, y = case()
    other = mirror(manual.build_mlp([3, 5, 5, 2], ["relu", "leaky_relu"], "sigmoid"))
    with pytest.raises(ArchitectureMismatch, match="layer 1"):
        compare_step(net, loss, X, y, model=other)
