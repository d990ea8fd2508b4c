"""Rounding bounds through Conv2d, the pools, Flatten, Dropout, BatchNorm1d and LayerNorm (notation as in
rounding.py: u the unit roundoff, gamma(n) = n u / (1 - n u), e_x the bound carried on the input x).

|L| below is the layer's linear map with |W| (all terms made positive), evaluated with manual's own float64
layer, so no window arithmetic is written twice. M counts the terms a gradient sums over.
    Conv2d      y = conv(x; W) + b      e_y = |conv|(e_x) + gamma(n+1) (|conv|(|x|) + |b|),  n = C_in kh kw
                dW = dy (x) x           e_dW = Wgrad(|x|, e_g) + Wgrad(e_x, |g| + e_g) + gamma(M) Wgrad(|x|, |g|)
                db = sum_M dy           e_db = sum e_g + gamma(M) sum |g|,  M = N OH OW
                dx = conv^T(dy; W)      e_dx = |conv^T|(e_g) + gamma(C_out kh kw) |conv^T|(|g|)
    MaxPool2d   y = max of the window   e_y = max of e_x over the window (the max of perturbed values)
                dx = dy at the first argmax (torch's and manual's tie rule, so ties of exact inputs are exact); where
                another element j may be the computed max (x_j + e_j >= max_k (x_k - e_k)) the gradient may
                land on it instead: |g| + e_g on every such candidate; overlapping windows add gamma(overlaps)
    AvgPool2d   y = sum / divisor       e_y = avg(e_x) + gamma(K+1) avg(|x|),  K = kh kw
                dx = spread dy/divisor  e_dx = avg^T(e_g) + gamma(K+1) avg^T(|g|)
    Flatten     a reshape: exact        Dropout  y = x * mask/(1-p): e_y = e_x s + 4u |y| (1-p, the division,
                                        the product), s = mask/(1-p) of the step's own mask (layer.last_mask)
Normalisation (BatchNorm1d in training and LayerNorm over m values; F = r (|x| + |mean|) >= |xhat| is the size
of the terms before the centring cancels, which torch's folded forms (x alpha + beta; LayerNorm's backward in
x, not x - mean) round at):
    mean        e_mu = mean(e_x) + gamma(m+1) mean(|x|)
    variance    e_var = mean(2 |c| e_c + e_c^2) + gamma(m+2) mean(x^2),  c = x - mu, e_c = e_x + e_mu + u |c|:
                the last term is the one-pass formula's cancellation (relative error gamma(m) mean(x^2)/var);
                two-pass programs (NumPy, torch's BatchNorm) stay well inside it, Welford (torch's LayerNorm) too
    r = (var + eps)^-1/2   e_r = r (d/2 + d^2 + 4u),  d = e_var / (var + eps)
    xhat = c r             e_xhat = e_c r + |c| e_r + u |xhat|;   y = xhat w + b: e_y = |w| e_xhat + 3u (|w| F + |b|)
    backward    dx = r/m (m dxh - S1 - xhat S2), dxh = g w, S1 = sum dxh, S2 = sum dxh xhat: each sum carries
                its terms' bounds plus gamma(m+2) of |terms| (F for xhat), the combination 4u of its terms
    dw = sum g xhat: e = sum(e_g |xhat| + (|g| + e_g) e_xhat) + gamma(M+2) sum |g| F;  db as Conv2d's
Products of two bounds (e_g e_xhat) are kept: where xhat or g is exactly 0 (LayerNorm over one value, a dead
ReLU) the first-order terms vanish and they are all that is left.
BatchNorm1d in evaluation: xhat = (x - running_mean) r_run from exact buffers: e_xhat = e_x r + 4u F.
Softmax and LogSoftmax over the last axis (c values; e_l the log-softmax bound of rounding_losses: the inputs'
error through the row and the rounding of the shift, the c-term sum, log and exp):
    LogSoftmax  y = l = x - max - log sum exp     e_y = e_l
                dx = g - p S, S = sum g           e_S = sum e_g + gamma(c) sum |g|,  e_p = p (e_l + 8u)
                                                  e_dx = e_g + p e_S + e_p (|S| + e_S) + 2u (|g| + p |S|)
    Softmax     y = s = exp(l)                    e_s = s (e_l + 8u)
                dx = s d, d = g - T, T = sum g s  e_T = sum(e_g s + (|g| + e_g) e_s) + gamma(c) sum |g s|,
                                                  e_d = e_T + e_g + u |d|,  e_dx = e_s (|d| + e_d) + s e_d + u |dx|
Training BatchNorm1d also reports the batch mean and unbiased variance its running buffers move toward, with
their bounds (`stats`), for the shadow check to judge running_mean/running_var by.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from manual.conv import Conv2d
from manual.dropout import Dropout, keep_scale
from manual.flatten import Flatten
from manual.norm import BatchNorm1d, LayerNorm
from manual.pool import AvgPool2d, MaxPool2d
from manual.softmax import LogSoftmax, Softmax
from manual.windows import add_windows, crop, effective, pad, window_view

from .rounding_losses import log_softmax_bounds
from .roundoff import TRANSCENDENTAL_ULPS, gamma

Back = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]]


@dataclass
class LayerStep:
    """A layer's output and its bound, and `back(g, e_g) -> (g_in, e_in, {param: bound of its gradient})`;
    `stats`: {buffer: (batch statistic, its bound)} for a BatchNorm1d that updates running statistics."""

    out: np.ndarray
    e_out: np.ndarray
    back: Back
    stats: dict = field(default_factory=dict)


def _conv64(layer: Conv2d, weight: np.ndarray, bias=None) -> Conv2d:
    """A float64 Conv2d of `layer`'s geometry holding `weight` (and `bias`)."""
    conv = Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride, layer.padding,
                  layer.dilation, bias=bias is not None, dtype=np.float64)
    conv.params["weight"] = weight
    if bias is not None:
        conv.params["bias"] = bias
    return conv


