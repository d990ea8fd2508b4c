"""np.where for activations, bit for bit, without a branch per element.

np.where(mask, a, b) with a random mask (half the units of a ReLU layer active) mispredicts a branch on
about every other element: ~10x slower than an element-wise multiply. These do the same selection on
the bits: a mask of all-ones or all-zeros per element, AND-ed with the values' bit patterns. The result
is np.where's, bit for bit: NaN payloads, the sign of zero and infinities pass through untouched.
"""
from __future__ import annotations

import numpy as np


_INTS = {4: np.dtype(np.int32), 8: np.dtype(np.int64)}     # the integers as wide as float32, float64


def _bits(mask: np.ndarray, like: np.ndarray) -> np.ndarray:
    """Integers the width of `like`'s floats: every bit set where `mask` (-1 = all ones), none elsewhere. (Cast,
    then negated in place: np.negative(mask, dtype=...) would cast through a buffer of up to 8192 elements.)"""
    m = mask.astype(_INTS[like.itemsize])
    return np.negative(m, out=m)


def _as_bits(v: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """v's bit patterns as integers of its width: a view, at any strides (the item size does not change)."""
    return v.view(dtype)


def keep_where(mask: np.ndarray, v: np.ndarray) -> np.ndarray:
    """v where mask, +0.0 elsewhere: np.where(mask, v, 0) bit for bit."""
    m = _bits(mask, v)
    return np.bitwise_and(m, _as_bits(v, m.dtype), out=m).view(v.dtype)


def select(mask: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a where mask, b elsewhere (same shape and float dtype): np.where(mask, a, b) bit for bit."""
    m = _bits(mask, a)
    out = np.bitwise_and(m, _as_bits(a, m.dtype))
    np.bitwise_and(np.invert(m, out=m), _as_bits(b, m.dtype), out=m)
    return np.bitwise_or(out, m, out=out).view(a.dtype)
