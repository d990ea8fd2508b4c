"""A class whose backward(X, y, lr) updates its own weight attributes (seed 000's BPNeuralNetwork), driven
as a step_fn(params, X, y, lr):

    step_fn = step_fn_from_class(BPNeuralNetwork, [("input_hidden_weights", "hidden_bias"),
                                                   ("hidden_output_weights", "output_bias")])

The object is built once (a class is called with the sizes, BPNeuralNetwork(3, 6, 2), when its constructor
takes them) and kept across calls, as a training loop keeps it, so state it carries between steps shows.
Each step sets the attributes to the params (bias shapes as the object has them, (n,) or (1, n)), calls
forward(X), then backward(X, y, lr), and reads the attributes back. NumPy only: the learner's worker
process builds it there.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence

import numpy as np

from manual.errors import ParityInputError

from ..wording import arg, cli_style


class LearnerSetupError(ParityInputError):
    """An adapter cannot drive the learner's object (missing attribute, sizes that do not fit)."""


def _build(learner, sizes: list[int]) -> tuple[object, str]:
    """(instance, how it was built): learner itself, learner() or learner(*sizes), as its signature asks."""
    name = getattr(learner, "__name__", "Net")
    if not (inspect.isclass(learner) or inspect.isfunction(learner) or inspect.ismethod(learner)):
        return learner, f"the {type(learner).__name__} instance given"
    try:
        required = [p for p in inspect.signature(learner).parameters.values()
                    if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        required = []
    if not required:
        return learner(), f"{name}()"
    if len(required) == len(sizes):
        return learner(*sizes), f"{name}({', '.join(map(str, sizes))})"
    raise LearnerSetupError(f"cannot build {name!r}: its constructor takes {len(required)} argument(s) and sizes "
                            f"{sizes} give {len(sizes)}; pass a factory instead, e.g. lambda: {name}(...)")


def _method(obj, spec: str | Callable, what: str) -> Callable:
    if callable(spec):
        return lambda *args: spec(obj, *args)
    method = getattr(obj, spec, None)
    if not callable(method):
        fix = ("the check command calls forward(X), then backward(X, y, lr): give the class those methods"
               if cli_style() else f"name it with {what}=... (a method name or a function (obj, ...))")
        raise LearnerSetupError(f"{type(obj).__name__} has no method {spec!r} for {what}; {fix}")
    return method


def _get(obj, attr: str, built: str) -> np.ndarray:
    if hasattr(obj, attr):
        return np.asarray(getattr(obj, attr))
    found = sorted(k for k in vars(obj) if not k.startswith("_")) if hasattr(obj, "__dict__") else []
    if found:
        raise LearnerSetupError(f"{type(obj).__name__} has no attribute {attr!r}; the attributes of "
                                f"{built}: {', '.join(found)} (name them in {arg('weights')})")
    raise LearnerSetupError(
        f"{built} has no attribute {attr!r}, and no attributes at all: its class has no __init__ that sets "
        f"them. The check builds one object, writes the params into the attributes named in "
        f"{arg('weights')} before each forward(X) + backward(X, y, lr), and reads them back after, so they "
        f"must exist once the object is built: give the class an __init__(self, n_in, n_hidden, n_out) that "
        f"creates them (self.{attr} = np.random.randn(...)), or check a step_fn that sets them itself")


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
            state["obj"], state["built"] = _build(learner, [params[0][0].shape[0]] + [W.shape[1] for W, _ in params])
        obj, built = state["obj"], state["built"]
        shapes = []
        for (w_attr, b_attr), (W, b) in zip(weights, params):
            W_now, b_now = _get(obj, w_attr, built), _get(obj, b_attr, built)
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
            W_new, b_new = _get(obj, w_attr, built).copy(), _get(obj, b_attr, built).copy()
            out.append((W_new.T if layout == "column" else W_new, b_new.reshape(-1) if b_new.size == n else b_new))
        return out

    step_fn.__wrapped__ = learner
    label = getattr(learner, "__name__", type(learner).__name__)
    step_fn.__qualname__ = step_fn.__name__ = f"step_fn_from_class({label})"
    return step_fn
