"""Rounding bounds of a loss: its value and dL/dyhat, each with a bound on |computed - exact|, given the
prediction's own bound e_yhat (see rounding.py for the notation: u the unit roundoff, gamma(n) = n u).

Each rule propagates e_yhat through the loss's first derivative (its Lipschitz factor near yhat) and adds
the loss's own rounding: a few u of each term, gamma(M) of the reduction's sum. Where the loss is not
smooth (L1's sign, a class's argmax does not matter), a kink within e of the prediction is a full jump.
"""
from __future__ import annotations

import copy

import numpy as np

import manual

from .roundoff import TRANSCENDENTAL_ULPS, gamma

Bounds = tuple[float, float, np.ndarray, np.ndarray]   # L, e_L, dL/dyhat, its bound


def _reduce(terms: np.ndarray, e_terms: np.ndarray, coef: float, u: float,
            signed: bool = True) -> tuple[float, float]:
    """L = coef * sum(terms) and its bound: each term's own, gamma(M) of the sum, u of the scaling
    (signed=False: the terms are >= 0, their sum is that of their magnitudes)."""
    total = terms.sum()
    value = coef * total
    size = np.abs(terms).sum() if signed else total
    return value, coef * (e_terms.sum() + gamma(terms.size, u) * size) + 2 * u * abs(value)


def _scalar_reduction(loss) -> None:
    if loss.reduction == "none":
        raise TypeError(f"no rounding rule for {loss.describe()}: a per-element loss is not one number to judge")


def mse(loss, yhat, e_yhat, y, u) -> Bounds:
    m, n = yhat.size, yhat.shape[0]
    _scalar_reduction(loss)
    coef = {"mean": 1.0 / m, "sum": 1.0, "half_sum": 0.5, "half_mean": 0.5 / m,
            "half_sum_mean": 0.5 / n}[loss.reduction]
    r = yhat - y
    abs_r = np.abs(r)
    e_r = e_yhat + u * abs_r
    sq = r * r
    value, e_value = _reduce(sq, 2 * abs_r * e_r + e_r * e_r + u * sq, coef, u, signed=False)
    g = 2 * coef * r
    return value, e_value, g, 2 * coef * e_r + 4 * u * np.abs(g)


def bce(loss, yhat, e_yhat, y, u) -> Bounds:
    """Linearised through log p and log(1 - p); where p lies within its bound of 0 or 1 a float32 p may round
    onto it, log then hits torch's clamp (-100) and 1/max(p(1 - p), eps) its eps: that whole gap is allowed."""
    _scalar_reduction(loss)
    coef = 1.0 / yhat.size if loss.reduction == "mean" else 1.0
    p = np.clip(yhat, 0.0, 1.0)
    with np.errstate(divide="ignore"):
        lp, l1p = np.maximum(np.log(p), -100.0), np.maximum(np.log1p(-p), -100.0)
    terms = -(y * lp + (1 - y) * l1p)
    q = np.maximum(p * (1 - p), loss.EPS)
    slope = np.abs(y) / np.maximum(p, loss.EPS) + np.abs(1 - y) / np.maximum(1 - p, loss.EPS)
    e_p = e_yhat + u
    at_0, at_1 = p - e_p <= 0, p + e_p >= 1
    own = TRANSCENDENTAL_ULPS * u * (np.abs(y * lp) + np.abs((1 - y) * l1p))
    e_terms = np.where(at_0 | at_1, 0.0, slope * e_p) + own
    e_terms += at_0 * np.abs(y) * (100 + lp) + at_1 * np.abs(1 - y) * (100 + l1p)     # down to the clamp
    value, e_value = _reduce(terms, e_terms, coef, u)
    g = coef * (p - y) / q
    dg = coef * np.abs(q - (p - y) * (1 - 2 * p)) / (q * q)   # |d g / d p|
    e_g = np.where(at_0 | at_1, coef * (np.abs(p - y) + e_p) / loss.EPS, dg * e_yhat) + 6 * u * np.abs(g)
    return value, e_value, g, e_g


def bce_with_logits(loss, x, e_x, y, u) -> Bounds:
    _scalar_reduction(loss)
    coef = 1.0 / x.size if loss.reduction == "mean" else 1.0
    pw = 1.0 if loss.pos_weight is None else np.asarray(loss.pos_weight, np.float64)
    w = 1 + (pw - 1) * y
    soft = np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)
    terms = (1 - y) * x + w * soft
    s = 1 / (1 + np.exp(-x))
    slope = w * s - pw * y                                     # dl/dx
    own = TRANSCENDENTAL_ULPS * u * (np.abs((1 - y) * x) + np.abs(w * soft))
    e_terms = (np.abs(slope) + np.abs(w) * e_x) * e_x + own
    value, e_value = _reduce(terms, e_terms, coef, u)
    g = coef * slope
    e_g = coef * (np.abs(w) * (s * (1 - s) + e_x) * e_x + TRANSCENDENTAL_ULPS * u * (np.abs(w * s) + np.abs(pw * y)))
    return value, e_value, g, e_g


