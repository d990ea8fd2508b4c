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

step_bounds evaluates each Linear's sums as few products as the algebra allows (the forms in _linear_forward
and _linear_backward: (e_a + gamma |a|) @ |W|, |a|.T @ (e_g + gamma |g|), (e_g + gamma |g|) @ |W|.T), equal to
these up to float64 rounding, and stops the backward pass at the lowest layer with parameters.

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
from manual.select import select

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
    """A layer's input a and its bound e_a (None: exact, the data itself); for a Linear also |a|, W and |W|,
    computed once for both passes."""

    a: np.ndarray
    e_a: np.ndarray | None
    abs_a: np.ndarray | None = None
    W: np.ndarray | None = None
    abs_W: np.ndarray | None = None


def _mm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b: np.dot for matrices (less overhead), np.matmul for stacks of them (step_bounds_stacked)."""
    return np.dot(a, b) if a.ndim <= 2 and b.ndim <= 2 else np.matmul(a, b)


def _T(a: np.ndarray) -> np.ndarray:
    """The transpose of a matrix, or of each matrix in a stack."""
    return a.T if a.ndim == 2 else np.swapaxes(a, -1, -2)


def _linear_forward(fwd: _Fwd, b: np.ndarray, u: float) -> tuple[np.ndarray, np.ndarray]:
    """z = a @ W + b and e_z = e_a @ |W| + gamma(n+1) (|a| @ |W| + |b|), summed as one product:
    (e_a + gamma |a|) @ |W| + gamma |b|."""
    gam = gamma(fwd.W.shape[-2] + 1, u)
    fwd.abs_a, fwd.abs_W = np.abs(fwd.a), np.abs(fwd.W)
    spread = gam * fwd.abs_a
    if fwd.e_a is not None:
        spread += fwd.e_a                   # in place (as every += here): no temporary, the same sums
    z, e_z = _mm(fwd.a, fwd.W), _mm(spread, fwd.abs_W)
    z += b[..., None, :]                    # (a stack's b is (K, n_out): one row per matrix)
    e_z += gam * np.abs(b)[..., None, :]
    return z, e_z


def _linear_backward(fwd: _Fwd, g, e_g, u: float, grads: dict, i: int, need_input_grad: bool):
    """dW, db's bounds into grads, each merged into one product: e_dW = |a|.T @ (e_g + gamma(N) |g|)
    + e_a.T @ (|g| + e_g) (no second term for exact data), e_db = 1 @ (e_g + gamma(N) |g|); and, where a layer
    below reads it, g_in = g @ W.T with e_in = (e_g + gamma(n_out) |g|) @ |W|.T. np.dot, not @: the same
    numbers with less overhead (an outer product, one output, ~4x faster). |W|.T is made contiguous (BLAS multiplies
    by a transposed operand more slowly); W.T is not, so g_in sums in g @ W.T's order, bit for bit."""
    ag = np.abs(g)
    t = gamma(fwd.a.shape[-2], u) * ag
    t += e_g
    e_dW = _mm(_T(fwd.abs_a), t)
    if fwd.e_a is not None:
        e_dW += _mm(_T(fwd.e_a), ag + e_g)
    grads[f"{i}.weight"], grads[f"{i}.bias"] = e_dW, _mm(np.ones(t.shape[-2]), t)
    if not need_input_grad:
        return None, None
    np.multiply(ag, gamma(fwd.W.shape[-1], u), out=t)
    t += e_g
    return _mm(g, _T(fwd.W)), _mm(t, np.ascontiguousarray(_T(fwd.abs_W)))


