"""Seeded initialisers. The same seed gives bit-identical weights."""
from __future__ import annotations

import math

import numpy as np

from .conv import Conv2d
from .linear import Linear
from .network import Sequential
from .errors import ParityInputError, ShapeError, UnknownNameError
from .validate import lookup

Rng = int | np.random.RandomState


def _rng(seed: Rng) -> np.random.RandomState:
    """RandomState(seed) draws exactly what np.random.seed(seed); np.random.randn(...) draws in the seeds."""
    return seed if isinstance(seed, np.random.RandomState) else np.random.RandomState(seed)


def init_randn(net: Sequential, seed: Rng, *, bias: str = "zeros") -> Sequential:
    r"""The seeds' style: W = randn(fan_in, fan_out) for every layer in order, then b.

    bias="zeros": b = 0 (seeds 001, 002, 004).  bias="randn": b = randn(fan_out) for every layer in order,
    drawn after all weights (seed 000's BPNeuralNetwork draws W1, W2, b1, b2 in that order).
    Values are drawn in float64 and cast to the net's dtype.
    """
    if bias not in ("zeros", "randn"):
        raise UnknownNameError(f"unknown bias initialisation {bias!r}; known: randn, zeros")
    rng = _rng(seed)
    values = {}
    for i, layer in enumerate(net.layers):
        if "weight" in layer.params:
            values[f"{i}.weight"] = rng.randn(layer.fan_in, layer.fan_out)
    for i, layer in enumerate(net.layers):
        if "bias" in layer.params:
            b = rng.randn(layer.fan_out) if bias == "randn" else np.zeros(layer.fan_out)
            values[f"{i}.bias"] = b
    net.set_params({k: v.astype(net.dtype) for k, v in values.items()})
    return net


def init_torch_default(net: Sequential, seed: Rng) -> Sequential:
    r"""torch.nn.Linear's default, in distribution (not torch's random stream):

    W ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))  (kaiming_uniform_ with a=sqrt(5): gain sqrt(2/(1+5)),
    bound = gain * sqrt(3 / fan_in) = 1/sqrt(fan_in)),   b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    Drawn per layer, weight then bias, the weight in torch's (fan_out, fan_in) order, then transposed.
    Conv2d likewise with fan_in = in_channels * kh * kw (its weight is already in torch's layout); norm
    layers keep their defaults (weight ones, bias zeros).
    For torch's exact numbers, build the torch model and copy it with torch_ref.weights.copy_into_manual.
    """
    rng = _rng(seed)
    values = net.get_params()
    for i, layer in enumerate(net.layers):
        if isinstance(layer, Linear):
            bound = 1.0 / math.sqrt(layer.fan_in)
            values[f"{i}.weight"] = rng.uniform(-bound, bound, (layer.fan_out, layer.fan_in)).T
            values[f"{i}.bias"] = rng.uniform(-bound, bound, layer.fan_out)
        elif isinstance(layer, Conv2d):
            shape = layer.params["weight"].shape
            bound = 1.0 / math.sqrt(int(np.prod(shape[1:])))
            values[f"{i}.weight"] = rng.uniform(-bound, bound, shape)
            if "bias" in layer.params:
                values[f"{i}.bias"] = rng.uniform(-bound, bound, shape[0])
    net.set_params({k: np.ascontiguousarray(v).astype(net.dtype) for k, v in values.items()})
    return net


INITIALISERS = {
    "randn": lambda net, seed: init_randn(net, seed, bias="zeros"),
    "randn_bias": lambda net, seed: init_randn(net, seed, bias="randn"),
    "torch_default": init_torch_default,
}


def initialise(net: Sequential, name: str, seed: Rng) -> Sequential:
    """Apply a registered initialiser by name: randn, randn_bias, torch_default."""
    return lookup("initialiser", name, INITIALISERS)(net, seed)


# ---- torch.nn.init, in NumPy ---------------------------------------------------------------------------
# Each fills an array in torch's layout in place and returns it: dim 0 is fan_out, dim 1 fan_in, the rest
# the receptive field, as torch.nn.init reads a tensor. A manual Linear weight is (fan_in, fan_out): pass its
# transpose (init_linear_weights does), or the fans are swapped. The random stream is NumPy's, not torch's:
# the same seed gives the same arrays, and the distribution is torch's.

Generator = int | np.random.Generator | np.random.RandomState
LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")


def _generator(rng: Generator) -> np.random.Generator | np.random.RandomState:
    if isinstance(rng, (np.random.Generator, np.random.RandomState)):
        return rng
    return np.random.default_rng(rng)


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """torch.nn.init.calculate_gain: linear/conv/sigmoid 1, tanh 5/3, relu sqrt(2),
    leaky_relu sqrt(2 / (1 + slope**2)) (slope `param`, default 0.01), selu 3/4."""
    if nonlinearity in LINEAR_FNS or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ParityInputError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    known = ", ".join(LINEAR_FNS + ("leaky_relu", "relu", "selu", "sigmoid", "tanh"))
    raise UnknownNameError(f"Unsupported nonlinearity {nonlinearity}; known: {known}")


