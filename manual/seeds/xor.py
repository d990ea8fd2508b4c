"""Seed 004 (004_04be1c9f3a34761c.txt, "numpy实现神经网络"): XOR with a 2-4-1 network, ReLU hidden
layer, sigmoid output, np.random.seed(42), W = randn, b = zeros((1, n)), lr 0.1, 1000 full-batch epochs.

Loss convention: the seed never writes its loss; its update  W += lr * h.T @ ((target - out) * out(1-out))
is exact gradient descent on  L = 0.5 * sum((out - target)**2)  (manual "half_sum"). What it prints every
100 epochs is a different number, mean((target - out)**2), taken from the forward pass before the update.

Real bug: train() computes that printed loss from `targets` (the variable is `target`): NameError at the
first epoch, after the first update. Transcription damage (none here besides indentation) restored.
"""
from __future__ import annotations

import numpy as np

from ..gradcheck import gradcheck
from ..optim import SGD
from .spec import Data, SeedSystem, Variant, as_row_major

INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
TARGET = np.array([[0], [1], [1], [0]])
LR, EPOCHS = 0.1, 1000


# ---- the seed's code, indentation restored -------------------------------------------------------
def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def relu(x):
    return np.maximum(0, x)


def sigmoid_back(x):           # derivative of sigmoid written in terms of its output y: y (1 - y)
    return x * (1 - x)


def relu_back(x):              # called on the ReLU output: > 0 exactly where the input was > 0
    return np.where(x > 0, 1, 0)


def initialize(input_size, hidden_size, output_size):
    rng = np.random.RandomState(42)  # the seed: np.random.seed(42), then np.random.randn (same numbers)
    return (rng.randn(input_size, hidden_size), np.zeros((1, hidden_size)),
            rng.randn(hidden_size, output_size), np.zeros((1, output_size)))


def forward(inputs, input_hidden_weights, input_hidden_bias, hidden_out_weights, hidden_out_bias):
    hidden_input = np.dot(inputs, input_hidden_weights) + input_hidden_bias
    hidden_output = relu(hidden_input)
    final_input = np.dot(hidden_output, hidden_out_weights) + hidden_out_bias
    final_output = sigmoid(final_input)
    return hidden_output, final_output


def backward(inputs, hidden_output, final_output, target, hidden_out_weights):
    output_error = target - final_output                      # = -dL/d(out) for the half-sum loss
    output_delta = output_error * sigmoid_back(final_output)  # = -dL/dz2
    hidden_error = output_delta.dot(hidden_out_weights.T)
    hidden_delta = hidden_error * relu_back(hidden_output)    # = -dL/dz1
    return output_delta, hidden_delta


def update(inputs, hidden_output, output_delta, hidden_delta, input_hidden_weights, input_hidden_bias,
           hidden_output_weights, hidden_output_bias, learning_rate):
    # deltas are -dL/dz, so "+ lr * ..." is plain gradient descent
    hidden_output_weights = hidden_output_weights + hidden_output.T.dot(output_delta) * learning_rate
    hidden_output_bias = hidden_output_bias + np.sum(output_delta, axis=0, keepdims=True) * learning_rate
    input_hidden_weights = input_hidden_weights + inputs.T.dot(hidden_delta) * learning_rate
    input_hidden_bias = input_hidden_bias + np.sum(hidden_delta, axis=0, keepdims=True) * learning_rate
    return input_hidden_weights, input_hidden_bias, hidden_output_weights, hidden_output_bias


def predict(inputs, input_hidden_weights, input_hidden_bias, hidden_output_weights, hidden_output_bias):
    _, result = forward(inputs, input_hidden_weights, input_hidden_bias, hidden_output_weights,
                        hidden_output_bias)
    return [1 if y_hat > 0.5 else 0 for y_hat in result]


def train(inputs, target, input_size=2, hidden_size=4, output_size=1, learning_rate=LR, epochs=EPOCHS):
    """The seed's train() with `targets` corrected to `target`. Returns (parameters, printed losses), the
    losses being mean((target - out)**2) at every epoch (the seed prints every 100th)."""
    W1, b1, W2, b2 = initialize(input_size, hidden_size, output_size)
    losses = []
    for _ in range(epochs):
        hidden_output, final_output = forward(inputs, W1, b1, W2, b2)
        output_delta, hidden_delta = backward(inputs, hidden_output, final_output, target, W2)
        W1, b1, W2, b2 = update(inputs, hidden_output, output_delta, hidden_delta, W1, b1, W2, b2,
                                learning_rate)
        losses.append(np.mean(np.square(target - final_output)))
    return (W1, b1, W2, b2), losses


