"""Rounding bounds of one training step: how far a correct float32 (or float64) program may be from the
exact result, element by element, derived from the magnitudes of the terms before they cancel.

Forward error analysis, first order, with u the unit roundoff (2**-24 for float32) and
gamma(n) = n u / (1 - n u), the worst case of an n-term dot product:
    Linear      z = a @ W + b           e_z = e_a @ |W| + gamma(n+1) (|a| @ |W| + |b|)
    activation  a' = f(z)               e_a' = L_f e_z + c_f u |a'|     (L_f: |f'| near z; c_f: ulps of f)
    loss        r = yhat - y            e_r = e_yhat + u |r|            (the residual's cancellation)
Backward, g = dL/d(output) with its bound e_g, through the same layers in reverse:
    Linear      dW = a.T @ g            e_dW = |a|.T @ e_g + e_a.T @ (|g| + e_g) + gamma(N) |a|.T @ |g|
                db = sum_N g            e_db = sum_N e_g + gamma(N) sum_N |g|
                g_in = g @ W.T          e_in = e_g @ |W|.T + gamma(n_out) |g| @ |W|.T
    activation  g_in = g * f'           e_in = e_g |f'| + |g| e_f' + 2u |g f'|
where e_f' carries what rounding may do to f' itself: a ReLU mask flips (the full step) where |z| <= e_z,
counted as KINK_JUMPS steps (a flip is a discrete event: 0 or the whole jump, plus the rounding of the
terms it multiplies), and 1 - a**2 or a (1 - a) inherit a's error (near saturation that dwarfs f').

Conv2d, the pools, Flatten, Dropout, BatchNorm1d and LayerNorm: rounding_layers.py.

Each side (NumPy, torch) lies within its bound of the exact value, so the two may differ by twice it:
`allowance(bounds)`. Worst-case gamma(n) is loose by about sqrt(n) for real summation orders, which is
the margin that lets the same allowance hold under every BLAS kernel, while a 1% gradient error still
stands orders of magnitude above it wherever the gradient is not itself cancelled to rounding noise.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import manual
from manual.activations import Activation

from .rounding_activations import backward_bound, forward_bound
from .rounding_layers import LayerStep, layer_bounds
from .rounding_losses import loss_bounds
from .roundoff import KINK_JUMPS, TRANSCENDENTAL_ULPS, gamma, unit_roundoff  # noqa: F401  (unit_roundoff re-exported)


@dataclass
class StepBounds:
    """Bounds on |computed - exact| for one forward/backward: the loss, dL/d(prediction), every gradient, the
    prediction (`output`); `stats`: {"<i>.running_mean" | "<i>.running_var": (batch statistic, its bound)} of
    a BatchNorm1d in training, which its running buffers move toward."""

    loss: float
    dyhat: np.ndarray
    grads: dict[str, np.ndarray]
    stats: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    output: np.ndarray | None = None        # the prediction's own bound


@dataclass
class _Fwd:
    """A layer's input and its error bound, and for an activation its pre-activation z and e_z."""

    a: np.ndarray
    e_a: np.ndarray


def _activation_forward(layer, z, e_z, u):
    """a = f(z) and its bound; the Lipschitz factor is |f'| at z plus e_z times a bound on |f''|."""
    if isinstance(layer, manual.ReLU):
        return np.maximum(z, 0.0), e_z
    if isinstance(layer, manual.LeakyReLU):
        s = layer.slope
        return np.where(z > 0, z, s * z), e_z * max(1.0, s) + u * s * np.abs(z)
    if isinstance(layer, manual.Sigmoid):
        a = 1.0 / (1.0 + np.exp(-z))
        return a, (a * (1 - a) + 0.1 * e_z) * e_z + TRANSCENDENTAL_ULPS * u * a
    if isinstance(layer, manual.Tanh):
        a = np.tanh(z)
        return a, (1 - a * a + 0.77 * e_z) * e_z + TRANSCENDENTAL_ULPS * u * np.abs(a)
    if isinstance(layer, manual.Identity):
        return z, e_z
    return forward_bound(layer.chosen, z, e_z, u)