def conv2d(layer: Conv2d, p: dict, x, e_x, u: float) -> LayerStep:
    W, b = p["weight"], p.get("bias")
    exact, size, spread = _conv64(layer, W, b), _conv64(layer, np.abs(W)), _conv64(layer, np.abs(W))
    n = W[0].size
    y = exact.forward(x)
    a_b = 0.0 if b is None else np.abs(b)[:, None, None]
    e_y = spread.forward(e_x) + gamma(n + 1, u) * (size.forward(np.abs(x)) + a_b)

    def back(g, e_g):
        ag, m = np.abs(g), g.size // g.shape[1]
        e_in = size.backward(e_g)                            # |conv^T|(e_g); sets Wgrad(|x|, e_g)
        wg_e = size.grads["weight"]
        e_in = e_in + gamma(W.shape[0] * W[0, 0].size, u) * size.backward(ag)
        spread.backward(ag + e_g, need_input_grad=False)     # Wgrad(e_x, |g| + e_g): the product of errors too
        grads = {"weight": wg_e + spread.grads["weight"] + gamma(m, u) * size.grads["weight"]}
        if b is not None:
            grads["bias"] = e_g.sum(axis=(0, 2, 3)) + gamma(m, u) * ag.sum(axis=(0, 2, 3))
        return exact.backward(g), e_in, grads
    return LayerStep(y, e_y, back)


def _windows(pool, x: np.ndarray, fill: float) -> np.ndarray:
    """(N, C, OH, OW, KH*KW) windows of x padded with `fill`, in `pool`'s geometry."""
    out = pool.output_shape(x.shape)[2:]
    xp = pad(x, pool.padding, fill, out, pool.stride, effective(pool.kernel_size, pool.dilation))
    win = window_view(xp, pool.kernel_size, pool.stride, pool.dilation, out)
    return win.reshape(*win.shape[:4], -1)


def _add_back(pool, dwin: np.ndarray, x_shape: tuple) -> np.ndarray:
    """Each window's (N, C, OH, OW, KH*KW) gradient added back onto x's shape."""
    out = pool.output_shape(x_shape)
    span = effective(pool.kernel_size, pool.dilation)
    padded = pad(np.zeros((1, 1, *x_shape[2:])), pool.padding, 0.0, out[2:], pool.stride, span).shape
    dxp = add_windows(dwin.reshape(*out, *pool.kernel_size), (*x_shape[:2], *padded[2:]), pool.stride, pool.dilation)
    return crop(dxp, pool.padding, x_shape[2:])