# ---- the same code as one training step in the learner's shape ------------------------------------
def _epoch(params, X, y, lr, *, as_written: bool):
    (W1, b1), (W2, b2) = params
    b1, b2 = b1.reshape(1, -1), b2.reshape(1, -1)           # the seed keeps biases as (1, n)
    hidden_output, final_output = forward(X, W1, b1, W2, b2)
    output_delta, hidden_delta = backward(X, hidden_output, final_output, y, W2)
    W1, b1, W2, b2 = update(X, hidden_output, output_delta, hidden_delta, W1, b1, W2, b2, lr)
    target = targets if as_written else y  # noqa: F821  BUG as written: `targets` -> NameError
    np.mean(np.square(target - final_output))  # the loss the seed prints: this epoch's forward, after the update
    return as_row_major([(W1, b1), (W2, b2)])


def step_as_written(params, X, y, lr):
    """One epoch of the seed's train() loop body, exactly as written."""
    return _epoch(params, X, y, lr, as_written=True)


def step_corrected(params, X, y, lr):
    """One epoch of the seed's loop with `target` spelled right."""
    return _epoch(params, X, y, lr, as_written=False)


def _init():
    W1, b1, W2, b2 = initialize(2, 4, 1)
    return as_row_major([(W1, b1), (W2, b2)])


def _task(predict_fn) -> dict:
    out = predict_fn(INPUTS.astype(np.float64))
    return {"predictions": str([1 if p > 0.5 else 0 for p in out.ravel()]),
            "loss": float(np.mean(np.square(TARGET - out)))}


def _checks() -> list[tuple[bool, str]]:
    """The seed's loss curve and weights against manual's network; its finite-difference check."""
    seed_params, seed_losses = train(INPUTS, TARGET)
    system = SYSTEMS[0]
    net, loss, opt = system.build(), system.make_loss(), SGD(LR)
    X, y = system.data.X, system.data.y
    curve = []
    for _ in range(EPOCHS):
        out = net.forward(X)
        curve.append(np.mean(np.square(y - out)))
        loss.forward(out, y)
        net.backward(loss.backward())
        opt.step(net)
    ours = [a for pair in net.linear_params() for a in pair]
    d_loss = float(np.max(np.abs(np.array(curve) - seed_losses)))
    d_weights = max(float(np.max(np.abs(a - b.reshape(a.shape)))) for a, b in zip(ours, seed_params))
    printed = ", ".join(f"{v:.4g}" for v in seed_losses[::100])
    fd = gradcheck(system.build(), system.make_loss(), X, y)
    return [
        (True, f"the seed's printed losses (epochs 0, 100, ..., 900): {printed}"),
        (d_loss == 0 and d_weights == 0,
         f"manual's network vs the seed's code over {EPOCHS} epochs: loss curve and final weights "
         + ("bit-identical" if d_loss == d_weights == 0 else
            f"NOT bit-identical (loss within {d_loss:.0e}, weights within {d_weights:.0e})")),
        (fd.passed, f"finite-difference check at the initial weights: max rel error {fd.max_error:.0e}, "
                    f"{fd.kinks} entries straddling the (0, 0) row's ReLU kink left out"),
    ]


SYSTEMS = (
    SeedSystem(
        key="xor", seed="004", seed_file="004_04be1c9f3a34761c.txt", title="XOR, ReLU + sigmoid",
        sizes=(2, 4, 1), activations=("relu",), output="sigmoid", loss="half_sum", lr=LR, steps=EPOCHS,
        init=_init, make_data=lambda: Data(INPUTS.astype(np.float64), TARGET.astype(np.float64)),
        task=_task,
        variants=(
            Variant("as written", step_as_written, "flag",
                    "train() computes its printed loss from `targets`: NameError at epoch 0"),
            Variant("`targets` -> `target`", step_corrected, "pass", "none: the seed's code corrected"),
        ),
        note="np.random.seed(42); half-sum loss (what its update differentiates); predictions "
             "thresholded at 0.5", checks=_checks),
)
