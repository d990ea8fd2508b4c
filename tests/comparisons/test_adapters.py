"""Adapters: column-major code (seed 003, W @ x) and classes that update their own weights (seed 000)."""
from __future__ import annotations

import numpy as np
import pytest
from learner_zoo import make_grad_fn, make_step_fn

import comparisons

NET = dict(sizes=[2, 4, 4, 1], activations="tanh", output="identity", loss="mse")


def column_grad_fn(params, x, y, transpose_square=False):
    """Seed 003's layout: W (out, in), b (out, 1), x (features, N)."""
    hs = [x]
    for W, b in params[:-1]:
        hs.append(np.tanh(W @ hs[-1] + b))
    W, b = params[-1]
    out = W @ hs[-1] + b
    d = 2 * (out - y) / y.size
    grads = []
    for k in reversed(range(len(params))):
        dW = d @ hs[k].T
        grads.insert(0, (dW.T if transpose_square and dW.shape[0] == dW.shape[1] else dW,
                         d.sum(axis=1, keepdims=True)))
        if k:
            d = (params[k][0].T @ d) * (1 - hs[k] ** 2)
    return ((out - y) ** 2).mean(), grads


def test_column_major_grad_fn_passes_both_ways():
    assert comparisons.check_grad_fn_column_major(column_grad_fn, **NET).passed
    assert comparisons.check_grad_fn(column_grad_fn, layout="column", **NET).passed


def test_column_major_bug_is_named_in_that_layout():
    report = comparisons.check_grad_fn_column_major(
        lambda p, x, y: column_grad_fn(p, x, y, transpose_square=True), **NET)
    assert report.diagnosis.label == "transposed"
    assert "column-major" in str(report)


def test_column_major_shapes_are_expected_in_that_layout():
    """Given to the row-major check, column-major code is told its shapes are transposed."""
    report = comparisons.check_grad_fn(column_grad_fn, sizes=[2, 4, 1], activations="tanh", output="identity",
                                       loss="mse")
    assert not report.passed and report.findings[0].check in ("check_runs", "check_shapes")


def test_column_major_step_fn():
    def step_fn(params, x, y, lr):
        _, grads = column_grad_fn(params, x, y)
        return [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, grads)]

    assert comparisons.check_step_fn_column_major(step_fn, **NET, lr=0.1, steps=3).passed


class BPNet:
    """Seed 000's BPNeuralNetwork: backward(X, y, lr) updates its own weights (half-sum loss)."""

    def __init__(self, input_num, hidden_num, output_num, stale=False, keepdims=False):
        self.input_hidden_weights = np.random.randn(input_num, hidden_num)
        self.hidden_output_weights = np.random.randn(hidden_num, output_num)
        shape = (lambda n: (1, n)) if keepdims else (lambda n: (n,))
        self.hidden_bias, self.output_bias = np.zeros(shape(hidden_num)), np.zeros(shape(output_num))
        self.stale, self.bias_shapes_seen = stale, set()

    def forward(self, X):
        self.hidden_layer = np.maximum(0, X @ self.input_hidden_weights + self.hidden_bias)
        self.output_layer = self.hidden_layer @ self.hidden_output_weights + self.output_bias
        return self.output_layer

    def backward(self, X, y, learning_rate):
        self.bias_shapes_seen.add(self.hidden_bias.shape)
        output_error = self.output_layer - y
        if self.stale:
            self.hidden_output_weights -= learning_rate * self.hidden_layer.T @ output_error
        hidden_error = output_error @ self.hidden_output_weights.T * (self.hidden_layer > 0)
        if not self.stale:
            self.hidden_output_weights -= learning_rate * self.hidden_layer.T @ output_error
        self.input_hidden_weights -= learning_rate * X.T @ hidden_error
        self.output_bias -= learning_rate * output_error.sum(axis=0, keepdims=self.output_bias.ndim == 2)
        self.hidden_bias -= learning_rate * hidden_error.sum(axis=0, keepdims=self.hidden_bias.ndim == 2)


