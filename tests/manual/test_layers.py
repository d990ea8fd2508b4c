"""Every layer against its torch twin (float64 and float32) and against finite differences."""
import re

import numpy as np
import pytest
import torch
from hypothesis import given
from strategies import assert_close, shapes

from layer_parity import check_finite_diff, check_parity

from manual import (DTypeError, Identity, LeakyReLU, Linear, LogSoftmax, ReLU, ShapeError, Sigmoid, Softmax, Tanh,
                    numerical_gradient, relative_error)
from manual.conv import Conv2d
from manual.layer_registry import REGISTRY as LAYER_REGISTRY
from manual.dropout import Dropout
from manual.flatten import Flatten
from manual.norm import BatchNorm1d, LayerNorm
from manual.pool import AvgPool2d, MaxPool2d
from manual.gradcheck import GOOD
from torch_ref import to_tensor, torch_dtype, torch_layer
from torch_ref.weights import to_manual_layout, to_torch_layout

DTYPES = [np.float64, np.float32]
ACTIVATIONS = {"identity": Identity, "relu": ReLU, "leaky_relu": LeakyReLU, "leaky_relu_0.2": lambda: LeakyReLU(0.2),
               "sigmoid": Sigmoid, "tanh": Tanh}
LAYERS = {"linear": lambda: Linear(5, 3), **ACTIVATIONS}


@pytest.fixture(params=DTYPES, ids=lambda d: np.dtype(d).name)
def dtype(request):
    return request.param


def randomise(layer, x_shape, dtype, seed: int = 0):
    """Fill the layer's parameters and return (x, dy) for it, all drawn from `seed` in `dtype`."""
    rng = np.random.default_rng(seed)
    for p in layer.params.values():
        p[...] = rng.standard_normal(p.shape)
    x = rng.standard_normal(x_shape).astype(dtype)
    dy = rng.standard_normal(layer.forward(x).shape).astype(dtype)
    return x, dy


def torch_twin(layer, dtype):
    """The torch module for `layer`, holding the same parameter values (torch layout)."""
    mod = torch_layer(layer).to(torch_dtype(dtype))
    with torch.no_grad():
        for name, value in layer.params.items():
            mod.get_parameter(name).copy_(to_tensor(np.ascontiguousarray(to_torch_layout(name, value))))
    return mod


def check_layer_parity(layer, x_shape=(4, 5), dtype=np.float64, *, x=None, seed=0):
    """Forward output, dx and every parameter gradient of `layer` equal torch's for a random dy."""
    rand_x, dy = randomise(layer, x_shape if x is None else x.shape, dtype, seed)
    x = rand_x if x is None else x.astype(dtype)
    mod = torch_twin(layer, dtype)
    y, x_t = layer.forward(x), to_tensor(x).requires_grad_()
    y_t = mod(x_t)
    dx = layer.backward(dy)
    y_t.backward(to_tensor(dy))
    name = layer.describe()
    assert_close(y, y_t.detach().numpy(), f"forward pass of {name}")
    assert_close(dx, x_t.grad.numpy(), f"backward pass of {name}: dx")
    assert layer.grads.keys() == layer.params.keys()
    for k, g in layer.grads.items():
        torch_grad = to_manual_layout(k, mod.get_parameter(k).grad.numpy())
        assert_close(g, torch_grad, f"backward pass of {name}: grad of {k}")


def test_linear(dtype): check_layer_parity(Linear(5, 3, dtype=dtype), (4, 5), dtype)
def test_linear_one_by_one(dtype): check_layer_parity(Linear(1, 1, dtype=dtype), (1, 1), dtype)
def test_linear_wide(dtype): check_layer_parity(Linear(6, 6, dtype=dtype), (8, 6), dtype)
def test_identity(dtype): check_layer_parity(Identity(), dtype=dtype)
def test_relu(dtype): check_layer_parity(ReLU(), dtype=dtype)
def test_leaky_relu_default_slope(dtype): check_layer_parity(LeakyReLU(), dtype=dtype)
def test_leaky_relu_custom_slope(dtype): check_layer_parity(LeakyReLU(0.2), dtype=dtype)
def test_sigmoid(dtype): check_layer_parity(Sigmoid(), dtype=dtype)
def test_tanh(dtype): check_layer_parity(Tanh(), dtype=dtype)


def _dropout(dtype):
    layer = Dropout(0.3)
    layer.mask = np.random.default_rng(5).random((4, 5)) > 0.3     # fixed: finite differences need one mask
    return layer


# one case per entry of manual/layer_registry.py, x's shape beside it (tests/test_registries.py checks the keys)
REGISTERED = {
    "linear": (lambda dt: Linear(5, 3, dtype=dt), (4, 5)),
    "conv2d": (lambda dt: Conv2d(2, 3, 3, stride=1, padding=1, dilation=1, dtype=dt), (2, 2, 5, 5)),
    "max_pool2d": (lambda dt: MaxPool2d(2), (2, 2, 4, 4)),
    "avg_pool2d": (lambda dt: AvgPool2d(2, padding=1), (2, 2, 4, 4)),
    "flatten": (lambda dt: Flatten(), (2, 3, 2, 2)),
    "batch_norm1d": (lambda dt: BatchNorm1d(4, dtype=dt), (6, 4)),
    "layer_norm": (lambda dt: LayerNorm(4, dtype=dt), (3, 4)),
    "dropout": (_dropout, (4, 5)),
    "softmax": (lambda dt: Softmax(), (4, 5)),
    "log_softmax": (lambda dt: LogSoftmax(), (4, 5)),
}


