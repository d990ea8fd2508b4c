"""Normalisation layers: BatchNorm1d (batch statistics, running statistics) and LayerNorm, as torch computes them."""
from __future__ import annotations

import numpy as np

from .errors import ShapeError
from .mode import TrainEval
from .validate import as_float_dtype, check_array
from .windows import positive


def normalise(x: np.ndarray, axes: tuple, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """(xhat, invstd): xhat = (x - mean) * invstd, invstd = 1 / sqrt(var + eps), biased var over `axes`."""
    mean = x.mean(axis=axes, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=axes, keepdims=True)
    invstd = 1 / np.sqrt(var + x.dtype.type(eps))
    return centred * invstd, invstd


def normalise_backward(dxhat: np.ndarray, xhat: np.ndarray, invstd: np.ndarray, axes: tuple) -> np.ndarray:
    r"""dL/dx through the mean and the variance, m the count over `axes`:
        dx = invstd / m * (m * dxhat - sum(dxhat) - xhat * sum(dxhat * xhat))."""
    m = dxhat.dtype.type(np.prod([dxhat.shape[a] for a in axes]))
    s1 = dxhat.sum(axis=axes, keepdims=True)
    s2 = (dxhat * xhat).sum(axis=axes, keepdims=True)
    return invstd / m * (m * dxhat - s1 - xhat * s2)


class _Affine:
    """weight (ones) and bias (zeros) of `shape` when affine; y = xhat * weight + bias."""

    def _init_affine(self, shape: tuple, affine: bool, bias: bool, dtype) -> None:
        dt = as_float_dtype(dtype)
        self.dtype = dt
        self.params = {"weight": np.ones(shape, dt)} if affine else {}
        if affine and bias:
            self.params["bias"] = np.zeros(shape, dt)
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.cache: dict = {}

    def _scale_shift(self, xhat: np.ndarray, view: tuple) -> np.ndarray:
        y = xhat * self.params["weight"].reshape(view) if "weight" in self.params else xhat
        return y + self.params["bias"].reshape(view) if "bias" in self.params else y

    def _affine_backward(self, dy: np.ndarray, xhat: np.ndarray, view: tuple, axes: tuple) -> np.ndarray:
        """Sets grads (summed over `axes`); returns dL/dxhat."""
        self.grads = {}
        if "weight" in self.params:
            self.grads["weight"] = (dy * xhat).sum(axis=axes)
        if "bias" in self.params:
            self.grads["bias"] = dy.sum(axis=axes)
        return dy * self.params["weight"].reshape(view) if "weight" in self.params else dy


class BatchNorm1d(_Affine, TrainEval):
    r"""y = (x - mean) / sqrt(var + eps) * weight + bias, per channel (axis 1) of (N, C) or (N, C, L).

    Training (or track_running_stats=False): mean and the biased var of the batch (m = N or N*L values per
    channel); running_mean <- (1 - f) running_mean + f mean, running_var <- (1 - f) running_var + f var*m/(m-1)
    (unbiased), f = momentum, or 1/num_batches_tracked when momentum is None.  Evaluation: the running ones.
    Backward: dL/dxhat = dy * weight; training: normalise_backward (through mean and var); evaluation:
    dL/dx = dL/dxhat / sqrt(running_var + eps).  dL/dweight = sum(dy * xhat), dL/dbias = sum(dy).
    Buffers live in `buffers` (torch's state_dict names), apart from params, so no optimizer touches them.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, *, dtype=np.float64):
        self.num_features = positive("num_features", num_features)
        self.eps, self.momentum = float(eps), momentum
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        self._init_affine((self.num_features,), self.affine, True, dtype)
        self.buffers: dict[str, np.ndarray] = {}
        if self.track_running_stats:
            self.buffers = {"running_mean": np.zeros(self.num_features, self.dtype),
                            "running_var": np.ones(self.num_features, self.dtype),
                            "num_batches_tracked": np.zeros((), np.int64)}

    def output_shape(self, shape: tuple) -> tuple:
        """The input's shape, (N, C) or (N, C, L), after checking it."""
        if len(shape) not in (2, 3):
            raise ShapeError(f"expected 2D or 3D input (got {len(shape)}D input)")
        if shape[1] != self.num_features:
            raise ShapeError(f"BatchNorm1d({self.num_features}) got input of shape {tuple(shape)}: "
                             f"expected {self.num_features} channels in axis 1")
        return tuple(shape)

    def _check(self, x: np.ndarray) -> tuple[tuple, tuple]:
        """(axes reduced, broadcast view of a per-channel vector) for x, after checking it."""
        self.output_shape(np.shape(x))
        check_array("BatchNorm1d input", x, dtype=self.dtype, finite=False)
        return ((0,), (1, -1)) if x.ndim == 2 else ((0, 2), (1, -1, 1))

    def forward(self, x: np.ndarray) -> np.ndarray:
        axes, view = self._check(x)
        batch_stats = self.training or not self.track_running_stats
        if batch_stats:
            if x.size // self.num_features == 1:
                raise ShapeError(f"Expected more than 1 value per channel when training, got input size {x.shape}")
            xhat, invstd = normalise(x, axes, self.eps)
            if self.training and self.track_running_stats:
                self._update_running(x, axes)
        else:
            invstd = 1 / np.sqrt(self.buffers["running_var"].reshape(view) + self.dtype.type(self.eps))
            xhat = (x - self.buffers["running_mean"].reshape(view)) * invstd
        self.cache = {"xhat": xhat, "invstd": invstd, "axes": axes, "view": view, "batch_stats": batch_stats}
        return self._scale_shift(xhat, view)

    def _update_running(self, x: np.ndarray, axes: tuple) -> None:
        """torch's update: running = f * batch + (1 - f) * running, the variance unbiased."""
        self.buffers["num_batches_tracked"] += 1
        f = 1.0 / float(self.buffers["num_batches_tracked"]) if self.momentum is None else float(self.momentum)
        m = x.size // self.num_features
        mean = x.mean(axis=axes)
        var = ((x - x.mean(axis=axes, keepdims=True)) ** 2).sum(axis=axes) / (m - 1)
        for name, batch in (("running_mean", mean), ("running_var", var)):
            self.buffers[name][...] = f * batch + (1 - f) * self.buffers[name]

    def backward(self, dy: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        c = self.cache
        check_array("BatchNorm1d dy", dy, dtype=self.dtype, shape=c["xhat"].shape, finite=False)
        dxhat = self._affine_backward(dy, c["xhat"], c["view"], c["axes"])
        if not need_input_grad:
            return None
        if c["batch_stats"]:
            return normalise_backward(dxhat, c["xhat"], c["invstd"], c["axes"])
        return dxhat * c["invstd"]

    def describe(self) -> str:
        flags = ("" if self.affine else " affine=False") + ("" if self.track_running_stats else " untracked")
        return f"BatchNorm1d({self.num_features}, eps={self.eps}, momentum={self.momentum}){flags}"


class LayerNorm(_Affine):
    r"""y = (x - mean) / sqrt(var + eps) * weight + bias, mean and biased var over the last
    len(normalized_shape) axes (m values), weight and bias of normalized_shape.
    Backward: dL/dxhat = dy * weight; dL/dx = normalise_backward over those axes;
    dL/dweight = sum over the leading axes of dy * xhat, dL/dbias = sum of dy.
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 *, dtype=np.float64):
        shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
        self.normalized_shape = tuple(positive("normalized_shape", s) for s in shape)
        if not self.normalized_shape:
            raise ShapeError("LayerNorm needs a non-empty normalized_shape")
        self.eps, self.elementwise_affine = float(eps), bool(elementwise_affine)
        self._init_affine(self.normalized_shape, self.elementwise_affine, bias, dtype)

    def output_shape(self, shape: tuple) -> tuple:
        """The input's shape, after checking that it ends in normalized_shape."""
        k = len(self.normalized_shape)
        if len(shape) < k or tuple(shape[len(shape) - k:]) != self.normalized_shape:
            want = ", ".join(map(str, self.normalized_shape))
            raise ShapeError(f"Given normalized_shape={list(self.normalized_shape)}, expected input with shape "
                             f"[*, {want}], but got input of size{list(shape)}")
        return tuple(shape)

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_array("LayerNorm input", x, dtype=self.dtype, finite=False)
        self.output_shape(x.shape)
        axes = tuple(range(x.ndim - len(self.normalized_shape), x.ndim))
        xhat, invstd = normalise(x, axes, self.eps)
        self.cache = {"xhat": xhat, "invstd": invstd, "axes": axes}
        return self._scale_shift(xhat, self.normalized_shape)

    def backward(self, dy: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        c = self.cache
        check_array("LayerNorm dy", dy, dtype=self.dtype, shape=c["xhat"].shape, finite=False)
        leading = tuple(range(dy.ndim - len(self.normalized_shape)))
        dxhat = self._affine_backward(dy, c["xhat"], self.normalized_shape, leading)
        return normalise_backward(dxhat, c["xhat"], c["invstd"], c["axes"]) if need_input_grad else None

    def describe(self) -> str:
        return (f"LayerNorm({list(self.normalized_shape)}, eps={self.eps})"
                + ("" if self.elementwise_affine else " elementwise_affine=False")
                + ("" if "bias" in self.params or not self.elementwise_affine else " without bias"))
