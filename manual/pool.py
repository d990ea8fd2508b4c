"""2-D max and average pooling over NCHW input, as torch.nn.MaxPool2d and torch.nn.AvgPool2d compute them."""
from __future__ import annotations

import numpy as np

from .errors import DTypeError, ParityInputError, ShapeError
from .select import keep_where, select
from .validate import FLOAT_DTYPES, check_array
from .windows import add_at_offsets, check_nchw, crop, effective, out_size, pad, pair, window_view


class _Pool2d:
    """Shared geometry: kernel, stride (None = kernel), padding (at most half the dilated kernel), ceil_mode."""

    name = "pool2d"
    params: dict = {}
    grads: dict = {}

    def __init__(self, kernel_size, stride, padding, dilation, ceil_mode: bool):
        self.kernel_size = pair("kernel_size", kernel_size)
        self.stride = self.kernel_size if stride is None else pair("stride", stride)
        self.padding, self.dilation = pair("padding", padding, minimum=0), pair("dilation", dilation)
        self.ceil_mode = bool(ceil_mode)
        span = effective(self.kernel_size, self.dilation)
        if any(2 * p > k for p, k in zip(self.padding, span)):
            raise ParityInputError(f"pad should be at most half of effective kernel size, but got "
                                   f"pad={self.padding}, kernel_size={self.kernel_size} and dilation={self.dilation}")
        self.params, self.grads, self.cache = {}, {}, {}

    def output_shape(self, shape: tuple) -> tuple:
        """(N, C, H, W) -> (N, C, OH, OW), or torch's 'Output size is too small'."""
        n, c, h, w = shape
        oh, ow = (out_size(s, k, st, p, d, self.ceil_mode) for s, k, st, p, d in
                  zip((h, w), self.kernel_size, self.stride, self.padding, self.dilation))
        if oh < 1 or ow < 1:
            raise ShapeError(f"Given input size: ({c}x{h}x{w}). Calculated output size: ({c}x{oh}x{ow}). "
                             "Output size is too small")
        return n, c, oh, ow

    def _windows(self, x: np.ndarray, fill: float) -> np.ndarray:
        """(N, C, OH, OW, KH, KW) view of x padded with `fill` (ceil_mode's overhang too)."""
        check_nchw(self.name, x)
        if x.dtype not in FLOAT_DTYPES:
            raise DTypeError(f"{self.name} input has dtype {x.dtype}: use float32 or float64")
        out = self.output_shape(x.shape)[2:]
        xp = pad(x, self.padding, fill, out, self.stride, effective(self.kernel_size, self.dilation))
        self.cache = {"x_shape": x.shape, "padded_shape": xp.shape}
        return window_view(xp, self.kernel_size, self.stride, self.dilation, out)

    def _add_back(self, grad_at, dtype) -> np.ndarray:
        """dL/dx from each window's gradient, grad_at(a, b) the (N, C, OH, OW) part at kernel offset (a, b)."""
        dxp = add_at_offsets(grad_at, self.kernel_size, self.cache["padded_shape"], dtype, self.stride, self.dilation)
        return np.ascontiguousarray(crop(dxp, self.padding, self.cache["x_shape"][2:]))

    def _check_dy(self, dy: np.ndarray) -> None:
        check_array(f"{type(self).__name__} dy", dy, shape=self.output_shape(self.cache["x_shape"]), finite=False)


