"""Seed 001 (001_6a5e2d9c25e27c2a.txt, "RELU可以反向传播吗"): a 5-layer 1-10-20-30-40-1 network fitting
y = x**2 + 2x - 3 with a hand-written backward, in the two forms the seed's answers give.

ReLU form (回答1): W = randn(fan_in, fan_out), b = zeros((1, n)); 10000 iterations, each on a fresh
x = randn(100, 1); lr 0.01; the printed loss is MSE = mean((y_pred - y)**2); fit reported on
linspace(-5, 5, 100). The seed never seeds NumPy: RandomState(0) here, weights first, then the batches,
from one stream as the seed's global calls would draw them.
Transcription damage restored: np.maximum(0, x), axis=0, `i % 100 == 0`, lr = .01.
Real bugs in its backward() (BUGS, each can be switched on alone):
- "sum_grad": delta = 2 (y_pred - y_true) is the gradient of the SUM of squares, N = 100 times the
  gradient of the mean that the seed calls its loss (and prints).
- "stale":    each layer is updated before the error is sent back through it (delta @ W5.T uses the new W5).
Made runnable: backward() assigns W5 ... b1 without `global` (UnboundLocalError at its first update) and
reads the loop's h1..h4; here they live in a namespace `g`. With both bugs off, this is the corrected code.
Finding: with the seed's randn weights (initial loss ~4e3) and lr 0.01 the corrected network diverges
too (inf at step 3; 20 of 20 RandomState seeds tried diverge by step 4). The deviation system
"quadratic_relu_torch_init" changes only the initialisation (torch's default, in distribution) and trains.

Mixed form (回答2): a class with SCALAR weights, x -> relu -> sigmoid -> tanh -> relu -> linear,
W_i, b_i = randn() interleaved, 1000 epochs on one x = randn() each, lr 0.01, trained on x**2 - 2x - 3
(a sign typo against the stated target). The issue asks for this mixed form as the 1-10-20-30-40-1
network: built with activations relu, sigmoid, tanh, relu (the class's order), W_i = randn(fan_in,
fan_out), b_i = randn(fan_out) interleaved as the class draws them, its lr, epochs and one-sample
batches, and the stated target. It diverges as well (inf at step 9 from RandomState(0)); the deviation
"quadratic_mixed_torch_init" again changes only the initialisation.
The scalar class itself is kept as written, on a 1-1-1-1-1-1 chain with its own data (typo included):
its loss gradient has the wrong sign, 2 (y - pred), and its dW formulas are not derivatives of the
network. Made runnable: its backward reads h1, h2, h3, which only forward() defines (NameError); we hand
it forward's values at the step's starting weights.
"""
from __future__ import annotations

from functools import cache
from types import SimpleNamespace

import numpy as np

from ..init import init_torch_default
from ..network import build_mlp
from .spec import Data, SeedSystem, Variant, as_row_major, fit_mse

LR, RELU_STEPS, MIXED_STEPS = 0.01, 10000, 1000
SIZES, SCALAR_SIZES = (1, 10, 20, 30, 40, 1), (1, 1, 1, 1, 1, 1)
MIXED = ("relu", "sigmoid", "tanh", "relu")
BUGS = ("sum_grad", "stale")


def target(x):
    return x ** 2 + 2 * x - 3


def target_typo(x):          # what 回答2 trains on
    return x ** 2 - 2 * x - 3


@cache
def _relu_draw():
    rng = np.random.RandomState(0)
    params = [(rng.randn(a, b), np.zeros(b)) for a, b in zip(SIZES, SIZES[1:])]
    x = rng.randn(RELU_STEPS, 100, 1)   # the same numbers as 10000 calls of randn(100, 1)
    return params, Data(x, target(x), per_step=True)


@cache
def _mixed_draw(sizes, f):
    rng = np.random.RandomState(0)
    params = [(rng.randn(a, b), rng.randn(b)) for a, b in zip(sizes, sizes[1:])]
    x = rng.randn(MIXED_STEPS).reshape(-1, 1, 1)   # one np.random.randn() per epoch
    return params, Data(x, f(x), per_step=True)


def _copy(params):
    return [(W.copy(), b.copy()) for W, b in params]


def _torch_default_init(activations):
    net = build_mlp(SIZES, list(activations))
    return init_torch_default(net, np.random.RandomState(0)).linear_params()


# ---- 回答1's code, made runnable ------------------------------------------------------------------
def ReLU(x):
    return np.maximum(0, x)


