"""Seeded initialisers. The same seed gives bit-identical weights."""
from __future__ import annotations

import math

import numpy as np

from .network import Sequential
from .errors import UnknownNameError
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
    For torch's exact numbers, build the torch model and copy it with torch_ref.weights.copy_into_manual.
    """
    rng = _rng(seed)
    values = {}
    for i, layer in enumerate(net.layers):
        if "weight" in layer.params:
            bound = 1.0 / math.sqrt(layer.fan_in)
            values[f"{i}.weight"] = rng.uniform(-bound, bound, (layer.fan_out, layer.fan_in)).T
            values[f"{i}.bias"] = rng.uniform(-bound, bound, layer.fan_out)
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
