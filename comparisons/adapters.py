"""Adapters for learner code in other shapes: column-major functions (seed 003) and classes whose
backward(X, y, lr) updates their own weight attributes (seed 000's BPNeuralNetwork).

Column-major, W @ x + b with W (fan_out, fan_in), b (fan_out, 1), x (features, N), y (outputs, N):

    def grad_fn(params, x, y):                 # params = [(W1, b1), (W2, b2)]
        ...
        return loss, [(dW1, db1), (dW2, db2)]  # dW (fan_out, fan_in), db (fan_out, 1) or (fan_out,)

    check_grad_fn_column_major(grad_fn, sizes=[1, 4, 1], activations="tanh", output="identity", loss="mse")

A class (an instance, the class itself, or a factory), its weights named as attributes:

    step_fn = step_fn_from_class(BPNeuralNetwork, [("input_hidden_weights", "hidden_bias"),
                                                   ("hidden_output_weights", "output_bias")])
    check_step_fn(step_fn, sizes=[3, 6, 2], activations="relu", output="identity", loss="half_sum", lr=0.05)

The class is built once (a class is called with the sizes, BPNeuralNetwork(3, 6, 2), when its constructor
takes them) and kept across calls, as a training loop keeps it, so state it carries between steps shows.
Each step sets the attributes to the params (bias shapes as the object has them, (n,) or (1, n)), calls
forward(X), then backward(X, y, lr), and reads the attributes back.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence

import numpy as np

from .learner import check_grad_fn, check_step_fn
from .learner_io import LearnerSetupError
from .learner_report import LearnerReport


def check_grad_fn_column_major(grad_fn, **kwargs) -> LearnerReport:
    """check_grad_fn for code written as W @ x (seed 003): the same as passing layout="column"."""
    return check_grad_fn(grad_fn, layout="column", **kwargs)


def check_step_fn_column_major(step_fn, **kwargs) -> LearnerReport:
    """check_step_fn for code written as W @ x (seed 003): the same as passing layout="column"."""
    return check_step_fn(step_fn, layout="column", **kwargs)


def _build(learner, sizes: list[int]):
    """An instance: learner itself, learner() or learner(*sizes), whichever its signature asks for."""
    if not (inspect.isclass(learner) or inspect.isfunction(learner) or inspect.ismethod(learner)):
        return learner
    try:
        required = [p for p in inspect.signature(learner).parameters.values()
                    if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        required = []
    if not required:
        return learner()
    if len(required) == len(sizes):
        return learner(*sizes)
    raise LearnerSetupError(f"cannot build {getattr(learner, '__name__', learner)!r}: its constructor takes "
                            f"{len(required)} argument(s) and sizes {sizes} give {len(sizes)}; pass a factory "
                            f"instead, e.g. lambda: {getattr(learner, '__name__', 'Net')}(...)")


def _method(obj, spec: str | Callable, what: str) -> Callable:
    if callable(spec):
        return lambda *args: spec(obj, *args)
    method = getattr(obj, spec, None)
    if not callable(method):
        raise LearnerSetupError(f"{type(obj).__name__} has no method {spec!r} for {what}; name it with "
                                f"{what}=... (a method name or a function (obj, ...))")
    return method


def _get(obj, attr: str) -> np.ndarray:
    if not hasattr(obj, attr):
        raise LearnerSetupError(f"{type(obj).__name__} has no attribute {attr!r}; attributes: "
                                f"{', '.join(sorted(k for k in vars(obj) if not k.startswith('_')))}")
    return np.asarray(getattr(obj, attr))


def step_fn_from_class(learner, weights: Sequence[tuple[str, str]], *, forward: str | Callable = "forward",
                       backward: str | Callable = "backward", layout: str = "row") -> Callable:
    """A step_fn(params, X, y, lr) driving an object that updates its own weights; see the module docstring.

    weights: [(W attribute, b attribute), ...], input layer first. forward/backward: method names, or
    functions forward(obj, X) and backward(obj, X, y, lr). layout="column" if the object keeps W as
    (fan_out, fan_in) and takes X as (features, N)."""
    weights = [tuple(pair) for pair in weights]
    state: dict = {}

    def step_fn(params, X, y, lr):
        if len(params) != len(weights):
            raise LearnerSetupError(f"{len(weights)} (W, b) attribute pairs were named for {len(params)} layers")
        if "obj" not in state:
            state["obj"] = _build(learner, [params[0][0].shape[0]] + [W.shape[1] for W, _ in params])
        obj = state["obj"]
        shapes = []
        for (w_attr, b_attr), (W, b) in zip(weights, params):
            W_now, b_now = _get(obj, w_attr), _get(obj, b_attr)
            W_in = W.T if layout == "column" else W
            if W_now.shape != W_in.shape or b_now.size != b.size:
                raise LearnerSetupError(f"{type(obj).__name__}.{w_attr} has shape {W_now.shape} and {b_attr} "
                                        f"{b_now.shape}, but the layer needs {W_in.shape} and {b.size} biases: "
                                        "build the object with the sizes given to the check")
            setattr(obj, w_attr, np.array(W_in, dtype=W.dtype))
            setattr(obj, b_attr, np.array(b, dtype=b.dtype).reshape(b_now.shape))
            shapes.append(b.size)
        x_in, y_in = (X.T, y.T) if layout == "column" else (X, y)
        _method(obj, forward, "forward")(np.array(x_in))
        _method(obj, backward, "backward")(np.array(x_in), np.array(y_in), lr)
        out = []
        for (w_attr, b_attr), n in zip(weights, shapes):
            W_new, b_new = _get(obj, w_attr).copy(), _get(obj, b_attr).copy()
            out.append((W_new.T if layout == "column" else W_new, b_new.reshape(-1) if b_new.size == n else b_new))
        return out

    step_fn.__wrapped__ = learner
    label = getattr(learner, "__name__", type(learner).__name__)
    step_fn.__qualname__ = step_fn.__name__ = f"step_fn_from_class({label})"
    return step_fn


def check_class(learner, weights: Sequence[tuple[str, str]], *, forward: str | Callable = "forward",
                backward: str | Callable = "backward", **kwargs) -> LearnerReport:
    """check_step_fn(step_fn_from_class(learner, weights, ...), **kwargs) in one call (layout goes to the
    adapter, which hands the check row-major arrays)."""
    layout = kwargs.pop("layout", "row")
    return check_step_fn(step_fn_from_class(learner, weights, forward=forward, backward=backward, layout=layout),
                         **kwargs)