@pytest.mark.parametrize("name", REGISTERED)
def test_registered_layer_matches_its_twin(name, dtype):
    """layer_parity's check (1e-12 in float64, rounding bounds in float32) reads torch's gradients in torch's
    layout, so a layer with transposed arrays (Linear) goes through check_layer_parity, which converts."""
    make, shape = REGISTERED[name]
    if LAYER_REGISTRY[name].transposed:
        check_layer_parity(make(dtype), shape, dtype)
    else:
        check_parity(make, shape, dtype)


@pytest.mark.parametrize("name", REGISTERED)
def test_registered_layer_matches_finite_differences(name):
    make, shape = REGISTERED[name]
    check_finite_diff(make(np.float64), shape)


EDGES = np.array([[-1000.0, -40.0, -1e-300, -0.0, 0.0, 1e-300, 40.0, 1000.0]])


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_at_zero_and_saturation(name, dtype):
    check_layer_parity(ACTIVATIONS[name](), x=EDGES, dtype=dtype)


@pytest.mark.parametrize("name", ACTIVATIONS)
@given(shape=shapes())
def test_activation_parity_any_shape(name, shape):
    check_layer_parity(ACTIVATIONS[name](), shape)


def test_leaky_relu_slope_is_used():
    layer = LeakyReLU(0.2)
    assert layer.forward(np.array([[-1.0, 2.0]])).tolist() == [[-0.2, 2.0]]
    assert layer.backward(np.array([[1.0, 1.0]])).tolist() == [[0.2, 1.0]]


def test_relu_derivative_at_zero_is_zero_as_torch():
    x, dy = np.array([[0.0, -0.0, 1.0]]), np.ones((1, 3))
    layer = ReLU()
    layer.forward(x)
    x_t = to_tensor(x).requires_grad_()
    torch.relu(x_t).backward(to_tensor(dy))
    assert layer.backward(dy).tolist() == [[0.0, 0.0, 1.0]] == x_t.grad.tolist()


# ---- finite differences: the oracle that needs neither torch nor our backward ------------------------
def check_layer_finite_diff(layer, x_shape=(3, 5), seed=1):
    """backward's dx and parameter grads equal central differences of sum(forward(x) * dy)."""
    x, dy = randomise(layer, x_shape, np.float64, seed)

    def f():
        return float((layer.forward(x) * dy).sum())

    def signature():
        return [layer.active()] if hasattr(layer, "active") else []

    f()
    analytic = {"x": layer.backward(dy), **{k: g.copy() for k, g in layer.grads.items()}}
    targets = {"x": x, **layer.params}
    for name, p in targets.items():
        numeric, kink = numerical_gradient(f, p, signature=signature)
        err = relative_error(analytic[name], numeric)[~kink]
        assert err.max(initial=0.0) < GOOD, f"{layer.describe()}: d/d{name} rel err {err.max():.1e}"


@pytest.mark.parametrize("name", LAYERS)
def test_layer_matches_finite_differences(name):
    check_layer_finite_diff(LAYERS[name]())


# ---- dtypes and shapes -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", LAYERS)
def test_float32_stays_float32(name):
    layer = Linear(5, 3, dtype=np.float32) if name == "linear" else LAYERS[name]()
    x, dy = randomise(layer, (4, 5), np.float32)
    outputs = [layer.forward(x), layer.backward(dy), *layer.grads.values()]
    assert [a.dtype for a in outputs] == [np.float32] * len(outputs)


def test_float32_input_into_float64_linear_raises():
    with pytest.raises(DTypeError, match="float32"):
        Linear(2, 3).forward(np.ones((4, 2), np.float32))


def test_float32_dy_into_float64_linear_raises():
    layer = Linear(2, 3)
    layer.forward(np.ones((4, 2)))
    with pytest.raises(DTypeError, match="float32"):
        layer.backward(np.ones((4, 3), np.float32))


@pytest.mark.parametrize("shape", [(4, 3), (2,), (1, 4, 2)])
def test_linear_wrong_input_shape_names_it(shape):
    with pytest.raises(ShapeError, match=re.escape(str(shape))):
        Linear(2, 3).forward(np.ones(shape))


def test_linear_wrong_dy_shape_names_it():
    layer = Linear(2, 3)
    layer.forward(np.ones((4, 2)))
    with pytest.raises(ShapeError, match=re.escape("(4, 2)")):
        layer.backward(np.ones((4, 2)))


@pytest.mark.parametrize("sizes", [(0, 3), (3, 0), (-1, 2)])
def test_linear_sizes_must_be_positive(sizes):
    with pytest.raises(ShapeError, match="positive"):
        Linear(*sizes)


@pytest.mark.parametrize("bad", [np.int64, np.float16, "complex128"])
def test_linear_rejects_unsupported_dtype(bad):
    with pytest.raises(DTypeError, match="float32 or float64"):
        Linear(2, 3, dtype=bad)
