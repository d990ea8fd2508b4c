"""Wrong forms of a Linear's backward that code is known to write: the dL/dx it sends to the layer below in
place of delta @ W.T (row-major: delta (N, fan_out), W (fan_in, fan_out)). Each is a function
dx(delta, params, dW) for reference.Knobs.dx, offered where the shapes let the code run:

    delta @ W            W not transposed (a square W)
    delta                W left out (fan_in == fan_out)
    delta @ W_j.T        another layer's W of the same shape (a list indexed one off)
    delta @ dW.T         the weight's gradient used in place of the weight
    delta @ (W - lr dW).T  W already updated this step (stale; a step_fn only, label stale_weights)
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .labels import STALE_WEIGHTS, WRONG_LINEAR_BACKWARD
from .spec import LearnerSpec

Dx = Callable[[np.ndarray, list, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class DxForm:
    """One wrong dL/dx of Linear k: its key, how it reads, dx(delta, params, dW), the label it earns."""

    key: str
    text: str
    dx: Dx
    label: str = WRONG_LINEAR_BACKWARD


def _w(params, j: int) -> np.ndarray:
    return np.asarray(params[j][0], np.float64)


def dx_forms(spec: LearnerSpec, k: int, lr: float | None = None) -> list[DxForm]:
    """The wrong dL/dx forms of Linear k (k >= 1) that run with its shapes; with the lr of a step, the stale W."""
    n_in, n_out = spec.sizes[k], spec.sizes[k + 1]
    out = [] if lr is None else [DxForm("stale", f"delta @ (W - lr*dW).T: W already updated by this step (lr {lr:g}) "
                                                 "before the delta is sent back through it",
                                        lambda d, params, dW: d @ (_w(params, k) - lr * dW).T, STALE_WEIGHTS)]
    out += [DxForm("dW", "delta @ dW.T: the weight's gradient in place of the weight",
                  lambda d, params, dW: d @ dW.T)]
    if n_in == n_out:
        out.insert(0, DxForm("no_transpose", "delta @ W: W not transposed (square, so the shape hides it)",
                             lambda d, params, dW: d @ _w(params, k)))
        out.append(DxForm("no_weight", "delta itself: W left out of dL/dx", lambda d, params, dW: d))
    for j in range(spec.n_linear):
        if j != k and (spec.sizes[j], spec.sizes[j + 1]) == (n_in, n_out):
            out.append(DxForm(f"other_w:{j}", f"delta @ W.T with the W of {spec.layer_label(j)}: another layer's "
                                              "weight (a list indexed off)",
                              lambda d, params, dW, j=j: d @ _w(params, j).T))
    return out