def _activation_forward(layer, z, e_z, u):
    """a = f(z) and its bound; the Lipschitz factor is |f'| at z plus e_z times a bound on |f''|."""
    if isinstance(layer, manual.ReLU):
        return np.maximum(z, 0.0), e_z
    if isinstance(layer, manual.LeakyReLU):
        s = layer.slope
        return select(z > 0, z, s * z), e_z * max(1.0, abs(s)) + u * abs(s) * np.abs(z)
    if isinstance(layer, manual.Sigmoid):
        a = 1.0 / (1.0 + np.exp(-z))
        return a, (a * (1 - a) + 0.1 * e_z) * e_z + TRANSCENDENTAL_ULPS * u * a
    if isinstance(layer, manual.Tanh):
        a = np.tanh(z)
        return a, (1 - a * a + 0.77 * e_z) * e_z + TRANSCENDENTAL_ULPS * u * np.abs(a)
    if isinstance(layer, manual.Identity):
        return z, e_z
    return forward_bound(layer.chosen, z, e_z, u)


def _kink_backward(z, e_z, g, e_g, s: float, u: float):
    """LeakyReLU at slope s (ReLU: s = 0): g_in = g d, d = 1 where z > 0, else s; flip = |z| <= e_z, where the
    mask may differ between two correct programs: e_in = e_g (max(1, |s|) where flip, else |d|)
    + KINK_JUMPS |1 - s| |g| [flip] + u |s| |g| (magnitudes: a negative slope is allowed, as torch allows it).
    For 0 <= s <= 1 the selections are maxima of 0/1 masks (exact)."""
    flip = (np.abs(z) <= e_z).astype(np.float64)
    d = (z > 0).astype(np.float64)
    unit = 0 <= s <= 1
    if s != 0:
        d = np.maximum(d, s) if unit else np.where(d > 0, 1.0, s)
    keep = np.maximum(d, flip) if unit else np.where(flip > 0, max(1.0, abs(s)), np.abs(d))
    ag = np.abs(g)
    slope_term = u * abs(s) * ag if s != 0 else None
    ag *= KINK_JUMPS * abs(1 - s)           # in place from here: the jump, then e_in in keep
    ag *= flip
    keep *= e_g
    keep += ag
    if slope_term is not None:
        keep += slope_term
    return g * d, keep


def _activation_backward(layer, fwd: _Fwd, out: np.ndarray, e_out: np.ndarray, g, e_g, u):
    """g_in = g * f'(z) and its bound; fwd holds z (the layer's input), out/e_out the activation a. For Sigmoid
    and Tanh (f' >= 0) the bound's last two terms share |g|: |g| e_f' + 2u |g f'| = |g| (e_f' + 2u f')."""
    z, e_z = fwd.a, fwd.e_a
    if isinstance(layer, manual.Identity):
        return g, e_g
    if isinstance(layer, (manual.ReLU, manual.LeakyReLU)):
        return _kink_backward(z, e_z, g, e_g, layer.slope if isinstance(layer, manual.LeakyReLU) else 0.0, u)
    if isinstance(layer, manual.Sigmoid):
        d = out * (1 - out)
        e_d = np.abs(1 - 2 * out) * e_out + e_out * e_out + 4 * u * d
    elif isinstance(layer, manual.Tanh):
        d = 1 - out * out
        e_d = 2 * np.abs(out) * e_out + e_out * e_out + (2 * u + 2 * u * d)
    else:
        return backward_bound(layer.chosen, z, e_z, g, e_g, u)
    return g * d, e_g * d + np.abs(g) * e_d


def step_bounds(net: manual.Sequential, params: dict[str, np.ndarray], loss, X: np.ndarray,
                y: np.ndarray) -> StepBounds:
    """Bounds for one forward/backward of `net`'s architecture at `params` (by state_dict name) on (X, y),
    in net.dtype's rounding. Computed in float64 from the given (already rounded) weights and data; a Dropout
    layer's mask is the one its last forward used, a BatchNorm1d in evaluation reads its running buffers."""
    u = unit_roundoff(net.dtype)
    return _step_bounds(net, params, X, lambda a, e_a: loss_bounds(loss, a, e_a, y, u))


