"""Seed 003 (003_a0f582b5bbd3ad55.txt, "BP神经网络代码讲解"): a 1-4-1 tanh network fitting sin(x) on 20
points of [-5, 5], written in torch in column-major form: W as (fan_out, fan_in), x as (1, 20),
py = w2 @ tanh(w1 @ x + b1) + b2.  torch.manual_seed(99); w1, b1, w2, b2 = randn([4,1]), randn([4,1]),
randn([1,4]), randn([1,1]) in float32; loss L = mean((y - py)**2); 5000 steps of
w.data = w.data - w.grad * lr with lr 0.01, grads zeroed after each step.

Transcription damage restored: the minus signs in `(y - py)` and `w.data - w.grad * lr` were stripped.
No real bug. The seed's torch code itself lives in torch_ref/seeds.py; here is everything NumPy needs:
- INIT: the exact float32 numbers torch.manual_seed(99) draws (tests check them against torch),
- the data, with torch.linspace's float32 rounding reproduced (x is bit-identical to the seed's; np.sin
  is correctly rounded, torch.sin is 1 ulp off at 2 of the 20 points, so y may differ there by 1 ulp),
- a column-major NumPy version with its own backward, converted at the boundary by manual.layout.
"""
from __future__ import annotations

import numpy as np

from ..layout import (batch_from_column_major, batch_to_column_major, params_from_column_major,
                      params_to_column_major)
from .spec import Data, SeedSystem, Variant, fit_mse

LR, STEPS, TORCH_SEED = 0.01, 5000, 99

# torch.manual_seed(99); torch.randn([4,1]), randn([4,1]), randn([1,4]), randn([1,1])  (float32, exact)
INIT_COLUMN_MAJOR = (
    (np.array([[0.61268586], [-1.1753536], [-0.7646493], [-0.66656566]], np.float32),      # w1 (4, 1)
     np.array([[0.744366], [-0.6453174], [-1.3890278], [-0.2729676]], np.float32)),         # b1 (4, 1)
    (np.array([[0.9405987, -2.6176693, -0.95114493, -0.2196485]], np.float32),             # w2 (1, 4)
     np.array([[0.16773407]], np.float32)),                                                # b2 (1, 1)
)


def torch_linspace_float32(start: float, end: float, steps: int) -> np.ndarray:
    """torch.linspace(start, end, steps) in float32, bit for bit: step = (end - start) / (steps - 1) in
    float32, then start + step * i for the first half and end - step * (steps - 1 - i) for the rest, each
    rounded once (torch's CPU kernel fuses the multiply-add). np.linspace rounds differently."""
    f = np.float32
    step = np.float64((f(end) - f(start)) / f(steps - 1))
    i = np.arange(steps)
    first = np.float64(f(start)) + step * i
    second = np.float64(f(end)) - step * (steps - 1 - i)
    return np.where(i < steps // 2, first, second).astype(np.float32)


def column_major_data() -> tuple[np.ndarray, np.ndarray]:
    """x (1, 20) and y = sin(x), float32, as the seed builds them."""
    x = torch_linspace_float32(-5, 5, 20).reshape(1, 20)
    return x, np.sin(x)


def _data() -> Data:
    x, y = column_major_data()
    return Data(batch_from_column_major(x), batch_from_column_major(y))


# ---- the seed's algorithm in NumPy, column-major, with a hand-written backward --------------------
def forward_column_major(w1, b1, w2, b2, x):
    """h = tanh(w1 @ x + b1) (4, N); py = w2 @ h + b2 (1, N)."""
    h = np.tanh(w1 @ x + b1)
    return h, w2 @ h + b2


def step_column_major_raw(w1, b1, w2, b2, x, y, lr):
    r"""One step on L = mean((y - py)**2) over the N columns.
    dL/dpy = 2 (py - y) / N;  dL/dw2 = dpy @ h.T;  dL/db2 = sum over columns of dpy;
    dL/dz = (w2.T @ dpy) * (1 - h**2);  dL/dw1 = dz @ x.T;  dL/db1 = sum over columns of dz.
    Update as the seed: w = w - grad * lr."""
    h, py = forward_column_major(w1, b1, w2, b2, x)
    dpy = 2 * (py - y) / y.size
    dz = (w2.T @ dpy) * (1 - h * h)
    grads = (dz @ x.T, dz.sum(axis=1, keepdims=True), dpy @ h.T, dpy.sum(axis=1, keepdims=True))
    return tuple(p - g * lr for p, g in zip((w1, b1, w2, b2), grads))


def step_column_major(params, X, y, lr):
    """step_column_major_raw behind the row-major boundary: layouts converted on the way in and out."""
    (w1, b1), (w2, b2) = params_to_column_major(params)
    w1, b1, w2, b2 = step_column_major_raw(w1, b1, w2, b2, batch_to_column_major(X),
                                           batch_to_column_major(y), lr)
    return params_from_column_major([(w1, b1), (w2, b2)])


def _task(predict_fn) -> dict:
    data = _data().astype(np.float64)
    X, y = data.X, data.y
    return {"loss": float(np.mean((y - predict_fn(X)) ** 2)), "fit sin on [-5,5]": fit_mse(predict_fn, np.sin)}


SYSTEMS = (
    SeedSystem(
        key="sine_tanh", seed="003", seed_file="003_a0f582b5bbd3ad55.txt", title="sin(x), tanh, column-major",
        sizes=(1, 4, 1), activations=("tanh",), output="identity", loss="mse", lr=LR, steps=STEPS,
        init=lambda: params_from_column_major(INIT_COLUMN_MAJOR), make_data=_data, task=_task,
        init_dtype=np.float32, torch_code="sine_tanh",
        variants=(Variant("column-major NumPy", step_column_major, "pass",
                          "none: W @ x with its own backward, converted at the boundary"),),
        note="torch.manual_seed(99) weights; trajectory reference is the seed's own torch code"),
)