def _overlaps(pool) -> int:
    """How many windows may cover one input element (1: the windows do not overlap, the adds are exact)."""
    span = effective(pool.kernel_size, pool.dilation)
    return int(np.prod([-(-k // s) for k, s in zip(span, pool.stride)]))


def max_pool2d(layer: MaxPool2d, p: dict, x, e_x, u: float) -> LayerStep:
    win, e_win = _windows(layer, x, -np.inf), _windows(layer, e_x, 0.0)
    arg = win.argmax(axis=-1)
    y = np.take_along_axis(win, arg[..., None], axis=-1)[..., 0]
    e_y = np.where(np.isfinite(win), e_win, 0.0).max(axis=-1)
    lowest = (win - e_win).max(axis=-1, keepdims=True)
    first = np.arange(win.shape[-1]) == arg[..., None]
    exact = e_win.max(axis=-1, keepdims=True) == 0          # exact inputs: a tie is broken alike everywhere
    cand = np.where(exact, first, win + e_win >= lowest)     # may be the computed max of the window
    moves = cand & (cand.sum(axis=-1, keepdims=True) > 1)
    over = gamma(_overlaps(layer) - 1, u)

    def back(g, e_g):
        ag = np.abs(g)[..., None]
        dx = _add_back(layer, first * g[..., None], x.shape)
        e_in = first * e_g[..., None] + moves * (ag + e_g[..., None]) + over * cand * ag
        return dx, _add_back(layer, e_in, x.shape), {}
    return LayerStep(y, e_y, back)


def avg_pool2d(layer: AvgPool2d, p: dict, x, e_x, u: float) -> LayerStep:
    pool = AvgPool2d(layer.kernel_size, layer.stride, layer.padding, layer.ceil_mode, layer.count_include_pad)
    c = gamma(int(np.prod(layer.kernel_size)) + 1, u)
    e_y = pool.forward(e_x) + c * pool.forward(np.abs(x))
    y = pool.forward(x)

    def back(g, e_g):
        return pool.backward(g), pool.backward(e_g) + c * pool.backward(np.abs(g)), {}
    return LayerStep(y, e_y, back)


def flatten(layer: Flatten, p: dict, x, e_x, u: float) -> LayerStep:
    shape = layer.output_shape(x.shape)

    def back(g, e_g):
        return g.reshape(x.shape), e_g.reshape(x.shape), {}
    return LayerStep(x.reshape(shape), e_x.reshape(shape), back)


def dropout(layer: Dropout, p: dict, x, e_x, u: float) -> LayerStep:
    if not layer.training or layer.p == 0.0:
        return LayerStep(x, e_x, lambda g, e_g: (g, e_g, {}))
    mask = layer.last_mask if layer.last_mask is not None else layer.mask
    if mask is None and layer.p < 1.0:
        raise TypeError(f"no rounding rule for {layer.describe()} before its first forward: the bound needs the "
                        "step's mask (run the step first, or fix layer.mask)")
    s = keep_scale(np.zeros(x.shape, bool) if layer.p == 1.0 else mask, layer.p, np.float64)
    y = x * s

    def back(g, e_g):
        return g * s, e_g * s + 4 * u * np.abs(g * s), {}
    return LayerStep(y, e_x * s + 4 * u * np.abs(y), back)


@dataclass
class _Moments:
    """xhat = (x - mean) r, r = (var + eps)^-1/2, each with its bound; F = r (|x| + |mean|)."""

    mean: np.ndarray
    e_mean: np.ndarray
    var: np.ndarray
    e_var: np.ndarray
    r: np.ndarray
    e_r: np.ndarray
    xhat: np.ndarray
    e_xhat: np.ndarray
    F: np.ndarray


def _moments(x, e_x, axes: tuple, eps: float, u: float) -> _Moments:
    m = int(np.prod([x.shape[a] for a in axes]))
    mean = x.mean(axis=axes, keepdims=True)
    e_mean = e_x.mean(axis=axes, keepdims=True) + gamma(m + 1, u) * np.abs(x).mean(axis=axes, keepdims=True)
    c = x - mean
    e_c = e_x + e_mean + u * np.abs(c)
    var = (c * c).mean(axis=axes, keepdims=True)
    e_var = (2 * np.abs(c) * e_c + e_c * e_c).mean(axis=axes, keepdims=True) \
        + gamma(m + 2, u) * (x * x).mean(axis=axes, keepdims=True)
    r = 1 / np.sqrt(var + eps)
    d = e_var / (var + eps)
    e_r = r * (d / 2 + d * d + 4 * u)
    xhat = c * r
    return _Moments(mean, e_mean, var, e_var, r, e_r, xhat, e_c * r + np.abs(c) * e_r + u * np.abs(xhat),
                    r * (np.abs(x) + np.abs(mean)))


def _normalise_back(dxh, e_dxh, mo: _Moments, axes: tuple, u: float) -> tuple[np.ndarray, np.ndarray]:
    """dx = r/m (m dxh - S1 - xhat S2) and its bound."""
    m = int(np.prod([dxh.shape[a] for a in axes]))
    s = lambda a: a.sum(axis=axes, keepdims=True)            # noqa: E731
    a_dxh = np.abs(dxh)
    S1, S2 = s(dxh), s(dxh * mo.xhat)
    e_S1 = s(e_dxh) + gamma(m + 2, u) * s(a_dxh)
    e_S2 = s(e_dxh * np.abs(mo.xhat) + (a_dxh + e_dxh) * mo.e_xhat) + gamma(m + 2, u) * s(a_dxh * mo.F)
    T = m * dxh - S1 - mo.xhat * S2
    e_T = (m * e_dxh + e_S1 + mo.e_xhat * (np.abs(S2) + e_S2) + np.abs(mo.xhat) * e_S2
           + 4 * u * (m * a_dxh + np.abs(S1) + mo.F * np.abs(S2)))
    dx = mo.r / m * T
    return dx, (mo.e_r * np.abs(T) + mo.r * e_T) / m + 3 * u * np.abs(dx)


def _affine(p: dict, view: tuple, xhat, e_xhat, F, u: float):
    """y = xhat w + b and its bound, and the backward of the affine part: (dxh, e_dxh, grads bounds) from g."""
    w = p["weight"].reshape(view) if "weight" in p else np.ones(())
    b = p["bias"].reshape(view) if "bias" in p else np.zeros(())
    y = xhat * w + b
    e_y = np.abs(w) * e_xhat + 3 * u * (np.abs(w) * F + np.abs(b)) + u * np.abs(y)

    def back(g, e_g, axes):
        ag, total = np.abs(g), int(np.prod([g.shape[a] for a in axes]))
        grads = {}
        if "weight" in p:
            grads["weight"] = ((e_g * np.abs(xhat) + (ag + e_g) * e_xhat).sum(axis=axes)
                               + gamma(total + 2, u) * (ag * F).sum(axis=axes)).reshape(p["weight"].shape)
        if "bias" in p:
            grads["bias"] = (e_g.sum(axis=axes) + gamma(total, u) * ag.sum(axis=axes)).reshape(p["bias"].shape)
        dxh = g * w
        return dxh, e_g * np.abs(w) + u * np.abs(dxh), grads
    return y, e_y, back


def batch_norm1d(layer: BatchNorm1d, p: dict, x, e_x, u: float) -> LayerStep:
    axes, view = ((0,), (1, -1)) if x.ndim == 2 else ((0, 2), (1, -1, 1))
    if layer.training or not layer.track_running_stats:
        mo = _moments(x, e_x, axes, layer.eps, u)
        y, e_y, affine_back = _affine(p, view, mo.xhat, mo.e_xhat, mo.F, u)

        def back(g, e_g):
            dxh, e_dxh, grads = affine_back(g, e_g, axes)
            return (*_normalise_back(dxh, e_dxh, mo, axes, u), grads)
        stats = {}
        if layer.training and layer.track_running_stats:
            m = x.size // layer.num_features
            unbiased = m / (m - 1)
            stats = {"running_mean": (mo.mean.reshape(-1), mo.e_mean.reshape(-1)),
                     "running_var": (mo.var.reshape(-1) * unbiased, (mo.e_var.reshape(-1) + 2 * u * mo.var.reshape(-1))
                                     * unbiased)}
        return LayerStep(y, e_y, back, stats)
    mean, var = (np.asarray(layer.buffers[k], np.float64).reshape(view) for k in ("running_mean", "running_var"))
    r = 1 / np.sqrt(var + layer.eps)
    xhat, F = (x - mean) * r, r * (np.abs(x) + np.abs(mean))
    y, e_y, affine_back = _affine(p, view, xhat, e_x * r + 4 * u * F, F, u)

    def back_eval(g, e_g):
        dxh, e_dxh, grads = affine_back(g, e_g, axes)
        return dxh * r, e_dxh * r + 3 * u * np.abs(dxh * r), grads
    return LayerStep(y, e_y, back_eval)


def layer_norm(layer: LayerNorm, p: dict, x, e_x, u: float) -> LayerStep:
    k = len(layer.normalized_shape)
    axes, leading = tuple(range(x.ndim - k, x.ndim)), tuple(range(x.ndim - k))
    mo = _moments(x, e_x, axes, layer.eps, u)
    y, e_y, affine_back = _affine(p, layer.normalized_shape, mo.xhat, mo.e_xhat, mo.F, u)

    def back(g, e_g):
        dxh, e_dxh, grads = affine_back(g, e_g, leading)
        return (*_normalise_back(dxh, e_dxh, mo, axes, u), grads)
    return LayerStep(y, e_y, back)


def _rows(layer, x: np.ndarray) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]:
    """x with the layer's axis moved last and the rest flattened into rows, and the map back to x's shape."""
    moved = np.moveaxis(x, layer.dim, -1)
    return moved.reshape(-1, moved.shape[-1]), lambda r: np.moveaxis(r.reshape(moved.shape), -1, layer.dim)


def _normalised_rows(layer, x, e_x, u):
    (rx, back_shape), (re, _) = _rows(layer, x), _rows(layer, e_x)
    logp, e_logp, p = log_softmax_bounds(rx, re, u)
    return logp, e_logp, p, back_shape


def log_softmax(layer: LogSoftmax, p: dict, x, e_x, u: float) -> LayerStep:
    logp, e_l, prob, shape = _normalised_rows(layer, x, e_x, u)
    c, e_p = logp.shape[1], prob * (e_l + TRANSCENDENTAL_ULPS * u)

    def back(g, e_g):
        (g, _), (e_g, _) = _rows(layer, g), _rows(layer, e_g)
        S = g.sum(axis=1, keepdims=True)
        e_S = e_g.sum(axis=1, keepdims=True) + gamma(c, u) * np.abs(g).sum(axis=1, keepdims=True)
        e_dx = e_g + prob * e_S + e_p * (np.abs(S) + e_S) + 2 * u * (np.abs(g) + prob * np.abs(S))
        return shape(g - prob * S), shape(e_dx), {}
    return LayerStep(shape(logp), shape(e_l), back)


def softmax(layer: Softmax, p: dict, x, e_x, u: float) -> LayerStep:
    logp, e_l, s, shape = _normalised_rows(layer, x, e_x, u)
    c, e_s = logp.shape[1], s * (e_l + TRANSCENDENTAL_ULPS * u)

    def back(g, e_g):
        (g, _), (e_g, _) = _rows(layer, g), _rows(layer, e_g)
        T = (g * s).sum(axis=1, keepdims=True)
        e_T = ((e_g * s + (np.abs(g) + e_g) * e_s).sum(axis=1, keepdims=True)
               + gamma(c, u) * np.abs(g * s).sum(axis=1, keepdims=True))
        d = g - T
        e_d = e_T + e_g + u * np.abs(d)
        dx = s * d
        return shape(dx), shape(e_s * (np.abs(d) + e_d) + s * e_d + u * np.abs(dx)), {}
    return LayerStep(shape(s), shape(e_s), back)


RULES = ((Conv2d, conv2d), (MaxPool2d, max_pool2d), (AvgPool2d, avg_pool2d), (Flatten, flatten),
         (Dropout, dropout), (BatchNorm1d, batch_norm1d), (LayerNorm, layer_norm),
         (Softmax, softmax), (LogSoftmax, log_softmax))


def layer_bounds(layer, p: dict[str, np.ndarray], x: np.ndarray, e_x: np.ndarray, u: float) -> LayerStep:
    """The bound rule of `layer` (its parameters `p` in float64, by key) at input x with bound e_x."""
    for kind, rule in RULES:
        if isinstance(layer, kind):
            return rule(layer, p, x, e_x, u)
    raise TypeError(f"no rounding rule for {layer.describe()}")


__all__ = ["LayerStep", "RULES", "layer_bounds"]
