"""Layer objects as course code writes them, through check_layer_class: results left in attributes
(self.output, self.dinputs, nnfs-style), a bias kept as (1, M), 2-D inputs only, a backward(grad,
learning_rate) that steps the object's own weights, and column-vector inputs (not supported: said so)."""
from __future__ import annotations

import numpy as np
import pytest

from comparisons import check_layer_class


class DenseAttrs:
    """forward and backward return None; output, dweights, dbiases, dinputs are attributes; biases (1, M)."""

    def __init__(self, n_in=4, n_out=3):
        self.weights, self.biases = 0.01 * np.ones((n_in, n_out)), np.zeros((1, n_out))

    def forward(self, inputs):
        if inputs.ndim != 2:
            raise ValueError(f"expected a 2-D batch, got {inputs.shape}")
        self.inputs = inputs
        self.output = inputs @ self.weights + self.biases

    def backward(self, dvalues):
        self.dweights = self.inputs.T @ dvalues
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = dvalues @ self.weights.T


class DenseAttrsMeanBias(DenseAttrs):
    def backward(self, dvalues):
        super().backward(dvalues)
        self.dbiases = np.mean(dvalues, axis=0, keepdims=True)


class ReLUAttrs:
    def forward(self, inputs):
        self.inputs, self.output = inputs, np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs <= 0] = 0


class DenseSelfStepping:
    """backward(grad, learning_rate) updates its own weight and bias and keeps no gradient: by design."""

    def __init__(self, n_in=4, n_out=3):
        self.weights, self.bias = np.zeros((n_in, n_out)), np.zeros(n_out)

    def forward(self, x):
        self.x = x
        return x @ self.weights + self.bias

    def backward(self, grad, learning_rate):
        dx = grad @ self.weights.T
        self.weights -= learning_rate * (self.x.T @ grad)
        self.bias -= learning_rate * grad.sum(0)
        return dx


class DenseSelfSteppingStale(DenseSelfStepping):
    """Buggy: dx through the weight already updated."""

    def backward(self, grad, learning_rate):
        super().backward(grad, learning_rate)
        return grad @ self.weights.T


class DenseColumns:
    """One sample per column: x (D, N), out = W @ x + b, W (out, in)."""

    def __init__(self, n_in=4, n_out=3):
        self.weights, self.bias = np.zeros((n_out, n_in)), np.zeros((n_out, 1))

    def forward(self, x):
        self.x = x
        return self.weights @ x + self.bias

    def backward(self, grad):
        self.dweights, self.dbias = grad @ self.x.T, grad.sum(1, keepdims=True)
        return self.weights.T @ grad


@pytest.mark.parametrize("layer, kind", [(DenseAttrs, "affine"), (ReLUAttrs, "relu"), (DenseSelfStepping, "affine")],
                         ids=["attrs_dense", "attrs_relu", "self_stepping"])
def test_course_style_layer_objects_pass(layer, kind):
    report = check_layer_class(layer, layer_kind=kind)
    assert report.passed, str(report)
    assert report.max_rel("grad") < 1e-14


@pytest.mark.parametrize("layer, label, words", [
    (DenseAttrsMeanBias, "bias_not_summed", "averages"),
    (DenseSelfSteppingStale, "stale_weights", "dx is sent back through w already updated by the layer's own step"),
    (DenseColumns, "bad_structure", "column-vector inputs (x of shape (D, N), out = W @ x + b) are not supported"),
], ids=["mean_bias", "stale_dx", "columns"])
def test_course_style_layer_objects_fail_with_their_diagnosis(layer, label, words):
    report = check_layer_class(layer, layer_kind="affine")
    assert not report.passed and "mutates_input" not in report.labels, str(report)
    assert report.labels[0] == label, str(report)
    assert words in str(report), str(report)