WEIGHTS = [("input_hidden_weights", "hidden_bias"), ("hidden_output_weights", "output_bias")]
CLASS_NET = dict(sizes=[3, 5, 2], activations="relu", output="identity", loss="half_sum", lr=0.05, steps=3)


@pytest.mark.parametrize("learner", [BPNet, lambda: BPNet(3, 5, 2), BPNet(3, 5, 2)],
                         ids=["class", "factory", "instance"])
def test_class_adapter_passes_a_correct_class(learner):
    report = comparisons.check_step_fn(comparisons.step_fn_from_class(learner, WEIGHTS), **CLASS_NET)
    assert report.passed, str(report)


def test_class_adapter_keeps_the_objects_bias_shape():
    net = BPNet(3, 5, 2, keepdims=True)
    assert comparisons.check_class(net, WEIGHTS, **CLASS_NET).passed
    assert net.bias_shapes_seen == {(1, 5)}


def test_class_adapter_finds_stale_weights():
    report = comparisons.check_class(BPNet(3, 5, 2, stale=True), WEIGHTS, **CLASS_NET)
    assert report.diagnosis.label == "stale_weights"
    assert report.title.startswith("check_step_fn(BPNet")


def test_class_adapter_with_functions_for_forward_and_backward():
    calls = []

    def backward(obj, X, y, lr):
        calls.append(X.shape)
        obj.backward(X, y, lr)

    step_fn = comparisons.step_fn_from_class(BPNet, WEIGHTS, forward=lambda obj, X: obj.forward(X), backward=backward)
    assert comparisons.check_step_fn(step_fn, **CLASS_NET).passed and calls


def test_class_adapter_column_layout():
    class ColumnNet:
        def __init__(self):
            self.W1, self.b1 = np.zeros((5, 3)), np.zeros((5, 1))
            self.W2, self.b2 = np.zeros((2, 5)), np.zeros((2, 1))

        def forward(self, x):
            self.h = np.maximum(0, self.W1 @ x + self.b1)
            self.out = self.W2 @ self.h + self.b2
            return self.out

        def backward(self, x, y, lr):
            d2 = self.out - y
            d1 = self.W2.T @ d2 * (self.h > 0)
            self.W2, self.b2 = self.W2 - lr * d2 @ self.h.T, self.b2 - lr * d2.sum(1, keepdims=True)
            self.W1, self.b1 = self.W1 - lr * d1 @ x.T, self.b1 - lr * d1.sum(1, keepdims=True)

    report = comparisons.check_class(ColumnNet, [("W1", "b1"), ("W2", "b2")], layout="column", **CLASS_NET)
    assert report.passed, str(report)


@pytest.mark.parametrize("weights, message", [
    ([("input_hidden_weights", "hidden_bias"), ("W_out", "output_bias")], "BPNet has no attribute 'W_out'"),
    ([("input_hidden_weights", "hidden_bias")], "1 (W, b) attribute pairs were named for 2 layers"),
])
def test_class_adapter_setup_problems_are_named(weights, message):
    report = comparisons.check_class(BPNet, weights, **CLASS_NET)
    f = report.findings[0]
    assert f.label == "bad_structure" and message in f.diagnosis.summary and f.at == ""


def test_class_built_with_other_sizes_is_named():
    report = comparisons.check_class(BPNet(4, 5, 2), WEIGHTS, **CLASS_NET)
    assert "input_hidden_weights has shape (4, 5)" in report.diagnosis.summary


def test_class_constructor_that_cannot_be_called():
    class Needs2:
        def __init__(self, a, b):
            pass

    report = comparisons.check_class(Needs2, WEIGHTS, **CLASS_NET)
    assert "pass a factory instead" in report.diagnosis.summary


def in_place_step(params, X, y, lr, returns="none", skip_bias=False):
    """A correct tanh/mse SGD step that writes W -= lr * dW into the params passed (b too unless skip_bias)."""
    _, grads = make_grad_fn("tanh")(params, X, y)
    out = []
    for (W, b), (dW, db) in zip(params, grads):
        W -= lr * dW
        if skip_bias:
            b = b - lr * db       # a new array: the caller's b is left as it was
        else:
            b -= lr * db
        out.append((W, b))
    return {"none": None, "params": params, "new": out}[returns]