def forward(g, x):
    g.h1 = ReLU(np.dot(x, g.W1) + g.b1)
    g.h2 = ReLU(np.dot(g.h1, g.W2) + g.b2)
    g.h3 = ReLU(np.dot(g.h2, g.W3) + g.b3)
    g.h4 = ReLU(np.dot(g.h3, g.W4) + g.b4)
    return np.dot(g.h4, g.W5) + g.b5


def _update_then_send_back(g, i, h_in, delta, lr, bugs):
    """The seed's unrolled block for layer i (5 down to 1): update W_i, b_i, then compute the error of
    the layer below through W_i and that layer's ReLU mask."""
    W, b = getattr(g, f"W{i}"), getattr(g, f"b{i}")
    W_used = W.copy()                                    # the W_i the forward pass used
    W -= lr * np.dot(h_in.T, delta)
    b -= lr * np.sum(delta, axis=0, keepdims=True)
    return np.dot(delta, (W if "stale" in bugs else W_used).T) * (h_in > 0)   # BUG stale: new W_i


def backward(g, x, y_pred, y_true, lr, bugs=BUGS):
    delta = 2 * (y_pred - y_true)        # BUG sum_grad: d/dy_pred of sum((y_pred - y)**2), not the mean's
    if "sum_grad" not in bugs:
        delta = delta / y_true.shape[0]
    hs = (x, g.h1, g.h2, g.h3, g.h4)
    for i in range(5, 0, -1):
        delta = _update_then_send_back(g, i, hs[i - 1], delta, lr, bugs)


def make_step(bugs=BUGS):
    """One iteration of 回答1's loop (forward, backward) with the given bugs, in the learner's shape."""
    def step(params, X, y, lr):
        g = SimpleNamespace()
        for i, (W, b) in enumerate(params, 1):
            setattr(g, f"W{i}", W)
            setattr(g, f"b{i}", b.reshape(1, -1))       # the seed's biases are (1, n)
        backward(g, X, forward(g, X), y, lr, bugs)
        return as_row_major([(getattr(g, f"W{i}"), getattr(g, f"b{i}")) for i in range(1, 6)])
    step.__name__ = f"step_{'_'.join(bugs) or 'corrected'}"
    step.inplace = True          # the seed's W -= lr * dW updates the arrays it is given
    return step


# ---- 回答2's scalar class, as written (h1..h3 handed over) ----------------------------------------
class NeuralNetwork:
    def __init__(self, rng=np.random):
        for i in range(1, 6):
            setattr(self, f"W{i}", rng.randn())
            setattr(self, f"b{i}", rng.randn())

    def sigmoid(self, x):
        return 1 / (1 + np.exp(-x))

    def tanh(self, x):
        return np.tanh(x)

    def relu(self, x):
        return np.maximum(0, x)

    def forward(self, x):
        h1 = self.relu(x * self.W1 + self.b1)
        h2 = self.sigmoid(h1 * self.W2 + self.b2)
        h3 = self.tanh(h2 * self.W3 + self.b3)
        h4 = self.relu(h3 * self.W4 + self.b4)
        self.hidden = (h1, h2, h3)   # added: backward() reads h1, h2, h3 (NameError as written)
        return h4 * self.W5 + self.b5

    def backward(self, x, y, learning_rate):
        s, t, r = self.sigmoid, self.tanh, self.relu           # short names for the seed's calls
        loss_gradient = 2 * (y - self.forward(x))              # BUG: sign (d/dpred is -2 (y - pred))
        h1, h2, h3 = self.hidden                               # added (see forward)
        # the seed writes these three sub-expressions out in full in dW5, db5, dW4, db4; products below
        # keep its left-to-right order, so every value is bit-identical to the seed's
        a = r(t(s(x * self.W1 + self.b1) * self.W2 + self.b2))
        c = t(r(s(x * self.W1 + self.b1) * self.W2 + self.b2))
        e = r(t((r(s(x * self.W1 + self.b1) * self.W2 + self.b2)) * self.W3 + self.b3))
        dW5 = loss_gradient * a * c * e                        # BUG: none of dW5 .. db1 is a derivative
        db5 = loss_gradient * c * c * e
        self.W5 -= learning_rate * dW5
        self.b5 -= learning_rate * db5
        dW4 = loss_gradient * self.W5 * (a * c) * e
        db4 = loss_gradient * self.W5 * (a * c) * e
        self.W4 -= learning_rate * dW4
        self.b4 -= learning_rate * db4
        dW3 = (loss_gradient * self.W5 * self.W4 * s(h1 * self.W2 + self.b2) * t(s(h1 * self.W2 + self.b2))
               * r(h3 * self.W4 + self.b4))
        db3 = dW3
        self.W3 -= learning_rate * dW3
        self.b3 -= learning_rate * db3
        dW2 = (loss_gradient * self.W5 * self.W4 * self.W3 * self.W1 * s(x * self.W1 + self.b1)
               * t(s(x * self.W1 + self.b1)) * r(h2 * self.W3 + self.b3))
        db2 = dW2
        self.W2 -= learning_rate * dW2
        self.b2 -= learning_rate * db2
        dW1 = (loss_gradient * self.W5 * self.W4 * self.W3 * self.W2 * x * s(x * self.W1 + self.b1)
               * t(s(x * self.W1 + self.b1)))
        db1 = dW1
        self.W1 -= learning_rate * dW1
        self.b1 -= learning_rate * db1


