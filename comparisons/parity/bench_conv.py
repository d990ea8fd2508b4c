"""The bench's conv net: Conv2d(C, K, 3, padding=1) -> ReLU -> MaxPool2d(2) -> Flatten -> Linear(K*H/2*W/2, out),
built from manual/'s layers, and its step written out in plain NumPy as a learner writes it (im2col by
sliding_window_view, the pool's gradient routed by `window == max`)."""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import manual
from manual.conv import Conv2d
from manual.flatten import Flatten
from manual.pool import MaxPool2d

from .bench_cases import BenchCase


def conv_layers(case: BenchCase, dtype) -> list:
    c, h, w = case.image
    return [Conv2d(c, case.channels, 3, padding=1, dtype=dtype), manual.ReLU(), MaxPool2d(2), Flatten(),
            manual.Linear(case.channels * (h // 2) * (w // 2), case.sizes[-1], dtype=dtype)]


def im2col(x: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> (N*H*W, C*9): the 3x3 windows of x zero-padded by 1, one row per output pixel."""
    n, c, h, w = x.shape
    win = sliding_window_view(np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))), (3, 3), axis=(2, 3))
    return win.transpose(0, 2, 3, 1, 4, 5).reshape(n * h * w, c * 9)


def plain_conv_step(params: list[list[np.ndarray]], X: np.ndarray, y: np.ndarray, lr: float) -> float:
    """One hand-written step of the conv net: MSE (mean), SGD in place. A tie in a pool window sends the
    gradient to every maximum, where torch sends it to the first; after a ReLU the only ties are between zeros,
    whose gradient the ReLU then drops, so the step is the same."""
    (K, kb), (W, b) = params
    n, _, h, w = X.shape
    o = K.shape[0]
    cols = im2col(X)
    z = (np.dot(cols, K.reshape(o, -1).T) + kb).reshape(n, h, w, o).transpose(0, 3, 1, 2)
    win = np.maximum(z, 0).reshape(n, o, h // 2, 2, w // 2, 2)
    pooled = win.max(axis=(3, 5))
    flat = pooled.reshape(n, -1)
    err = np.dot(flat, W) + b - y
    dout = (2 / err.size) * err
    dW, db = np.dot(flat.T, dout), dout.sum(axis=0)
    dpooled = np.dot(dout, W.T).reshape(pooled.shape)[:, :, :, None, :, None]
    da = ((win == pooled[:, :, :, None, :, None]) * dpooled).reshape(z.shape)
    dz_rows = (da * (z > 0)).transpose(0, 2, 3, 1).reshape(-1, o)
    dK, dkb = np.dot(dz_rows.T, cols).reshape(K.shape), dz_rows.sum(axis=0)
    for p, g in ((K, dK), (kb, dkb), (W, dW), (b, db)):
        p -= lr * g
    return float((err * err).mean())


def conv_products(params: list[list[np.ndarray]], X: np.ndarray, rng: np.random.RandomState) -> list[tuple]:
    """The operands of the step's matrix products, in the layouts the step has them: the conv's forward and
    weight gradient, the Linear's forward, weight gradient and input gradient (none for the conv's input)."""
    (K, _), (W, _) = params
    o, n = K.shape[0], X.shape[0]
    cols, dt = im2col(X), X.dtype
    flat, dout = rng.randn(n, W.shape[0]).astype(dt), rng.randn(n, W.shape[1]).astype(dt)
    dz_rows = rng.randn(cols.shape[0], o).astype(dt)
    return [(cols, K.reshape(o, -1).T), (flat, W), (flat.T, dout), (dout, W.T), (dz_rows.T, cols)]