def step_bounds_stacked(net: manual.Sequential, params: dict[str, np.ndarray], loss, X: np.ndarray,
                        y: np.ndarray) -> list[StepBounds]:
    """step_bounds for K steps at once (a net of Linear layers and activations): each parameter stacked
    (K, *shape), X (K, N, n_in), y (K, N, ...); the products as stacks (np.matmul), the loss step by step.
    The same bounds as K calls of step_bounds up to float64 rounding, in a fraction of the NumPy calls."""
    if any(not isinstance(layer, (manual.Linear, Activation)) for layer in net.layers):
        raise TypeError("step_bounds_stacked takes Linear layers and activations only")
    u = unit_roundoff(net.dtype)

    def losses(a, e_a):
        each = [loss_bounds(loss, a[k], e_a[k], y[k], u) for k in range(len(a))]
        return (np.array([v for v, _, _, _ in each]), np.array([e for _, e, _, _ in each]),
                np.stack([g for _, _, g, _ in each]), np.stack([e_g for _, _, _, e_g in each]))

    b = _step_bounds(net, params, X, losses)
    return [StepBounds(loss=float(b.loss[k]), dyhat=b.dyhat[k], grads={n: v[k] for n, v in b.grads.items()},
                       output=b.output[k]) for k in range(len(X))]


def _step_bounds(net: manual.Sequential, params: dict[str, np.ndarray], X: np.ndarray, losses) -> StepBounds:
    """step_bounds' passes on input X; `losses(yhat, e_yhat)` gives the loss's (L, e_L, dL/dyhat, its bound)."""
    u = unit_roundoff(net.dtype)
    a, e_a = np.asarray(X, np.float64), None
    trace: list[_Fwd] = []
    others: dict[int, LayerStep] = {}       # the layers ruled by rounding_layers.py
    for i, layer in enumerate(net.layers):
        if isinstance(layer, manual.Linear):
            W, b = (np.asarray(params[f"{i}.{k}"], np.float64) for k in ("weight", "bias"))
            trace.append(_Fwd(a, e_a, W=W))
            a, e_a = _linear_forward(trace[i], b, u)
            continue
        e_a = np.zeros(a.shape) if e_a is None else e_a      # exact data, as the bound the rules below read
        trace.append(_Fwd(a, e_a))
        if not isinstance(layer, Activation):
            own = {k: np.asarray(params[f"{i}.{k}"], np.float64) for k in layer.params}
            others[i] = layer_bounds(layer, own, a, e_a, u)
            a, e_a = others[i].out, others[i].e_out
        else:
            a, e_a = _activation_forward(layer, a, e_a, u)
    value, e_value, g, e_g = losses(a, e_a)
    dyhat_bound, e_yhat = e_g, e_a
    grads: dict[str, np.ndarray] = {}
    out, e_out = a, e_a
    lowest = next((i for i, layer in enumerate(net.layers) if layer.params), len(net.layers))
    for i in reversed(range(lowest, len(net.layers))):     # below `lowest` no gradient reads g
        layer, fwd = net.layers[i], trace[i]
        if i in others:
            g, e_g, own = others[i].back(g, e_g)
            grads.update({f"{i}.{k}": v for k, v in own.items()})
        elif isinstance(layer, manual.Linear):
            g, e_g = _linear_backward(fwd, g, e_g, u, grads, i, need_input_grad=i > lowest)
        else:
            g, e_g = _activation_backward(layer, fwd, out, e_out, g, e_g, u)
        out, e_out = fwd.a, fwd.e_a
    stats = {f"{i}.{k}": v for i, step in others.items() for k, v in step.stats.items()}
    return StepBounds(loss=e_value if np.ndim(e_value) else float(e_value), dyhat=dyhat_bound, grads=grads,
                      stats=stats, output=e_yhat)


def allowance(bound, tiny: float = float(np.finfo(np.float32).tiny)):
    """How far two correct programs may differ: each within `bound` of the exact value, so 2 x bound
    (plus the smallest normal float32, so that two exact zeros compare equal without 0/0)."""
    return 2 * np.asarray(bound, np.float64) + tiny