class MaxPool2d(_Pool2d):
    r"""y[n, c, i, j] = max over the window of x padded with -inf.

    Backward: dL/dx gets dy at the window's maximum, as torch's CPU kernel picks it going through the window's
    positions inside the input in row-major order from -inf (a value is taken if greater than the one kept, or
    if it is NaN): the first maximum on ties, the last NaN if any, the first position inside if all are -inf;
    overlapping windows add up.
    """

    name = "max_pool2d"

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices: bool = False,
                 ceil_mode: bool = False):
        if return_indices:
            raise ParityInputError("MaxPool2d(return_indices=True) is not supported")
        super().__init__(kernel_size, stride, padding, dilation, ceil_mode)

    def forward(self, x: np.ndarray) -> np.ndarray:
        win = self._windows(x, -np.inf)
        kh, kw = self.kernel_size
        if any(self.padding):           # from -inf at each window's first position inside x (kept if nothing beats it)
            best, start = np.full(win.shape[:4], -np.inf, x.dtype), 0
            arg = np.broadcast_to(self._first_inside(win.shape[2:4]), best.shape).copy()
        else:                           # the first position is inside: what the loop would make of it
            best, arg, start = np.ascontiguousarray(win[..., 0, 0]), np.zeros(win.shape[:4], np.intp), 1
        for k in range(start, kh * kw):     # window positions in row-major order, each a strided view of x
            v = win[..., k // kw, k % kw]
            later = np.greater(v, best)
            later |= v != v             # torch's (val > maxval) || isnan(val); padding (-inf) is never taken
            best = select(later, v, best)
            arg += later * (k - arg)    # arg = k where later
        self.cache["argmax"] = arg
        return best

    def _first_inside(self, out: tuple) -> np.ndarray:
        """(OH, OW): each window's first position inside the unpadded input (where torch's kernel starts)."""
        first = [np.maximum(0, (p - np.arange(o) * s + d - 1) // d)         # smallest a with i*s + a*d >= p
                 for o, s, p, d in zip(out, self.stride, self.padding, self.dilation)]
        return first[0][:, None] * self.kernel_size[1] + first[1][None, :]

    def backward(self, dy: np.ndarray) -> np.ndarray:
        self._check_dy(dy)
        arg, kw = self.cache["argmax"], self.kernel_size[1]
        return self._add_back(lambda a, b: keep_where(arg == a * kw + b, dy), dy.dtype)

    def describe(self) -> str:
        return (f"MaxPool2d k{self.kernel_size} s{self.stride} p{self.padding} d{self.dilation}"
                + (" ceil" if self.ceil_mode else ""))


class AvgPool2d(_Pool2d):
    r"""y[n, c, i, j] = (sum of the window of x zero-padded) / divisor[i, j]

    divisor = kh*kw clipped to the input plus its padding (so ceil_mode's overhang never counts), or with
    count_include_pad=False the window's part inside the unpadded input only.
    Backward: dL/dx = each window's dy / divisor spread over the window, overlaps added.
    """

    name = "avg_pool2d"

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override=None):
        if divisor_override is not None:
            raise ParityInputError("AvgPool2d(divisor_override=...) is not supported")
        super().__init__(kernel_size, stride, padding, 1, ceil_mode)
        self.count_include_pad = bool(count_include_pad)

    def divisor(self, size: tuple, out: tuple) -> np.ndarray:
        """(OH, OW) array of torch's divisors: the window's extent within [-p, n + p), or within [0, n)."""
        extents = []
        for n, o, k, s, p in zip(size, out, self.kernel_size, self.stride, self.padding):
            start = np.arange(o) * s - p
            end = np.minimum(start + k, n + p)
            if not self.count_include_pad:
                start, end = np.maximum(start, 0), np.minimum(end, n)
            extents.append(end - start)
        return np.outer(extents[0], extents[1])

    def forward(self, x: np.ndarray) -> np.ndarray:
        win = self._windows(x, 0.0)
        div = self.divisor(x.shape[2:], win.shape[2:4]).astype(x.dtype)
        self.cache["divisor"] = div
        return win.sum(axis=(4, 5)) / div

    def backward(self, dy: np.ndarray) -> np.ndarray:
        self._check_dy(dy)
        share = dy / self.cache["divisor"]
        return self._add_back(lambda a, b: share, dy.dtype)

    def describe(self) -> str:
        return (f"AvgPool2d k{self.kernel_size} s{self.stride} p{self.padding}" + (" ceil" if self.ceil_mode else "")
                + ("" if self.count_include_pad else " exclude_pad"))
