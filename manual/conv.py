"""2-D convolution (cross-correlation, as torch.nn.Conv2d) by im2col: one matrix product per call."""
from __future__ import annotations

import numpy as np

from .errors import ParityInputError, ShapeError
from .validate import as_float_dtype, check_array
from .windows import (add_at_offsets, check_nchw, crop, effective, out_size, pad, pair, positive,
                      window_columns, window_view)


class Conv2d:
    r"""y[n, o, i, j] = b[o] + sum_{c, a, b'} W[o, c, a, b'] * xp[n, c, i*sh + a*dh, j*sw + b'*dw]

    with xp the input zero-padded by `padding`; x is NCHW, W is (out_channels, in_channels, kh, kw), torch's
    own layout (so the torch twin copies it unchanged), b is (out_channels,). With cols[n] the windows of
    xp[n] as columns (C*kh*kw, OH*OW), Wm = W.reshape(out_channels, -1) and dy[n] as (out_channels, OH*OW):
        forward   y[n] = Wm @ cols[n] + b                    (already NCHW: no transposed copy)
        backward  dL/dW = sum_n dy[n] @ cols[n].T     dL/db = dy summed over (N, OH, OW)
                  dL/dx = col2im(Wm.T @ dy[n]): each window's gradient added back where it was read
    The cache keeps xp, not cols (C*kh*kw times larger): backward makes cols again (as torch's conv keeps
    its input only), so a step holds them only while it multiplies with them.
    Only groups=1 and padding_mode='zeros'; padding is an int or a pair ('same'/'valid' strings are not taken).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", *, dtype=np.float64):
        if groups != 1:
            raise ParityInputError(f"Conv2d supports groups=1 only, got groups={groups!r}")
        if padding_mode != "zeros":
            raise ParityInputError(f"Conv2d supports padding_mode='zeros' only, got {padding_mode!r}")
        self.in_channels = positive("in_channels", in_channels)
        self.out_channels = positive("out_channels", out_channels)
        self.kernel_size = pair("kernel_size", kernel_size)
        self.stride, self.dilation = pair("stride", stride), pair("dilation", dilation)
        self.padding = pair("padding", padding, minimum=0)
        self.groups, self.padding_mode = 1, "zeros"
        dt = as_float_dtype(dtype)
        self.params = {"weight": np.zeros((self.out_channels, self.in_channels, *self.kernel_size), dt)}
        if bias:
            self.params["bias"] = np.zeros(self.out_channels, dt)
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.cache: dict = {}

    def output_shape(self, shape: tuple) -> tuple:
        """(N, C, H, W) -> (N, out_channels, OH, OW), or torch's error when the kernel does not fit."""
        n, c, h, w = shape
        if c != self.in_channels:
            raise ShapeError(f"Given groups=1, weight of size {list(self.params['weight'].shape)}, expected "
                             f"input{list(shape)} to have {self.in_channels} channels, but got {c} channels instead")
        padded = [s + 2 * p for s, p in zip((h, w), self.padding)]
        span = effective(self.kernel_size, self.dilation)
        if padded[0] < span[0] or padded[1] < span[1]:
            raise ShapeError(f"Calculated padded input size per channel: ({padded[0]} x {padded[1]}). "
                             f"Kernel size: ({span[0]} x {span[1]}). Kernel size can't be greater than actual "
                             f"input size (the output would be empty)")
        out = [out_size(s, k, st, p, d) for s, k, st, p, d in
               zip((h, w), self.kernel_size, self.stride, self.padding, self.dilation)]
        return n, self.out_channels, out[0], out[1]

    def forward(self, x: np.ndarray) -> np.ndarray:
        W = self.params["weight"]
        check_nchw("conv2d", x, W.dtype)
        n, o, oh, ow = self.output_shape(x.shape)
        xp = pad(x, self.padding, 0.0, (oh, ow), self.stride, effective(self.kernel_size, self.dilation))
        y = np.matmul(W.reshape(o, -1), self._columns(xp, oh, ow)).reshape(n, o, oh, ow)
        if "bias" in self.params:
            y += self.params["bias"][:, None, None]
        self.cache = {"xp": xp, "x_shape": x.shape}
        return y

    def _columns(self, xp: np.ndarray, oh: int, ow: int) -> np.ndarray:
        """(N, C*kh*kw, OH*OW): im2col of the padded input."""
        return window_columns(window_view(xp, self.kernel_size, self.stride, self.dilation, (oh, ow)))

    def backward(self, dy: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """Sets grads; returns dL/dx, or None when `need_input_grad` is False (a first layer in training)."""
        xp, x_shape = self.cache["xp"], self.cache["x_shape"]
        W = self.params["weight"]
        check_array("Conv2d dy", dy, dtype=W.dtype, shape=self.output_shape(x_shape), finite=False)
        n, o, oh, ow = dy.shape
        dy3 = dy.reshape(n, o, oh * ow)
        cols = self._columns(xp, oh, ow)
        self.grads = {"weight": np.add.reduce(np.matmul(dy3, cols.transpose(0, 2, 1)), 0).reshape(W.shape)}
        del cols        # freed before dL/dx's (as large) columns are made
        if "bias" in self.params:
            self.grads["bias"] = dy.sum(axis=(0, 2, 3))
        if not need_input_grad:
            return None
        dcols = np.matmul(W.reshape(o, -1).T, dy3).reshape(n, x_shape[1], *self.kernel_size, oh, ow)
        dxp = add_at_offsets(lambda a, b: dcols[:, :, a, b], self.kernel_size, xp.shape, dy.dtype, self.stride,
                             self.dilation)
        return np.ascontiguousarray(crop(dxp, self.padding, x_shape[2:]))

    def describe(self) -> str:
        """'Conv2d 3->8 k(3, 3) s(1, 1) p(0, 0) d(1, 1)', plus ' without bias' (torch_ref/layers.py matches it)."""
        return describe_conv(self.in_channels, self.out_channels, self.kernel_size, self.stride, self.padding,
                             self.dilation, "bias" in self.params)


def describe_conv(cin: int, cout: int, kernel, stride, padding, dilation, bias: bool) -> str:
    """One spelling for a convolution, used by the manual layer and by its torch twin's description."""
    return (f"Conv2d {cin}->{cout} k{tuple(kernel)} s{tuple(stride)} p{tuple(padding)} d{tuple(dilation)}"
            + ("" if bias else " without bias"))
