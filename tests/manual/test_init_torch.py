"""torch.nn.init's initialisers in NumPy: torch's fans and gains exactly, torch's distributions checked
statistically (NumPy's random stream is not torch's), the same seed giving the same bytes, and the copy
into torch exact."""
import math

import numpy as np
import pytest
import torch
from torch import nn

import manual
from manual import ParityInputError, ShapeError, UnknownNameError, init_linear_weights
from manual.init import (calculate_fan_in_and_fan_out, calculate_gain, constant_, kaiming_normal_,
                         kaiming_uniform_, ones_, orthogonal_, xavier_normal_, xavier_uniform_, zeros_)
from torch_ref import mirror

SHAPES = [(64, 32), (32, 96), (16, 8, 3), (8, 4, 3, 3)]


def seeded() -> torch.Generator:
    """torch's draws seeded too, so the statistical checks of torch's own samples cannot flake."""
    return torch.Generator().manual_seed(0)


@pytest.mark.parametrize("name, param", [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None),
                                         ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2),
                                         ("leaky_relu", 3), ("selu", None)])
def test_calculate_gain_is_torchs(name, param):
    assert calculate_gain(name, param) == nn.init.calculate_gain(name, param)


@pytest.mark.parametrize("shape", SHAPES)
def test_fans_are_torchs_for_the_torch_layout(shape):
    assert calculate_fan_in_and_fan_out(np.empty(shape)) == nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


def torch_std(init, shape, kwargs) -> float:
    """The std torch's initialiser aims at, from torch's own fans and gain."""
    fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    if init.startswith("xavier"):
        return kwargs.get("gain", 1.0) * math.sqrt(2.0 / (fan_in + fan_out))
    fan = fan_in if kwargs.get("mode", "fan_in") == "fan_in" else fan_out
    return nn.init.calculate_gain(kwargs.get("nonlinearity", "leaky_relu"), kwargs.get("a", 0)) / math.sqrt(fan)


def check_moments(values: np.ndarray, std: float, what: str):
    """Mean 0 within 4 standard errors (std / sqrt(n)); sample std within 4 of its standard errors
    (std / sqrt(2 n) for a normal, std * sqrt(0.2 / n) relative for a uniform: both below sqrt(0.5 / n))."""
    n = values.size
    assert abs(values.mean()) < 4 * std / math.sqrt(n), f"{what}: mean {values.mean():.3e}"
    assert abs(values.std() / std - 1) < 4 * math.sqrt(0.5 / n), f"{what}: std {values.std():.4e} vs {std:.4e}"


UNIFORM = [("xavier_uniform", xavier_uniform_, nn.init.xavier_uniform_, {}),
           ("xavier_uniform", xavier_uniform_, nn.init.xavier_uniform_, {"gain": 5 / 3}),
           ("kaiming_uniform", kaiming_uniform_, nn.init.kaiming_uniform_, {}),
           ("kaiming_uniform", kaiming_uniform_, nn.init.kaiming_uniform_, {"a": math.sqrt(5)}),
           ("kaiming_uniform", kaiming_uniform_, nn.init.kaiming_uniform_, {"mode": "fan_out", "nonlinearity": "relu"})]
NORMAL = [("xavier_normal", xavier_normal_, nn.init.xavier_normal_, {"gain": 2.0}),
          ("kaiming_normal", kaiming_normal_, nn.init.kaiming_normal_, {}),
          ("kaiming_normal", kaiming_normal_, nn.init.kaiming_normal_, {"mode": "fan_out", "nonlinearity": "tanh"})]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name, ours, theirs, kwargs", UNIFORM)
def test_uniform_initialisers_have_torchs_bounds_and_moments(name, ours, theirs, kwargs, shape):
    std = torch_std(name, shape, kwargs)
    bound = math.sqrt(3.0) * std
    torch_values = theirs(torch.empty(shape, dtype=torch.float64), generator=seeded(), **kwargs).numpy()
    for values, who in ((ours(np.empty(shape), rng=0, **kwargs), "numpy"), (torch_values, "torch")):
        n = values.size   # the largest of n draws from U(-b, b) falls short of b by b / n on average
        assert np.abs(values).max() <= bound and np.abs(values).max() > bound * (1 - 20 / n), f"{who}: bound"
        check_moments(values, std, f"{who} {name} {kwargs}")


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name, ours, theirs, kwargs", NORMAL)
def test_normal_initialisers_have_torchs_moments(name, ours, theirs, kwargs, shape):
    std = torch_std(name, shape, kwargs)
    check_moments(ours(np.empty(shape), rng=0, **kwargs), std, f"numpy {name} {kwargs}")
    torch_values = theirs(torch.empty(shape, dtype=torch.float64), generator=seeded(), **kwargs).numpy()
    check_moments(torch_values, std, f"torch {name} {kwargs}")


