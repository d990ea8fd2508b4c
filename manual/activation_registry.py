"""The activations, each described once (ActivationOp), in torch's formulas.

Every formula below is torch's CPU kernel's, operation for operation, so float64 results agree to a few
ulps. manual's layer classes, torch_ref's twins, the learner spec, probes, mutants and rounding bounds all
read this table: adding an activation is one entry here, its layer class in manual/activation_layers.py
and its tests.
"""
from __future__ import annotations

import math

import numpy as np

from .activation_op import ActivationOp
from .special import erf

SQRT1_2 = math.sqrt(0.5)
GELU_PDF = 2 / math.sqrt(math.pi) * SQRT1_2 * 0.5       # 1/sqrt(2 pi): torch's kBeta for the exact GELU
GELU_TANH = math.sqrt(2) * 2 / math.sqrt(math.pi) * 0.5  # sqrt(2/pi): torch's kBeta for the tanh GELU
GELU_KAPPA = 0.044715


def _sigmoid(z):
    with np.errstate(over="ignore"):     # exp(-z) -> inf gives 0 exactly, as torch
        return 1 / (1 + np.exp(-z))


def _silu(z):
    with np.errstate(over="ignore"):
        return z / (1 + np.exp(-z))


def _gelu(z, p):
    """exact: z Phi(z) = z/2 (1 + erf(z/sqrt 2));  tanh: z/2 (1 + tanh(sqrt(2/pi) (z + 0.044715 z**3)))."""
    if p.approximate == "tanh":
        return 0.5 * z * (1 + np.tanh(GELU_TANH * (z + GELU_KAPPA * (z * z * z))))
    return z * 0.5 * (1 + erf(z * SQRT1_2))


def _gelu_grad(z, p):
    """exact: Phi(z) + z phi(z);  tanh: (1 + t)/2 + z/2 (1 - t**2) sqrt(2/pi) (1 + 3 * 0.044715 z**2)."""
    if p.approximate == "tanh":
        t = np.tanh(GELU_TANH * (z + GELU_KAPPA * (z * z * z)))
        return 0.5 * (1 + t) + (0.5 * z) * (1 - t * t) * (GELU_TANH * (1 + 3 * GELU_KAPPA * (z * z)))
    return 0.5 * (1 + erf(z * SQRT1_2)) + z * (np.exp(-0.5 * z * z) * GELU_PDF)


def _softplus(z, p):
    """z where beta z > threshold (torch's linear tail), else log(1 + exp(beta z)) / beta."""
    with np.errstate(over="ignore"):
        return np.where(z * p.beta > p.threshold, z, np.log1p(np.exp(z * p.beta)) / p.beta)


def _softplus_grad(z, p):
    """1 where beta z > threshold, else e / (e + 1) with e = exp(beta z)."""
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(z * p.beta)
        return np.where(z * p.beta > p.threshold, 1.0, e / (e + 1))


IDENTITY = ActivationOp(
    "identity", "Identity", forward=lambda z, p: z, from_z=lambda z, p: np.ones_like(z),
    from_a=lambda a, p: np.ones_like(a), text_a="1")
RELU = ActivationOp(
    "relu", "ReLU", forward=lambda z, p: np.maximum(z, 0.0), from_z=lambda z, p: (z > 0) * 1.0,
    from_a=lambda a, p: (a > 0) * 1.0, text_a="[{a}>0]", text_z="[{z}>0]", kinks=lambda p: (0.0,), mixed=True)
LEAKY_RELU = ActivationOp(
    "leaky_relu", "LeakyReLU", params={"negative_slope": 0.01},
    forward=lambda z, p: np.where(z > 0, z, p.negative_slope * z),
    from_z=lambda z, p: np.where(z > 0, 1.0, p.negative_slope),
    from_a=lambda a, p: np.where(a > 0, 1.0, p.negative_slope),
    text_a="1 if {a}>0 else {negative_slope}", text_z="1 if {z}>0 else {negative_slope}", kinks=lambda p: (0.0,),
    mixed=True)
SIGMOID = ActivationOp(
    "sigmoid", "Sigmoid", forward=lambda z, p: _sigmoid(z),
    from_z=lambda z, p: _sigmoid(z) * (1 - _sigmoid(z)), from_a=lambda a, p: a * (1 - a),
    text_a="{a}*(1-{a})", text_z="sigmoid({z})*(1-sigmoid({z}))", saturates=True, curvature=lambda p: 0.1)
TANH = ActivationOp(
    "tanh", "Tanh", forward=lambda z, p: np.tanh(z), from_z=lambda z, p: 1 - np.tanh(z) ** 2,
    from_a=lambda a, p: 1 - a * a, text_a="1-{a}**2", text_z="1-tanh({z})**2", saturates=True,
    curvature=lambda p: 0.77)
ELU = ActivationOp(   # z <= 0: alpha (exp(z) - 1), derivative alpha exp(z) (alpha at 0, as torch)
    "elu", "ELU", params={"alpha": 1.0},
    forward=lambda z, p: np.where(z <= 0, np.expm1(np.minimum(z, 0)) * p.alpha, z),
    from_z=lambda z, p: np.where(z <= 0, p.alpha * np.exp(np.minimum(z, 0)), 1.0),
    from_a=lambda a, p: np.where(a > 0, 1.0, a + p.alpha),
    text_a="1 if {a}>0 else {a}+{alpha}", text_z="1 if {z}>0 else {alpha}*exp({z})",
    kinks=lambda p: (0.0,), mixed=True, curvature=lambda p: abs(p.alpha))
GELU = ActivationOp(
    "gelu", "GELU", params={"approximate": "none"}, choices={"approximate": ("none", "tanh")},
    forward=_gelu, from_z=_gelu_grad, text_z="Phi({z})+{z}*phi({z})", curvature=lambda p: 0.85)
SILU = ActivationOp(  # z sigmoid(z); derivative s (1 + z (1 - s))
    "silu", "SiLU", forward=lambda z, p: _silu(z),
    from_z=lambda z, p: _sigmoid(z) * (1 + z * (1 - _sigmoid(z))), text_z="s*(1+{z}*(1-s)), s=sigmoid({z})",
    curvature=lambda p: 0.5)
SOFTPLUS = ActivationOp(
    "softplus", "Softplus", params={"beta": 1.0, "threshold": 20.0}, forward=_softplus, from_z=_softplus_grad,
    check=lambda p: "" if p.beta != 0 else "beta must not be 0 (softplus divides by it)",
    text_z="sigmoid({beta}*{z})", kinks=lambda p: (p.threshold / p.beta,), curvature=lambda p: abs(p.beta) / 4)
HARDTANH = ActivationOp(  # clamp(z, min_val, max_val); derivative 0 at and beyond the ends, as torch
    "hardtanh", "Hardtanh", params={"min_val": -1.0, "max_val": 1.0},
    forward=lambda z, p: np.clip(z, p.min_val, p.max_val),
    from_z=lambda z, p: np.where((z <= p.min_val) | (z >= p.max_val), 0.0, 1.0),
    text_z="[{min_val}<{z}<{max_val}]", kinks=lambda p: (p.min_val, p.max_val), mixed=True,
    saturates=True, check=lambda p: "" if p.max_val > p.min_val else "max_val must be greater than min_val")

REGISTRY: dict[str, ActivationOp] = {op.name: op for op in (
    RELU, LEAKY_RELU, SIGMOID, TANH, IDENTITY, ELU, GELU, SILU, SOFTPLUS, HARDTANH)}