def _activation_backward(layer, fwd: _Fwd, out: np.ndarray, e_out: np.ndarray, g, e_g, u):
    """g_in = g * f'(z) and its bound; fwd holds z (the layer's input), out/e_out the activation a."""
    z, e_z = fwd.a, fwd.e_a
    if isinstance(layer, manual.Identity):
        return g, e_g
    if isinstance(layer, (manual.ReLU, manual.LeakyReLU)):
        s = layer.slope if isinstance(layer, manual.LeakyReLU) else 0.0
        d = np.where(z > 0, 1.0, s)
        flip = np.abs(z) <= e_z          # the mask may differ between two correct programs here
        jump = KINK_JUMPS * (1 - s) * np.abs(g) * flip
        return g * d, e_g * np.where(flip, max(1.0, s), d) + jump + u * s * np.abs(g)
    if isinstance(layer, manual.Sigmoid):
        d = out * (1 - out)
        e_d = np.abs(1 - 2 * out) * e_out + e_out * e_out + 2 * u * d
    elif isinstance(layer, manual.Tanh):
        d = 1 - out * out
        e_d = 2 * np.abs(out) * e_out + e_out * e_out + 2 * u
    else:
        return backward_bound(layer.chosen, z, e_z, g, e_g, u)
    return g * d, e_g * d + np.abs(g) * e_d + 2 * u * np.abs(g * d)


def step_bounds(net: manual.Sequential, params: dict[str, np.ndarray], loss, X: np.ndarray,
                y: np.ndarray) -> StepBounds:
    """Bounds for one forward/backward of `net`'s architecture at `params` (by state_dict name) on (X, y),
    in net.dtype's rounding. Computed in float64 from the given (already rounded) weights and data; a Dropout
    layer's mask is the one its last forward used, a BatchNorm1d in evaluation reads its running buffers."""
    u = unit_roundoff(net.dtype)
    a, e_a = np.asarray(X, np.float64), np.zeros(X.shape)
    trace: list[_Fwd] = []
    others: dict[int, LayerStep] = {}       # the layers ruled by rounding_layers.py
    for i, layer in enumerate(net.layers):
        trace.append(_Fwd(a, e_a))
        if not isinstance(layer, (manual.Linear, Activation)):
            own = {k: np.asarray(params[f"{i}.{k}"], np.float64) for k in layer.params}
            others[i] = layer_bounds(layer, own, a, e_a, u)
            a, e_a = others[i].out, others[i].e_out
        elif isinstance(layer, manual.Linear):
            W, b = (np.asarray(params[f"{i}.{k}"], np.float64) for k in ("weight", "bias"))
            aW = np.abs(W)
            a, e_a = a @ W + b, e_a @ aW + gamma(W.shape[0] + 1, u) * (np.abs(a) @ aW + np.abs(b))
        else:
            a, e_a = _activation_forward(layer, a, e_a, u)
    value, e_value, g, e_g = loss_bounds(loss, a, e_a, y, u)
    dyhat_bound, e_yhat = e_g, e_a
    grads: dict[str, np.ndarray] = {}
    out, e_out = a, e_a
    for i in reversed(range(len(net.layers))):
        layer, fwd = net.layers[i], trace[i]
        if i in others:
            g, e_g, own = others[i].back(g, e_g)
            grads.update({f"{i}.{k}": v for k, v in own.items()})
        elif isinstance(layer, manual.Linear):
            W = np.asarray(params[f"{i}.weight"], np.float64)
            n = fwd.a.shape[0]
            aa, ag = np.abs(fwd.a), np.abs(g)
            grads[f"{i}.weight"] = aa.T @ e_g + fwd.e_a.T @ (ag + e_g) + gamma(n, u) * (aa.T @ ag)
            grads[f"{i}.bias"] = e_g.sum(axis=0) + gamma(n, u) * ag.sum(axis=0)
            g, e_g = g @ W.T, e_g @ np.abs(W).T + gamma(W.shape[1], u) * (ag @ np.abs(W).T)
        else:
            g, e_g = _activation_backward(layer, fwd, out, e_out, g, e_g, u)
        out, e_out = fwd.a, fwd.e_a
    stats = {f"{i}.{k}": v for i, step in others.items() for k, v in step.stats.items()}
    return StepBounds(loss=float(e_value), dyhat=dyhat_bound, grads=grads, stats=stats, output=e_yhat)


def allowance(bound, tiny: float = float(np.finfo(np.float32).tiny)):
    """How far two correct programs may differ: each within `bound` of the exact value, so 2 x bound
    (plus the smallest normal float32, so that two exact zeros compare equal without 0/0)."""
    return 2 * np.asarray(bound, np.float64) + tiny
