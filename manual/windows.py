"""Sliding-window geometry shared by Conv2d, MaxPool2d and AvgPool2d (NCHW, NumPy only).

A window of kernel k, dilation d starts every s pixels of the padded input and spans d*(k-1)+1 pixels;
    out = floor((H + 2p - d*(k-1) - 1) / s) + 1            (ceil instead of floor with ceil_mode).
Forward reads every window at once as a strided view (no copy, no loop over pixels); backward adds each
window's gradient back with one loop over the kernel's kh*kw offsets (col2im).
"""
from __future__ import annotations

import math

import numpy as np

from .errors import ParityInputError, ShapeError
from .validate import check_array

Pair = tuple[int, int]


def pair(name: str, value, *, minimum: int = 1) -> Pair:
    """An int or a pair of ints as (height, width), each >= minimum, else a clear error."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(values) != 2 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
        raise ParityInputError(f"{name} must be an int or a pair of ints, got {value!r}")
    if min(values) < minimum:
        kind = "negative" if minimum == 0 else "non-positive"
        raise ParityInputError(f"{kind} {name} is not supported, got {value!r}")
    return int(values[0]), int(values[1])


def positive(name: str, value) -> int:
    """A size that must be a positive int (channel and feature counts)."""
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ParityInputError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def effective(kernel: Pair, dilation: Pair) -> Pair:
    """The span of a dilated kernel: d*(k-1)+1 per axis."""
    return tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))


def out_size(size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool = False) -> int:
    """torch's output length along one axis (pooling's ceil_mode rule: the last window must start inside
    the input or its left padding)."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (math.ceil(span / stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def check_nchw(layer: str, x: np.ndarray, dtype=None) -> None:
    """x must be a 4-D (batched) NCHW array of `dtype` (torch also takes 3-D unbatched input; manual does not)."""
    if not isinstance(x, np.ndarray):
        raise ShapeError(f"{layer} input must be a NumPy array, got {type(x).__name__}")
    if x.ndim != 4:
        raise ShapeError(f"Expected 4D (batched) input to {layer}, but got input of size: {list(x.shape)} "
                         "(3D unbatched input is not supported: add a batch axis)")
    check_array(f"{layer} input", x, dtype=dtype, finite=False)


def pad(x: np.ndarray, padding: Pair, value: float, out: Pair, stride: Pair, span: Pair) -> np.ndarray:
    """x padded by `padding` on each side with `value`, plus on the bottom/right whatever ceil_mode's last
    window needs beyond that."""
    extra = [max(0, (o - 1) * s + k - (n + 2 * p)) for o, s, k, n, p in zip(out, stride, span, x.shape[2:], padding)]
    widths = ((0, 0), (0, 0), (padding[0], padding[0] + extra[0]), (padding[1], padding[1] + extra[1]))
    if not any(padding) and not any(extra):
        return x
    return np.pad(x, widths, constant_values=value)


def window_view(xp: np.ndarray, kernel: Pair, stride: Pair, dilation: Pair, out: Pair) -> np.ndarray:
    """(N, C, OH, OW, KH, KW) read-only view: [n, c, i, j, a, b] = xp[n, c, i*sh + a*dh, j*sw + b*dw]."""
    span = effective(kernel, dilation)
    view = np.lib.stride_tricks.sliding_window_view(xp, span, axis=(2, 3))
    return view[:, :, ::stride[0], ::stride[1], ::dilation[0], ::dilation[1]][:, :, :out[0], :out[1]]


def window_columns(win: np.ndarray) -> np.ndarray:
    """im2col in NCHW order: the (N, C, OH, OW, KH, KW) windows as (N, C*KH*KW, OH*OW), [n, c*KH*KW + a*KW + b,
    i*OW + j] = win[n, c, i, j, a, b], copied one kernel offset at a time (a (N, C, OH, OW) slab each, with a
    long inner loop: 2-3x faster than reshaping the 6-d view, whose inner loop is KW long)."""
    n, c, oh, ow, kh, kw = win.shape
    cols = np.empty((n, c, kh, kw, oh, ow), win.dtype)
    for a in range(kh):
        for b in range(kw):
            cols[:, :, a, b] = win[..., a, b]
    return cols.reshape(n, c * kh * kw, oh * ow)


def add_windows(dwin: np.ndarray, padded_shape: tuple, stride: Pair, dilation: Pair) -> np.ndarray:
    """The transpose of window_view (col2im): sum each window's (N, C, OH, OW, KH, KW) gradient back onto
    a zero array of the padded input's shape; one vectorised add per kernel offset."""
    return add_at_offsets(lambda a, b: dwin[..., a, b], dwin.shape[4:], padded_shape, dwin.dtype, stride, dilation)


def add_at_offsets(grad_at, kernel: Pair, padded_shape: tuple, dtype, stride: Pair, dilation: Pair) -> np.ndarray:
    """add_windows with the (N, C, OH, OW) gradient at kernel offset (a, b) made by grad_at(a, b) when added
    (no (N, C, OH, OW, KH, KW) array), in the same order: row-major over the offsets."""
    dxp = np.zeros(padded_shape, dtype)
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    for a in range(kh):
        for b in range(kw):
            g = grad_at(a, b)
            oh, ow = g.shape[2:]
            dxp[:, :, a * dh:a * dh + (oh - 1) * sh + 1:sh, b * dw:b * dw + (ow - 1) * sw + 1:sw] += g
    return dxp


def crop(dxp: np.ndarray, padding: Pair, size: Pair) -> np.ndarray:
    """The input-sized part of a padded gradient."""
    (ph, pw), (h, w) = padding, size
    return dxp[:, :, ph:ph + h, pw:pw + w]
