"""The classic mistakes of each layer, as hypotheses: each predicts what the buggy code returns for one
output, from the probe, dout and torch's answer. A diagnosis is a hypothesis that reproduces the learner's
numbers within the check's rtol (layer_check_diagnose.py tries them). Labels come from LABELS (checked at
import). A constant factor (N x, 1/N x, -1 x) and a transposed dw are tried for every op, after these.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .labels import (BIAS_NOT_SUMMED, CACHE_OFF_BY_ONE, STALE_WEIGHTS, TRANSPOSED, UNKNOWN,
                     WRONG_ACTIVATION_DERIVATIVE, WRONG_SCALE, produces)


@dataclass(frozen=True)
class Bug:
    """`output` is 'dx', 'dw', ..., 'out' (the forward's output) or 'loss'; predict(a, cfg, dout, answer)
    gets float64 arrays and returns the buggy value (None when the bug cannot show on this probe)."""

    output: str
    label: str
    summary: str
    predict: Callable


def _rows(a: dict) -> np.ndarray:
    return a["x"].reshape(a["x"].shape[0], -1)


def _dw_untransposed(a, cfg, dout, ans):
    return None if a["w"].shape[0] != a["w"].shape[1] else (dout @ a["w"]).reshape(a["x"].shape)


SELF_STEP_LR = 1.0   # the learning rate check_layer_class passes to a backward(grad, learning_rate)


def _stale_dx(a, cfg, dout, ans):
    return (dout @ (a["w"] - SELF_STEP_LR * ans.grads["w"]).T).reshape(a["x"].shape)


AFFINE = (
    Bug("dx", TRANSPOSED, "dx = dout @ w: w is not transposed (dx = dout @ w.T)", _dw_untransposed),
    Bug("db", BIAS_NOT_SUMMED, "db is the first row of dout, not its sum over the batch",
        lambda a, cfg, dout, ans: dout[0]),
    Bug("db", BIAS_NOT_SUMMED, "db averages dout over the batch (dout.mean(0)): sum it (dout.sum(0)); the "
                                 "1/N of the mean is already inside dout", lambda a, cfg, dout, ans: dout.mean(0)),
    Bug("dw", WRONG_SCALE, "dw is divided by N: the 1/N of the loss's mean is already inside dout, so the layer "
                             "only sums (x.T @ dout)", lambda a, cfg, dout, ans: ans.grads["w"] / len(dout)),
    Bug("dx", STALE_WEIGHTS, "dx is sent back through w already updated by the layer's own step, dout @ (w - "
                             f"lr*dw).T (check_layer_class calls backward(dout, lr={SELF_STEP_LR:g})): take dx "
                             "before the update", _stale_dx),
)

RELU = (
    Bug("dx", WRONG_ACTIVATION_DERIVATIVE, "the ReLU mask is taken from dout (dout > 0), not from the input x "
                                             "(x > 0, or the output out > 0, which is the same)",
        lambda a, cfg, dout, ans: dout * (dout > 0)),
    Bug("dx", WRONG_ACTIVATION_DERIVATIVE, "dx is the mask alone: dout is not multiplied in (dx = dout * (x > 0))",
        lambda a, cfg, dout, ans: (a["x"] > 0) * 1.0),
    Bug("dx", WRONG_ACTIVATION_DERIVATIVE, "no mask: dx = dout passes the gradient through where x <= 0 too",
        lambda a, cfg, dout, ans: dout),
    Bug("dx", WRONG_ACTIVATION_DERIVATIVE, "dx = dout * relu(x): multiplied by the ReLU's value, not by its "
                                             "derivative (x > 0)",
        lambda a, cfg, dout, ans: dout * np.maximum(a["x"], 0)),
)


def _onehot(a) -> np.ndarray:
    out = np.zeros(a["x"].shape)
    out[np.arange(len(a["y"])), a["y"]] = 1.0
    return out


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


CLASSIFICATION = (
    Bug("dx", WRONG_SCALE, "N x: dx is not divided by N (the loss is a mean over the batch)",
        lambda a, cfg, dout, ans: ans.grads["x"] * len(a["x"])),
    Bug("loss", WRONG_SCALE, "N x: the loss is summed over the batch, not averaged",
        lambda a, cfg, dout, ans: ans.out * len(a["x"])),
    Bug("dx", UNKNOWN, "dx = softmax(x) / N: the 1 of the correct class is not subtracted (dx = (p - onehot(y)) / N)",
        lambda a, cfg, dout, ans: _softmax(a["x"]) / len(a["x"])),
)

SVM = (
    Bug("loss", UNKNOWN, "the correct class's own margin (always 1) is counted: sum over j != y only",
        lambda a, cfg, dout, ans: ans.out + 1.0),
)


def _xhat(a, cfg) -> tuple[np.ndarray, np.ndarray]:
    x = a["x"]
    istd = 1 / np.sqrt(x.var(0) + cfg["eps"])
    return (x - x.mean(0)) * istd, istd


BATCHNORM = (
    Bug("dx", UNKNOWN, "dx = dout * gamma / std: the batch mean and variance are treated as constants; they "
                         "depend on x too (two more terms in dx)",
        lambda a, cfg, dout, ans: dout * a["gamma"] * _xhat(a, cfg)[1]),
    Bug("dx", UNKNOWN, "the variance's path is missing: dx keeps the mean's term but not the variance's",
        lambda a, cfg, dout, ans: (a["gamma"] * _xhat(a, cfg)[1]) * (dout - dout.mean(0))),
    Bug("dgamma", CACHE_OFF_BY_ONE, "dgamma = sum(dout * x): the input x is used where the normalised x_hat "
                                      "belongs", lambda a, cfg, dout, ans: (dout * a["x"]).sum(0)),
    Bug("dgamma", BIAS_NOT_SUMMED, "dgamma averages over the batch instead of summing",
        lambda a, cfg, dout, ans: ans.grads["gamma"] / len(dout)),
    Bug("dbeta", BIAS_NOT_SUMMED, "dbeta averages dout over the batch instead of summing",
        lambda a, cfg, dout, ans: dout.mean(0)),
)


def dropout_bugs(p: str = "keep") -> tuple[Bug, ...]:
    """Dropout's mistakes, worded for the learner's p: "keep" (CS231n: p keeps a unit) or "drop" (torch's
    nn.Dropout(p)); cfg["p"] is always the probability of keeping, k below."""
    k = "p" if p == "keep" else "(1 - p)"
    swapped = ("p taken as the probability of dropping (torch's convention); in CS231n's, p is the probability of "
               "keeping" if p == "keep" else "p taken as the probability of keeping (CS231n's convention); with "
               "p='drop' (torch's nn.Dropout(p)), p is the probability of dropping")
    return (
        Bug("dx", WRONG_SCALE, f"dx = dout * mask without the 1/{k}: inverted dropout scales kept units by 1/{k} in "
                               f"forward, so backward must scale by 1/{k} too",
            lambda a, cfg, dout, ans: ans.grads["x"] * cfg["p"]),
        Bug("dx", WRONG_ACTIVATION_DERIVATIVE, f"the dropout mask is not applied in backward: dx = dout / {k} "
                                               "everywhere, dropped units included",
            lambda a, cfg, dout, ans: dout / cfg["p"]),
        Bug("dx", WRONG_ACTIVATION_DERIVATIVE, f"backward returns dout unchanged: neither the mask nor 1/{k} is "
                                               "applied",
            lambda a, cfg, dout, ans: dout),
        Bug("out", WRONG_SCALE, f"the kept units are not scaled by 1/{k} (plain dropout, not inverted dropout)",
            lambda a, cfg, dout, ans: ans.out * cfg["p"]),
        *(Bug(out, WRONG_SCALE, f"{what} scaled by 1/{'(1 - p)' if p == 'keep' else 'p'}: {swapped}",
              lambda a, cfg, dout, ans, out=out: (ans.out if out == "out" else ans.grads["x"]) * cfg["p"]
              / (1 - cfg["p"]))
          for out, what in (("out", "kept units are"), ("dx", "dx is"))),
    )


DROPOUT = dropout_bugs("keep")


def _flipped_dw(a, cfg, dout, ans):
    return ans.grads["w"][:, :, ::-1, ::-1]


CONV = (
    Bug("dw", UNKNOWN, "dw is flipped (rotated 180 degrees): the forward is a cross-correlation, so dw is too",
        _flipped_dw),
    Bug("db", BIAS_NOT_SUMMED, "db sums dout over the batch only (or one sample): sum over N, H' and W'",
        lambda a, cfg, dout, ans: dout[0].sum((1, 2))),
    Bug("dw", WRONG_SCALE, "dw is divided by N: the layer only sums; the loss's 1/N is already inside dout",
        lambda a, cfg, dout, ans: ans.grads["w"] / len(dout)),
)

def _pool_routes(a, cfg, dout, *, overwrite: bool = False, spread: bool = False) -> np.ndarray:
    """dx of max pooling, window by window in order: the max gets dout (added, or written over what an
    earlier overlapping window put there), or every element gets dout / window size."""
    x, ph, pw, s = a["x"], cfg["pool_height"], cfg["pool_width"], cfg["stride"]
    dx = np.zeros_like(x)
    for n, c, i, j in np.ndindex(*dout.shape):
        win = x[n, c, i * s:i * s + ph, j * s:j * s + pw]
        if spread:
            dx[n, c, i * s:i * s + ph, j * s:j * s + pw] += dout[n, c, i, j] / win.size
            continue
        r, q = np.unravel_index(np.argmax(win), win.shape)
        dx[n, c, i * s + r, j * s + q] = dout[n, c, i, j] + (0.0 if overwrite else dx[n, c, i * s + r, j * s + q])
    return dx


MAX_POOL = (
    Bug("dx", UNKNOWN, "dx[max] = dout overwrites: where overlapping windows share a max, their gradients must "
                         "add up (dx[max] += dout)",
        lambda a, cfg, dout, ans: _pool_routes(a, cfg, dout, overwrite=True)),
    Bug("dx", UNKNOWN, "dx spreads each window's gradient evenly over the window (average pooling's backward): "
                         "only the max receives it", lambda a, cfg, dout, ans: _pool_routes(a, cfg, dout, spread=True)),
)

ALL = AFFINE + RELU + CLASSIFICATION + SVM + BATCHNORM + DROPOUT + CONV + MAX_POOL
produces(__name__, *sorted({b.label for b in ALL}))
