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

The class adapter itself (how the object is built and driven) lives in class_adapter.py, which the
check command's worker process also loads.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from .class_adapter import LearnerSetupError, step_fn_from_class  # noqa: F401 (re-exported)
from .api import check_grad_fn, check_step_fn
from .results import LearnerReport


def check_grad_fn_column_major(grad_fn, **kwargs) -> LearnerReport:
    """check_grad_fn for code written as W @ x (seed 003): the same as passing layout="column"."""
    return check_grad_fn(grad_fn, layout="column", **kwargs)


def check_step_fn_column_major(step_fn, **kwargs) -> LearnerReport:
    """check_step_fn for code written as W @ x (seed 003): the same as passing layout="column"."""
    return check_step_fn(step_fn, layout="column", **kwargs)


def check_class(learner, weights: Sequence[tuple[str, str]], *, forward: str | Callable = "forward",
                backward: str | Callable = "backward", **kwargs) -> LearnerReport:
    """check_step_fn(step_fn_from_class(learner, weights, ...), **kwargs) in one call (layout goes to the
    adapter, which hands the check row-major arrays)."""
    layout = kwargs.pop("layout", "row")
    return check_step_fn(step_fn_from_class(learner, weights, forward=forward, backward=backward, layout=layout),
                         **kwargs)