def _robust_slope(loss, d):
    """dl/dd and where the slope jumps (L1's sign at 0, SmoothL1 with beta 0)."""
    if isinstance(loss, manual.L1Loss) or (isinstance(loss, manual.SmoothL1Loss) and loss.beta == 0):
        return np.sign(d), 0.0, 1.0                                 # slope, its Lipschitz factor, jump / 2
    if isinstance(loss, manual.SmoothL1Loss):
        return np.clip(d / loss.beta, -1, 1), 1 / loss.beta, 0.0
    return np.clip(d, -loss.delta, loss.delta), 1.0, 0.0        # Huber


def robust(loss, yhat, e_yhat, y, u) -> Bounds:
    """L1, SmoothL1, Huber: Lipschitz in d = yhat - y; the sign flips within e_d of 0 for L1."""
    _scalar_reduction(loss)
    coef = 1.0 / yhat.size if loss.reduction == "mean" else 1.0
    d = yhat - y
    e_d = e_yhat + u * np.abs(d)
    terms = copy.copy(loss).terms(d, np.zeros_like(d))     # terms() caches: not on the caller's loss
    slope, lipschitz, half_jump = _robust_slope(loss, d)
    value, e_value = _reduce(terms, np.abs(slope) * e_d + lipschitz * e_d * e_d + 4 * u * np.abs(terms), coef, u)
    g = coef * slope
    e_g = coef * (lipschitz * e_d + 2 * half_jump * (np.abs(d) <= e_d)) + 4 * u * np.abs(g)
    return value, e_value, g, e_g


def log_softmax_bounds(x, e_x, u):
    """log p = x - max - log(sum(exp(x - max))) per row, its bound, and p."""
    shifted = x - x.max(axis=1, keepdims=True)
    s = np.exp(shifted).sum(axis=1, keepdims=True)
    logp = shifted - np.log(s)
    p = np.exp(logp)
    c = x.shape[1]
    # |d log p_c| <= |dx_c| + sum_j p_j |dx_j|, plus the max's own error
    e_in = e_x + (p * e_x).sum(axis=1, keepdims=True) + e_x.max(axis=1, keepdims=True)
    e_round = u * (2 * np.abs(shifted) + np.abs(np.log(s)) + np.abs(logp)) + gamma(c, u) + TRANSCENDENTAL_ULPS * u
    return logp, e_in + e_round, p


def cross_entropy(loss, x, e_x, y, u) -> Bounds:
    """l_n = sum_c G[n, c] log p[n, c] with G the (exact) target weights; dL/dx = G' - p sum G'."""
    _scalar_reduction(loss)
    logp, e_logp, p = log_softmax_bounds(x, e_x, u)
    probe = copy.copy(loss)             # its own cache: the caller's loss object is left as it was
    probe.forward(x, y)
    G, den = probe.cache["G"], float(probe.cache["den"])
    coef = 1.0 if loss.reduction == "sum" else 1.0 / den
    per_row = (G * logp).sum(axis=1)
    e_rows = ((np.abs(G) * (e_logp + 2 * u * np.abs(logp))).sum(axis=1)
              + gamma(x.shape[1], u) * np.abs(G * logp).sum(axis=1))
    value, e_value = _reduce(per_row, e_rows, coef, u)
    Gs = coef * G
    total = Gs.sum(axis=1, keepdims=True)
    g = Gs - p * total
    e_p = p * (e_logp + TRANSCENDENTAL_ULPS * u)
    e_g = 4 * u * np.abs(Gs) + e_p * np.abs(total) + p * gamma(x.shape[1], u) * np.abs(Gs).sum(axis=1, keepdims=True)
    return value, e_value, g, e_g + 2 * u * np.abs(g)


def nll(loss, x, e_x, y, u) -> Bounds:
    _scalar_reduction(loss)
    probe = copy.copy(loss)
    probe.forward(x, y)
    G = probe.backward()
    terms = G * x
    value, e_value = _reduce(terms, np.abs(G) * e_x + u * np.abs(terms), 1.0, u)
    return value, e_value, G, 2 * u * np.abs(G)


RULES = ((manual.MSELoss, mse), (manual.BCELoss, bce), (manual.BCEWithLogitsLoss, bce_with_logits),
         (manual.CrossEntropyLoss, cross_entropy), (manual.NLLLoss, nll),
         ((manual.L1Loss, manual.SmoothL1Loss, manual.HuberLoss), robust))


def loss_bounds(loss, yhat: np.ndarray, e_yhat: np.ndarray, y: np.ndarray, u: float) -> Bounds:
    """(L, e_L, dL/dyhat, its bound) in float64 for a manual loss at the prediction yhat (bound e_yhat)."""
    for kind, rule in RULES:
        if isinstance(loss, kind):
            return rule(loss, yhat, e_yhat, y if y.dtype.kind in "iu" else np.asarray(y, np.float64), u)
    raise TypeError(f"no rounding rule for {loss.describe()}")
