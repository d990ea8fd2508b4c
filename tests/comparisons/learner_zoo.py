"""Inline learners for unit tests of the diagnosis engine: one generic NumPy MLP whose backprop can carry
classic bugs, one (bug="stale") or several at once (bug=("stale", "sum_for_mean")), served as
grad_fn(params, X, y) -> (loss, grads) or step_fn(params, X, y, lr) -> params. Activations are spellings
("leaky_relu:0.05"), computed by the registry's formulas (themselves proven against torch).
(The catalogue of realistic learner code lives in tests/learners; these are the engine's test doubles.)"""
from __future__ import annotations

import numpy as np

from manual import parse_activation
GRAD_BUGS = ("sum_for_mean", "sign", "half", "no_output_deriv", "deriv_on_z", "deriv_wrong", "relu_mask", "cache_prev",
             "transpose", "bias_first", "bias_mean", "bias_rows", "batch_last", "accumulate")
STEP_BUGS = GRAD_BUGS + ("stale", "lr_twice", "lr_ignored", "lr_not_applied", "sign_update")


def bug_set(bug) -> frozenset:
    """None, one bug's name, or several names: the bugs switched on."""
    return frozenset() if bug is None else frozenset((bug,) if isinstance(bug, str) else bug)


def act(name: str, z):
    return parse_activation(name).forward(z)


def act_grad(name: str, z, a, on_z: bool = False):
    """f'(z), written from a = f(z) where code customarily does so; on_z: that a-formula applied to z (the
    classic bug), for activations whose derivative has the two forms."""
    chosen = parse_activation(name)
    if chosen.op.from_a is None:
        return chosen.from_z(z).astype(z.dtype, copy=False)     # the registry's masks come back float64
    derivative = chosen.op.from_a(z if on_z else a, chosen.p)
    return derivative.astype(z.dtype, copy=False)


WRONG_DERIVATIVES = {   # plausible wrong f' for the newer activations: a formula slip, not a catalogue mutant
    "elu": lambda z, p: np.where(z > 0, 1.0, p.alpha * np.expm1(z)),             # f - ... : alpha (e^z - 1)
    "gelu": lambda z, p: 0.5 * (1 + np.tanh(0.7978845608 * (z + 0.044715 * z ** 3))),   # Phi only, no z phi
    "silu": lambda z, p: 1 / (1 + np.exp(-z)),                                    # sigmoid only
    "softplus": lambda z, p: np.log1p(np.exp(p.beta * z)) / p.beta,               # the value, not f'
    "hardtanh": lambda z, p: ((z > p.min_val) & (z < p.max_val)) * 1.0 + (z >= p.max_val) * 1.0,  # top end open
}


def wrong_derivative(name: str, z):
    chosen = parse_activation(name)
    return WRONG_DERIVATIVES[chosen.name](z, chosen.p)


def loss_grad(loss: str, yhat, y, bugs: frozenset):
    n = y.size
    if loss == "bce":
        value = -np.mean(y * np.log(yhat) + (1 - y) * np.log(1 - yhat))
        g = (yhat - y) / (yhat * (1 - yhat)) / n
    else:
        value = {"mse": np.mean, "sum": np.sum, "half_sum": lambda e: 0.5 * np.sum(e)}[loss]((yhat - y) ** 2)
        g = {"mse": 2 / n, "sum": 2.0, "half_sum": 1.0}[loss] * (yhat - y)
    factor = float(np.prod([{"sum_for_mean": n, "sign": -1.0, "half": 0.5}.get(b, 1.0) for b in bugs]))
    return value, factor * g


def backprop(params, X, y, hidden, output, loss, bug=None, lr=None):
    """(loss, [(dW, db), ...]) with `bug` injected (None: correct); "stale" sends delta back through W - lr dW."""
    bugs = bug_set(bug)
    acts, zs = [X], []
    for k, (W, b) in enumerate(params):
        zs.append(acts[-1] @ W + b)
        acts.append(act(hidden[k] if k < len(params) - 1 else output, zs[-1]))
    value, dyhat = loss_grad(loss, acts[-1], y, bugs)
    delta = dyhat if "no_output_deriv" in bugs else dyhat * act_grad(output, zs[-1], acts[-1])
    grads = [None] * len(params)
    for k in reversed(range(len(params))):
        A = acts[k - 1] if "cache_prev" in bugs and k and acts[k - 1].shape[1] == acts[k].shape[1] else acts[k]
        dW = np.outer(A[-1], delta[-1]) if "batch_last" in bugs else A.T @ delta
        dW = dW.T if "transpose" in bugs else dW
        bias = {"bias_first": lambda: delta[0], "bias_mean": lambda: delta.mean(0), "bias_rows": lambda: delta}
        db = next((bias[b] for b in bugs if b in bias), lambda: delta.sum(0))()
        grads[k] = (dW, db)
        if k:
            W = params[k][0] - lr * dW if "stale" in bugs else params[k][0]
            name = hidden[k - 1]
            deriv = {"deriv_on_z": lambda: act_grad(name, zs[k - 1], acts[k], on_z=True),
                     "relu_mask": lambda: (zs[k - 1] > 0) * 1.0, "deriv_wrong": lambda: wrong_derivative(name, zs[k - 1])}
            d = next((deriv[b] for b in bugs if b in deriv), lambda: act_grad(name, zs[k - 1], acts[k]))()
            delta = (delta @ W.T) * d
    return value, grads


def make_grad_fn(hidden, output="identity", loss="mse", bug=None):
    hidden = [hidden] * 8 if isinstance(hidden, str) else list(hidden)
    total: dict = {}

    def grad_fn(params, X, y):
        value, grads = backprop(params, X, y, hidden, output, loss, bug)
        if "accumulate" in bug_set(bug):
            for k, (dW, db) in enumerate(grads):
                old = total.get(k, (0, 0))
                total[k] = (old[0] + dW, old[1] + db)
            grads = [total[k] for k in range(len(grads))]
        return value, grads

    return grad_fn


def make_step_fn(hidden, output="identity", loss="mse", bug=None):
    """p - rate * grad, rate = lr unless a step bug changes it; a stale backprop uses that same rate."""
    hidden = [hidden] * 8 if isinstance(hidden, str) else list(hidden)
    bugs = bug_set(bug)
    grad_fn = make_grad_fn(hidden, output, loss, bugs & set(GRAD_BUGS))

    def step_fn(params, X, y, lr):
        rates = {"lr_twice": lr * lr, "lr_ignored": 0.1, "lr_not_applied": 1.0, "sign_update": -lr}
        rate = next((rates[b] for b in bugs if b in rates), lr)
        grads = (backprop(params, X, y, hidden, output, loss, bugs, rate)[1] if "stale" in bugs
                 else grad_fn(params, X, y)[1])
        return [(W - rate * dW, b - rate * db) for (W, b), (dW, db) in zip(params, grads)]

    return step_fn