def step_scalar_as_written(params, X, y, lr):
    """One epoch of 回答2's loop, network.backward(x, y_actual, lr), on a 1-1-1-1-1-1 chain, batch 1."""
    net = NeuralNetwork.__new__(NeuralNetwork)
    for i, (W, b) in enumerate(params, 1):
        setattr(net, f"W{i}", float(W[0, 0]))
        setattr(net, f"b{i}", float(b[0]))
    net.backward(float(X[0, 0]), float(y[0, 0]), lr)
    return [(np.array([[getattr(net, f"W{i}")]]), np.array([getattr(net, f"b{i}")])) for i in range(1, 6)]


def _task(predict_fn) -> dict:
    return {"fit MSE on [-5,5]": fit_mse(predict_fn, target)}


def _system(key, title, activations, steps, init, data, **kw) -> SeedSystem:
    return SeedSystem(key=key, seed="001", seed_file="001_6a5e2d9c25e27c2a.txt", title=title,
                      sizes=kw.pop("sizes", SIZES), activations=activations, output="identity", loss="mse",
                      lr=LR, steps=steps, init=init, make_data=data, task=_task, **kw)


SCALAR = _system("quadratic_scalar", "回答2's scalar class", MIXED, MIXED_STEPS,
                 lambda: _copy(_mixed_draw(SCALAR_SIZES, target_typo)[0]),
                 lambda: _mixed_draw(SCALAR_SIZES, target_typo)[1], sizes=SCALAR_SIZES,
                 note="x**2 - 2x - 3 as the seed trains it; randn() scalars from RandomState(0)")

SYSTEMS = (
    _system("quadratic_relu", "x^2+2x-3, ReLU (回答1)", ("relu",) * 4, RELU_STEPS,
            lambda: _copy(_relu_draw()[0]), lambda: _relu_draw()[1],
            variants=(
                Variant("as written", make_step(BUGS), "flag",
                        "sum-of-squares gradient (x100 the printed mean's) and updated weights sent back"),
                Variant("only sum_grad", make_step(("sum_grad",)), "flag", "delta = 2 (y_pred - y), no / N"),
                Variant("only stale", make_step(("stale",)), "flag", "error sent back through updated W"),
                Variant("corrected", make_step(()), "pass", "none: the seed's code with both bugs fixed"),
            ),
            note="seed's randn init and lr 0.01: diverges (corrected or not)"),
    _system("quadratic_relu_torch_init", "as above, torch-default init", ("relu",) * 4, RELU_STEPS,
            lambda: _torch_default_init(("relu",) * 4), lambda: _relu_draw()[1],
            note="DEVIATION: init U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (RandomState(0)) instead of randn"),
    _system("quadratic_mixed", "x^2+2x-3, relu/sigmoid/tanh (回答2)", MIXED, MIXED_STEPS,
            lambda: _copy(_mixed_draw(SIZES, target)[0]), lambda: _mixed_draw(SIZES, target)[1],
            variants=(Variant("scalar class as written", step_scalar_as_written, "flag",
                              "wrong-sign loss gradient, dW formulas that are not derivatives", system=SCALAR),),
            note="回答2's randn W and b, lr 0.01, 1000 one-sample epochs: diverges"),
    _system("quadratic_mixed_torch_init", "as above, torch-default init", MIXED, MIXED_STEPS,
            lambda: _torch_default_init(MIXED), lambda: _mixed_draw(SIZES, target)[1],
            note="DEVIATION: init U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (RandomState(0)) instead of randn"),
)
