"""The layers a learner's CS231n-style functions can be checked as: one entry per layer, with its contract,
torch twin, probes and classic bugs.

    affine_forward(x, w, b) -> (out, cache)          affine_backward(dout, cache) -> (dx, dw, db)
        x (N, d1, ..., dk) is used as x.reshape(N, D); w (D, M); b (M,); dx has x's shape
    relu_forward(x) -> (out, cache)                  relu_backward(dout, cache) -> dx
    softmax_loss(x, y) -> (loss, dx)                 x (N, C) logits, y (N,) class indices; mean over N
    svm_loss(x, y) -> (loss, dx)                     multiclass hinge, margin 1, sum over j != y, mean over N
    batchnorm_forward(x, gamma, beta, bn_param) -> (out, cache)
    batchnorm_backward(dout, cache) -> (dx, dgamma, dbeta)
        bn_param: mode 'train' | 'test', eps, momentum, running_mean, running_var (updated in the dict)
    dropout_forward(x, dropout_param) -> (out, cache)  dropout_backward(dout, cache) -> dx
        dropout_param: mode, p = the probability of KEEPING a unit (CS231n; torch's p is of dropping), seed
    conv_forward_naive(x, w, b, conv_param) -> (out, cache)   conv_backward_naive(dout, cache) -> (dx, dw, db)
        x (N, C, H, W), w (F, C, HH, WW), b (F,), conv_param: stride, pad (zero padding on both sides)
    max_pool_forward_naive(x, pool_param) -> (out, cache)     max_pool_backward_naive(dout, cache) -> dx
        pool_param: pool_height, pool_width, stride
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import layer_check_bugs as bugs
from . import layer_check_probes as probes
from . import layer_check_torch as twin
from .layer_check_bugs import Bug
from .layer_check_probes import ProbeMaker


@dataclass(frozen=True)
class LayerOp:
    """A layer as the learner writes it. grads name backward's returns in order ('dx' is the gradient of
    forward's argument 'x'); a loss (backward None) returns (loss, dx) from one function."""

    name: str
    forward: str
    backward: str | None
    args: tuple[str, ...]
    grads: tuple[str, ...]
    config: str | None
    torch: Callable
    probes: ProbeMaker
    bugs: tuple[Bug, ...] = ()

    @property
    def is_loss(self) -> bool:
        return self.backward is None

    @property
    def wrt(self) -> tuple[str, ...]:
        """The forward arguments that get a gradient: 'dx' -> 'x'."""
        return tuple(g[1:] for g in self.grads)

    def contract(self) -> str:
        args = ", ".join(self.args + ((self.config,) if self.config else ()))
        if self.is_loss:
            return f"{self.forward}({args}) -> (loss, {', '.join(self.grads)})"
        grads = self.grads[0] if len(self.grads) == 1 else f"({', '.join(self.grads)})"
        return f"{self.forward}({args}) -> (out, cache); {self.backward}(dout, cache) -> {grads}"


LAYER_OPS: dict[str, LayerOp] = {op.name: op for op in (
    LayerOp("affine", "affine_forward", "affine_backward", ("x", "w", "b"), ("dx", "dw", "db"), None,
            twin.affine, probes.affine, bugs.AFFINE),
    LayerOp("relu", "relu_forward", "relu_backward", ("x",), ("dx",), None, twin.relu, probes.relu, bugs.RELU),
    LayerOp("softmax_loss", "softmax_loss", None, ("x", "y"), ("dx",), None, twin.softmax_loss,
            probes.classification, bugs.CLASSIFICATION),
    LayerOp("svm_loss", "svm_loss", None, ("x", "y"), ("dx",), None, twin.svm_loss, probes.classification,
            bugs.CLASSIFICATION[:2] + bugs.SVM),
    LayerOp("batchnorm", "batchnorm_forward", "batchnorm_backward", ("x", "gamma", "beta"),
            ("dx", "dgamma", "dbeta"), "bn_param", twin.batchnorm, probes.batchnorm, bugs.BATCHNORM),
    LayerOp("dropout", "dropout_forward", "dropout_backward", ("x",), ("dx",), "dropout_param", twin.dropout,
            probes.dropout, bugs.DROPOUT),
    LayerOp("conv", "conv_forward_naive", "conv_backward_naive", ("x", "w", "b"), ("dx", "dw", "db"), "conv_param",
            twin.conv, probes.conv, bugs.CONV),
    LayerOp("max_pool", "max_pool_forward_naive", "max_pool_backward_naive", ("x",), ("dx",), "pool_param",
            twin.max_pool, probes.max_pool, bugs.MAX_POOL),
)}
ALIASES = {"linear": "affine", "fc": "affine", "softmax": "softmax_loss", "cross_entropy": "softmax_loss",
           "svm": "svm_loss", "batchnorm1d": "batchnorm", "batch_norm": "batchnorm", "conv2d": "conv",
           "maxpool": "max_pool", "max_pool2d": "max_pool"}


def layer_op(name: str) -> LayerOp:
    """The entry for a layer name (or alias); LearnerSpecError naming the known layers otherwise."""
    from .spec import LearnerSpecError

    key = ALIASES.get(str(name).lower(), str(name).lower())
    if key not in LAYER_OPS:
        raise LearnerSpecError(f"unknown layer {name!r}; the layers: {', '.join(LAYER_OPS)}")
    return LAYER_OPS[key]