@pytest.mark.parametrize("returns", ["none", "params"])
def test_an_in_place_step_is_judged_with_inplace(returns):
    report = comparisons.check_step_fn(lambda p, X, y, lr: in_place_step(p, X, y, lr, returns), **NET, lr=0.1,
                                       steps=3, inplace=True)
    assert report.passed, str(report)
    assert "are judged (inplace=True)" in report.result("check_structure").message


@pytest.mark.parametrize("returns", ["none", "params"])
def test_an_in_place_step_without_inplace_is_reported_as_mutating_its_input(returns):
    report = comparisons.check_step_fn(lambda p, X, y, lr: in_place_step(p, X, y, lr, returns), **NET, lr=0.1,
                                       steps=3)
    assert [f.label for f in report.findings] == ["mutates_input"], str(report)
    summary = report.findings[0].diagnosis.summary
    assert summary.startswith("step_fn writes into the caller's arrays: every W and b passed (W -= lr * dW")
    assert summary.endswith("and returned None") == (returns == "none")
    assert "check it with inplace=True" in report.findings[0].diagnosis.evidence
    assert report.result("check_step_matches_torch").status == "passed"   # the values themselves are right


def test_a_step_fn_writing_into_one_array_is_told_which():
    def step_fn(params, X, y, lr):
        new = make_step_fn("tanh")(params, X, y, lr)
        params[1][0][...] = new[1][0]
        return new

    report = comparisons.check_step_fn(step_fn, **NET, lr=0.1, steps=3)
    f = report.findings[0]
    assert f.label == "mutates_input" and f.headline == "params[1][0] modified in place"
    assert "arrays: params[1][0] (the W of layer 2 (Linear 4->4))" in f.diagnosis.summary


def test_inplace_with_a_bias_rebound_names_the_arrays_left_behind():
    report = comparisons.check_step_fn(lambda p, X, y, lr: in_place_step(p, X, y, lr, "new", skip_bias=True), **NET,
                                       lr=0.1, steps=3, inplace=True)
    f = report.findings[0]
    assert f.label == "bad_structure" and f.check == "check_structure"
    assert "params[0][1], params[1][1], params[2][1] were not updated in place" in f.diagnosis.summary


def test_inplace_with_a_step_that_returns_new_arrays_says_so():
    report = comparisons.check_step_fn(make_step_fn("tanh"), **NET, lr=0.1, steps=3, inplace=True)
    summary = report.findings[0].diagnosis.summary
    assert report.findings[0].label == "bad_structure" and "changed none of the arrays passed in and returned a " \
        "list of 3 item(s)" in summary and "check it without inplace=True" in summary


@pytest.mark.parametrize("given, back", [("float32", np.float64), ("float64", np.float32)])
def test_a_step_fn_changing_the_params_dtype_is_reported(given, back):
    def step_fn(params, X, y, lr):
        return [(W.astype(back), b.astype(back)) for W, b in make_step_fn("tanh")(params, X, y, lr)]

    report = comparisons.check_step_fn(step_fn, **NET, lr=0.1, steps=3, dtype=given)
    f = report.findings[0]
    assert [x.label for x in report.findings] == ["bad_shape"] and f.check == "check_shapes", str(report)
    assert f.diagnosis.summary.startswith(f"every new W and b are {np.dtype(back)}, but the params given were {given}")


def test_a_keepdims_bias_from_a_step_fn_is_accepted_as_for_a_grad_fn():
    def step_fn(params, X, y, lr):
        return [(W, b.reshape(1, -1)) for W, b in make_step_fn("tanh")(params, X, y, lr)]

    assert comparisons.check_step_fn(step_fn, **NET, lr=0.1, steps=3).passed


def test_zoo_step_fn_is_a_plain_step():
    assert comparisons.check_step_fn(make_step_fn("tanh"), **NET, lr=0.1, steps=2).passed
