"""Name a layer's bug from its numbers: a wrong shape read against the shapes it could have come from, and a
wrong value against the layer's classic bugs (layer_check_bugs.py), then a constant factor (N x, 1/N x, -1 x,
c x) and a transpose. A hypothesis names a tensor only if it reproduces the learner's values, within the
check's rtol, on every probe where it can show; the evidence line says on how many and how closely.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..report import Diagnosis
from .labels import BAD_SHAPE, BIAS_NOT_SUMMED, TRANSPOSED, WRONG_SCALE, WRONG_SIGN, produces
from .layer_check_ops import LayerOp
from .layer_check_probes import LayerProbe
from .scale import best_ratio

produces(__name__, BAD_SHAPE, BIAS_NOT_SUMMED, TRANSPOSED, WRONG_SCALE, WRONG_SIGN)


@dataclass
class Seen:
    """One probe's values of one output: the learner's, torch's, and what the bugs predict from."""

    probe: LayerProbe
    yours: np.ndarray
    torch: np.ndarray
    context: tuple          # (arrays as float64, config, dout, TorchAnswer) for Bug.predict


def shape_diagnosis(op: LayerOp, probe: LayerProbe, name: str, got: tuple, want: tuple) -> Diagnosis:
    """Why an output has shape `got` where `want` belongs."""
    grad, n = f"d{name}", probe.N
    x = probe.arrays.get("x")
    if name == "x" and x is not None and x.ndim > 2 and got == (n, int(np.prod(x.shape[1:]))):
        return Diagnosis(BAD_SHAPE, f"dx is not reshaped to x's shape: it is {got}, the (N, D) of x.reshape(N, D); "
                                      f"return dx.reshape(x.shape), {want}")
    if name == "x" and op.config == "conv_param" and len(got) == 4 and got[:2] == want[:2] and \
            all(g == w + 2 * probe.config["pad"] for g, w in zip(got[2:], want[2:])):
        return Diagnosis(BAD_SHAPE, f"dx keeps the zero padding: {got} is the padded input's shape; crop it, "
                                      "dx_pad[:, :, pad:-pad, pad:-pad] (when pad > 0)")
    if len(got) == 2 and got == want[::-1]:
        return Diagnosis(TRANSPOSED, f"{grad} has shape {got}, the transpose of {want}")
    if len(want) == 1 and got == (1,) + want and n > 1:
        return Diagnosis(BAD_SHAPE, f"{grad} has shape {got}, not {name}'s {want}: summed over the batch with "
                                      f"keepdims=True; use .sum(axis=0) without keepdims (or reshape to {want})")
    if len(want) == 1 and len(got) >= 1 and got[0] == n and got[-1] == want[0]:
        return Diagnosis(BIAS_NOT_SUMMED, f"{grad} keeps one row per sample, {got}: sum it over the batch (axis 0)")
    if len(want) == 1 and got in ((), (1,)) and want != (1,):
        return Diagnosis(BIAS_NOT_SUMMED, f"{grad} is a single number: summed over every axis, not over the batch")
    if op.name == "conv" and name == "b" and len(got) > 1:
        return Diagnosis(BIAS_NOT_SUMMED, f"db has shape {got}: sum dout over N, H' and W' (axes 0, 2, 3)")
    return Diagnosis(BAD_SHAPE, f"{grad} has shape {got}; {grad} must have {name}'s shape, {want}")


def _close(a: np.ndarray, b: np.ndarray | None, rtol: float) -> bool:
    if b is None or np.shape(a) != np.shape(b):
        return False
    scale = max(float(np.max(np.abs(b), initial=0.0)), float(np.max(np.abs(a), initial=0.0)), 1e-300)
    return float(np.max(np.abs(np.asarray(a, np.float64) - b), initial=0.0)) <= rtol * scale


def _explains(seen: list[Seen], predict, rtol: float) -> int:
    """On how many probes the prediction shows and reproduces yours; 0 if it misses any probe, or cannot
    show on one where yours is wrong."""
    hits = 0
    for s in seen:
        pred = predict(s)
        if pred is None:
            if not _close(s.yours, s.torch, rtol):
                return 0
            continue
        if not _close(s.yours, pred, rtol):
            return 0
        hits += not _close(pred, s.torch, rtol)
    return hits


def _factor(seen: list[Seen], rtol: float, loss: bool) -> Diagnosis | None:
    ratios = [best_ratio(s.yours, s.torch) for s in seen]
    fits = [c is not None and _close(s.yours, c * s.torch, rtol) for c, s in zip(ratios, seen)]
    if not all(fits) or all(abs(c - 1) <= rtol for c in ratios):
        return None
    ns = [s.probe.N for s in seen]
    evidence = "ratio to torch " + ", ".join(f"{c:.4g} on {s.probe.name}" for c, s in zip(ratios, seen))
    named = (("N x", [float(n) for n in ns], "multiplied by N: " + (
                 "summed over the batch instead of averaged" if loss else "the layer should not rescale dout")),
             ("1/N x", [1.0 / n for n in ns], "divided by N: the 1/N of the loss's mean is already inside dout; the "
                                             "layer's backward only sums"),
             ("-1 x", [-1.0] * len(ns), "the sign is flipped"))
    for text, want, meaning in named:
        if all(abs(c - w) <= 10 * rtol * abs(w) for c, w in zip(ratios, want)) and (text == "-1 x" or len(set(ns)) > 1):
            return Diagnosis(WRONG_SIGN if text == "-1 x" else WRONG_SCALE, f"{text}: {meaning}", evidence)
    if all(abs(c - ratios[0]) <= 10 * rtol * abs(ratios[0]) for c in ratios):
        return Diagnosis(WRONG_SCALE, f"{ratios[0]:.4g} x, a constant factor", evidence)
    return None


def value_diagnosis(op: LayerOp, output: str, seen: list[Seen], rtol: float) -> Diagnosis | None:
    """The first hypothesis that reproduces every failing probe of `output` ('dx', 'out', 'loss', ...)."""
    for bug in (b for b in op.bugs if b.output == output):
        hits = _explains(seen, lambda s: bug.predict(*s.context), rtol)
        if hits:
            return Diagnosis(bug.label, bug.summary, f"reproduces yours on {hits} probe(s) to rtol {rtol:.0e}")
    factor = _factor(seen, rtol, op.is_loss)
    if factor:
        return factor
    square = [s for s in seen if s.torch.ndim == 2 and s.torch.shape[0] == s.torch.shape[1]]
    if square and _explains(seen, lambda s: s.torch.T if s.torch.ndim == 2 and s.torch.shape[0] == s.torch.shape[1]
                            else None, rtol):
        return Diagnosis(TRANSPOSED, f"{output} is the transpose of torch's (a square probe, where the shapes "
                                       f"agree): compute it as {'x.T @ dout' if output == 'dw' else 'its transpose'}")
    return None