@pytest.mark.parametrize("shape", [(6, 6), (20, 5), (5, 20), (4, 3, 2)])
def test_orthogonal_rows_or_columns_are_orthonormal_times_gain(shape):
    q = orthogonal_(np.empty(shape), gain=2.0, rng=np.random.default_rng(3)).reshape(shape[0], -1)
    small = min(q.shape)
    gram = q.T @ q if q.shape[0] >= q.shape[1] else q @ q.T
    np.testing.assert_allclose(gram, 4.0 * np.eye(small), rtol=0, atol=1e-12)
    torch_q = nn.init.orthogonal_(torch.empty(shape, dtype=torch.float64), gain=2.0, generator=seeded())
    torch_q = torch_q.reshape(shape[0], -1).numpy()
    assert np.allclose(torch_q.T @ torch_q if q.shape[0] >= q.shape[1] else torch_q @ torch_q.T, gram, atol=1e-12)


@pytest.mark.parametrize("init, ours", [("xavier_uniform", xavier_uniform_), ("xavier_normal", xavier_normal_),
                                        ("kaiming_uniform", kaiming_uniform_), ("kaiming_normal", kaiming_normal_),
                                        ("orthogonal", orthogonal_)])
def test_same_seed_same_bytes_for_int_generator_and_randomstate(init, ours):
    draws = [ours(np.empty((7, 5)), rng=rng) for rng in (4, 4, np.random.default_rng(4), 5)]
    assert draws[0].tobytes() == draws[1].tobytes() == draws[2].tobytes() != draws[3].tobytes()
    legacy = [ours(np.empty((7, 5)), rng=np.random.RandomState(4)) for _ in range(2)]
    assert legacy[0].tobytes() == legacy[1].tobytes()


def test_float32_arrays_get_the_float64_draw_rounded_once():
    a64, a32 = xavier_uniform_(np.empty((5, 4)), rng=1), xavier_uniform_(np.empty((5, 4), np.float32), rng=1)
    assert a32.dtype == np.float32 and np.array_equal(a32, a64.astype(np.float32))


def test_constant_zeros_ones():
    a = np.empty((3, 2))
    assert (constant_(a, 0.25) == 0.25).all() and not zeros_(a).any() and (ones_(a) == 1).all()


@pytest.mark.parametrize("init", ["xavier_uniform", "kaiming_normal", "orthogonal"])
def test_net_weights_are_drawn_in_torch_layout_and_copied_into_torch_exactly(init):
    net = init_linear_weights(manual.build_mlp([3, 50, 2], "relu"), init, 0, bias=0.1)
    model = mirror(net)
    for name, p in model.named_parameters():
        ours = net.params[name]
        assert p.detach().numpy().tobytes() == np.ascontiguousarray(ours.T if ours.ndim == 2 else ours).tobytes()
    assert (net.params["0.bias"] == 0.1).all()


def test_kaiming_fan_in_of_a_linear_is_its_input_size_not_its_output_size():
    # Linear 3->50: torch's weight is (50, 3), fan_in 3, bound sqrt(3) sqrt(2) / sqrt(3) = 1.41; with the fans
    # swapped (manual's (3, 50) read as torch's) the bound would be sqrt(6 / 50) = 0.35.
    net = init_linear_weights(manual.build_mlp([3, 50, 2], "relu"), "kaiming_uniform", 0, nonlinearity="relu")
    w = net.params["0.weight"]
    assert w.shape == (3, 50) and 0.35 < np.abs(w).max() <= math.sqrt(2)
    same = kaiming_uniform_(np.empty((3, 50)).T, nonlinearity="relu", rng=0)  # a transposed view fills in place
    assert same.base is not None and np.array_equal(same.T, w)


@pytest.mark.parametrize("call, error, message", [
    (lambda: calculate_gain("swish"), UnknownNameError, "Unsupported nonlinearity swish"),
    (lambda: calculate_gain("leaky_relu", "0.1"), ParityInputError, "negative_slope 0.1 not a valid number"),
    (lambda: kaiming_uniform_(np.empty((3, 2)), mode="fan_avg", rng=0), UnknownNameError,
     "Mode fan_avg not supported, please use one of ['fan_in', 'fan_out']"),
    (lambda: xavier_normal_(np.empty(4), rng=0), ShapeError,
     "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"),
    (lambda: orthogonal_(np.empty(4), rng=0), ShapeError, "Only tensors with 2 or more dimensions are supported"),
    (lambda: init_linear_weights(manual.build_mlp([2, 1], []), "he", 0), UnknownNameError,
     "unknown weight initialiser 'he'; known: kaiming_normal, kaiming_uniform, orthogonal, xavier_normal"),
])
def test_bad_input_names_the_problem(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert str(info.value).startswith(message)
