"""torch's in-place tensor ops, in NumPy, in torch's order of operations. A Python scalar meets a tensor
in the tensor's dtype (torch casts it), so each scalar is cast with `scalar(p, x)` first."""
from __future__ import annotations

import numpy as np


def scalar(p: np.ndarray, x: float):
    """x in p's dtype, as torch casts a Python number for a float32 or float64 tensor."""
    return p.dtype.type(x)


def lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> None:
    r"""torch.Tensor.lerp_: start + w (end - start) if w < 0.5, else end - (end - start) (1 - w)."""
    w = scalar(start, weight)
    if abs(w) < 0.5:
        start += w * (end - start)
    else:
        start[...] = end - (end - start) * (w.dtype.type(1) - w)


def addcmul_(x: np.ndarray, a: np.ndarray, b: np.ndarray, value: float) -> None:
    r"""torch.Tensor.addcmul_: x + (value a) b."""
    x += (scalar(x, value) * a) * b


def addcdiv_(x: np.ndarray, a: np.ndarray, b: np.ndarray, value: float) -> None:
    r"""torch.Tensor.addcdiv_: x + (value a) / b."""
    x += (scalar(x, value) * a) / b


def add(x: np.ndarray, other: np.ndarray, alpha: float) -> np.ndarray:
    r"""torch.add(x, other, alpha=alpha): x + alpha other, a new array."""
    return x + scalar(x, alpha) * other