def calculate_fan_in_and_fan_out(tensor: np.ndarray) -> tuple[int, int]:
    """torch's fans of a torch-layout array: fan_in = shape[1] rf, fan_out = shape[0] rf, rf = prod(shape[2:])."""
    if tensor.ndim < 2:
        raise ShapeError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
                         f"(got shape {tensor.shape})")
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _fill(tensor: np.ndarray, values: np.ndarray) -> np.ndarray:
    tensor[...] = values.astype(tensor.dtype, copy=False)  # drawn in float64, cast once, as init_randn does
    return tensor


def _fan(tensor: np.ndarray, mode: str) -> int:
    modes = ("fan_in", "fan_out")
    if not isinstance(mode, str) or mode.lower() not in modes:
        raise UnknownNameError(f"Mode {mode} not supported, please use one of {list(modes)}")
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode.lower() == "fan_in" else fan_out


def xavier_uniform_(tensor: np.ndarray, gain: float = 1.0, *, rng: Generator) -> np.ndarray:
    """U(-b, b), b = gain sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return _fill(tensor, _generator(rng).uniform(-bound, bound, tensor.shape))


def xavier_normal_(tensor: np.ndarray, gain: float = 1.0, *, rng: Generator) -> np.ndarray:
    """N(0, std^2), std = gain sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return _fill(tensor, _generator(rng).normal(0.0, std, tensor.shape))


def kaiming_uniform_(tensor: np.ndarray, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     *, rng: Generator) -> np.ndarray:
    """U(-b, b), b = gain sqrt(3 / fan), gain = calculate_gain(nonlinearity, a), fan by `mode`.
    (`a`: the leaky_relu negative slope.)"""
    bound = math.sqrt(3.0) * calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return _fill(tensor, _generator(rng).uniform(-bound, bound, tensor.shape))


def kaiming_normal_(tensor: np.ndarray, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    *, rng: Generator) -> np.ndarray:
    """N(0, std^2), std = gain / sqrt(fan), gain = calculate_gain(nonlinearity, a), fan by `mode`."""
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return _fill(tensor, _generator(rng).normal(0.0, std, tensor.shape))


def orthogonal_(tensor: np.ndarray, gain: float = 1.0, *, rng: Generator) -> np.ndarray:
    """As torch: Q of the QR of a (rows, numel / rows) standard normal draw (transposed when wide), columns'
    signs fixed by sign(diag(R)) so Q is Haar-distributed, times gain. Rows (or columns) are orthonormal."""
    if tensor.ndim < 2:
        raise ShapeError(f"Only tensors with 2 or more dimensions are supported (got shape {tensor.shape})")
    if tensor.size == 0:
        return tensor
    rows = tensor.shape[0]
    flat = _generator(rng).standard_normal((rows, tensor.size // rows))
    wide = rows < flat.shape[1]
    q, r = np.linalg.qr(flat.T if wide else flat)
    q = q * np.sign(np.diag(r))
    return _fill(tensor, ((q.T if wide else q) * gain).reshape(tensor.shape))


def constant_(tensor: np.ndarray, val: float) -> np.ndarray:
    """Every element = val."""
    tensor[...] = val
    return tensor


def zeros_(tensor: np.ndarray) -> np.ndarray:
    return constant_(tensor, 0.0)


def ones_(tensor: np.ndarray) -> np.ndarray:
    return constant_(tensor, 1.0)


WEIGHT_INITS = {"xavier_uniform": xavier_uniform_, "xavier_normal": xavier_normal_,
                "kaiming_uniform": kaiming_uniform_, "kaiming_normal": kaiming_normal_, "orthogonal": orthogonal_}


def init_linear_weights(net: Sequential, init: str, rng: Generator, *, bias: float = 0.0, **kwargs) -> Sequential:
    """Every Linear weight by torch.nn.init's `init` (xavier_uniform, xavier_normal, kaiming_uniform,
    kaiming_normal, orthogonal; kwargs: gain, or a/mode/nonlinearity), drawn in torch's (fan_out, fan_in)
    layout and stored transposed; biases = `bias`. One generator serves every layer, in order."""
    fill = lookup("weight initialiser", init, WEIGHT_INITS)
    gen = _generator(rng)
    values = {}
    for i, layer in enumerate(net.layers):
        if "weight" in layer.params:
            w = fill(np.empty((layer.fan_out, layer.fan_in)), rng=gen, **kwargs)
            values[f"{i}.weight"] = np.ascontiguousarray(w.T).astype(net.dtype)
            values[f"{i}.bias"] = np.full(layer.fan_out, bias, dtype=net.dtype)
    net.set_params(values)
    return net
