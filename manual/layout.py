"""Column-major <-> row-major conversion, for code written as W @ x (seed 003).

Column-major: W of shape (fan_out, fan_in), b of shape (fan_out, 1), x of shape (features, N).
Row-major (this package): W of shape (fan_in, fan_out), b of shape (fan_out,), x of shape (N, features).
"""
from __future__ import annotations

import numpy as np

from .errors import ShapeError
from .network import Params


def _pair(i: int, pair) -> tuple[np.ndarray, np.ndarray]:
    if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
        raise ShapeError(f"layer {i}: expected a (W, b) pair, got {type(pair).__name__}")
    W, b = (np.asarray(a) for a in pair)
    if W.ndim != 2:
        raise ShapeError(f"layer {i}: W must be 2-D, got shape {W.shape}")
    return W, b


def params_from_column_major(params: Params) -> Params:
    """[(W (out, in), b (out, 1) or (out,))] -> [(W.T (in, out), b (out,))]."""
    out = []
    for i, pair in enumerate(params):
        W, b = _pair(i, pair)
        if b.size != W.shape[0] or b.ndim > 2 or (b.ndim == 2 and b.shape[1] != 1):
            raise ShapeError(f"layer {i}: column-major b must be ({W.shape[0]}, 1), got {b.shape}")
        out.append((np.ascontiguousarray(W.T), b.reshape(-1).copy()))
    return out


def params_to_column_major(params: Params) -> Params:
    """[(W (in, out), b (out,))] -> [(W.T (out, in), b (out, 1))]."""
    out = []
    for i, pair in enumerate(params):
        W, b = _pair(i, pair)
        if b.shape != (W.shape[1],):
            raise ShapeError(f"layer {i}: row-major b must be ({W.shape[1]},), got {b.shape}")
        out.append((np.ascontiguousarray(W.T), b.reshape(-1, 1).copy()))
    return out


def batch_from_column_major(x: np.ndarray) -> np.ndarray:
    """(features, N) -> (N, features)."""
    if np.ndim(x) != 2:
        raise ShapeError(f"column-major batch must be 2-D (features, N), got shape {np.shape(x)}")
    return np.ascontiguousarray(np.asarray(x).T)


def batch_to_column_major(x: np.ndarray) -> np.ndarray:
    """(N, features) -> (features, N)."""
    return batch_from_column_major(x)
