"""What a learner's code claims to compute, checked before anything runs: sizes, activations, output,
loss, dtype, seed and layout. Every inconsistency is a LearnerSpecError that names it."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

import manual
from manual.activation_op import ChosenActivation
from manual.activation_spelling import parse_activation, split_activations
from manual.errors import ParityInputError
from manual.losses.registry import REGISTRY as LOSS_REGISTRY
from manual.losses.registry import TARGETS, LossOp
from manual.validate import as_float_dtype

from ..wording import arg

HIDDEN_ACTIVATIONS = tuple(manual.ACTIVATION_REGISTRY)   # every registered one, with its parameters
OUTPUTS = ("identity", "sigmoid")   # the usual ones; any registered activation (with parameters) is accepted
LOSSES = {name: f"{name}: {op.text}" for name, op in LOSS_REGISTRY.items()}   # every registered loss
LAYOUTS = {"row": "X @ W + b, W (fan_in, fan_out), b (fan_out,), X (N, features)",
           "column": "W @ x + b, W (fan_out, fan_in), b (fan_out, 1), x (features, N)"}


class LearnerSpecError(ParityInputError):
    """The check was asked for something inconsistent (sizes vs activations, unknown names, ...)."""


def _sizes(sizes) -> tuple[int, ...]:
    if isinstance(sizes, str) or not isinstance(sizes, Sequence) or len(sizes) < 2:
        raise LearnerSpecError(f"{arg('sizes')} must list the layer widths from input to output, at least two of "
                               f"them, e.g. {arg('sizes', [2, 4, 1])}; got {sizes!r}")
    out = []
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1:
            raise LearnerSpecError(f"{arg('sizes')} must be positive integers, got {list(sizes)!r}")
        out.append(int(s))
    return tuple(out)


def _activations(activations, n_hidden: int, sizes) -> tuple[str, ...]:
    """One canonical spelling per hidden layer ('leaky_relu:0.05', 'tanh')."""
    if isinstance(activations, str):
        names = split_activations(activations)
        names = names * n_hidden if len(names) == 1 else names
    elif isinstance(activations, Sequence) and all(isinstance(a, (str, ChosenActivation)) for a in activations):
        names = list(activations)
    else:
        raise LearnerSpecError(f"activations must be one name or a list of names, got {activations!r}")
    if len(names) != n_hidden:
        raise LearnerSpecError(
            f"sizes {list(sizes)} have {n_hidden} hidden layer(s) but {len(names)} activation(s) were given "
            f"({names}): give one name for every hidden layer, or one per hidden layer "
            f"({arg('activations', ['relu', 'tanh'])})")
    out = []
    for i, name in enumerate(names):
        try:
            out.append(parse_activation(name).spelling)
        except ParityInputError as exc:
            text = repr(name if isinstance(name, str) else name.spelling)
            raise LearnerSpecError(str(exc).replace(text, f"{text} for hidden layer {i}", 1)) from None
    return tuple(out)


def _output(output) -> str:
    """The output activation's canonical spelling: identity, sigmoid, or any registered one ('tanh',
    'leaky_relu:0.2')."""
    if not isinstance(output, (str, ChosenActivation)):
        raise LearnerSpecError(f"{arg('output')} must be an activation name such as {', '.join(OUTPUTS)}, "
                               f"got {output!r}")
    try:
        return parse_activation(output.lower() if isinstance(output, str) else output).spelling
    except ParityInputError as exc:
        raise LearnerSpecError(f"{arg('output')}: {exc}") from None


def _check_loss(op: LossOp, output: str, sizes: tuple[int, ...]) -> None:
    """The output layer gives what the loss takes (the registry's `input`), and classes need K >= 2."""
    if op.input == "probability" and output != "sigmoid":
        raise LearnerSpecError(f"loss {op.name!r} needs probabilities in (0, 1): use {arg('output', 'sigmoid')} "
                               f"(got {arg('output', output)})")
    if op.input == "logits" and output != "identity":
        raise LearnerSpecError(f"loss {op.name!r} takes logits (its sigmoid or softmax is inside the loss): use "
                               f"{arg('output', 'identity')} (got {arg('output', output)})")
    if op.classes and sizes[-1] < 2:
        raise LearnerSpecError(f"loss {op.name!r} takes classes: the output layer needs one unit per class, at "
                               f"least 2, got {sizes[-1]} ({arg('sizes', list(sizes))})")


def _targets(targets, op: LossOp, layout: str) -> str:
    """The form y takes (the loss's default, else one it accepts: 'index' for cross-entropy)."""
    if targets is None:
        return op.target
    if not isinstance(targets, str) or targets not in TARGETS:
        raise LearnerSpecError(f"{arg('targets')} must be one of {', '.join(TARGETS)}, got {targets!r}")
    if targets not in op.targets:
        forms = "; ".join(f"{t!r}: {TARGETS[t]}" for t in op.targets)
        raise LearnerSpecError(f"loss {op.name!r} takes targets {forms}; not {targets!r}")
    if targets == "index" and layout == "column":
        raise LearnerSpecError(f"{arg('targets', 'index')} is not taken with {arg('layout', 'column')}: use "
                               f"{arg('layout', 'row')}, or one-hot targets y (K, N) in the column layout")
    return targets


@dataclass(frozen=True)
class LearnerSpec:
    """The network a learner implements. Linear layer k maps sizes[k] -> sizes[k+1]; hidden layer j (after
    Linear j) applies activations[j]; the last Linear is followed by `output`. `targets` is the form of y the
    learner receives (the loss registry's TARGETS: 'real', 'binary', 'one_hot' rows or class 'index')."""

    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    output: str
    loss: str
    dtype: np.dtype
    seed: int = 0
    layout: str = "row"
    targets: str = ""

    @classmethod
    def create(cls, *, sizes, activations, output, loss, dtype=np.float64, seed=0, layout="row",
               targets=None) -> LearnerSpec:
        """Validate every argument and say exactly what is wrong with the first bad one. targets: None for the
        loss's default form (one-hot rows for cross-entropy), or 'index' for class indices y (N,)."""
        sizes = _sizes(sizes)
        acts = _activations(activations, len(sizes) - 2, sizes)
        output = _output(output)
        if not isinstance(loss, str) or loss.lower() not in LOSSES:
            raise LearnerSpecError(f"unknown loss {loss!r}; known: {', '.join(LOSSES)}")
        loss = loss.lower()
        _check_loss(LOSS_REGISTRY[loss], output, sizes)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise LearnerSpecError(f"{arg('seed')} must be a non-negative integer, got {seed!r}")
        if layout not in LAYOUTS:
            raise LearnerSpecError(f"{arg('layout')} must be 'row' or 'column', got {layout!r}")
        targets = _targets(targets, LOSS_REGISTRY[loss], layout)
        return cls(sizes, acts, output, loss, as_float_dtype(dtype), int(seed), layout, targets)

    @property
    def loss_op(self) -> LossOp:
        """The registry's entry for the declared loss: its reduction coefficient and target form."""
        return LOSS_REGISTRY[self.loss]

    # ---- structure ---------------------------------------------------------------------------------
    @property
    def n_linear(self) -> int:
        return len(self.sizes) - 1

    def act(self, k: int) -> ChosenActivation:
        """The activation after Linear k with its parameters (the output activation for the last one)."""
        return parse_activation(self.activations[k] if k < self.n_linear - 1 else self.output)

    def act_name(self, k: int) -> str:
        """The name of the activation after Linear k ('leaky_relu', without its parameters)."""
        return self.act(k).name

    @cached_property
    def net(self) -> manual.Sequential:
        """The manual network with these layers (names and labels only; its weights are not used)."""
        return manual.build_mlp(self.sizes, list(self.activations), self.output, dtype=self.dtype)

    @cached_property
    def linear_index(self) -> tuple[int, ...]:
        """Position of Linear k in net.layers, so names match torch's state_dict ('2.weight')."""
        return tuple(i for i, layer in enumerate(self.net.layers) if isinstance(layer, manual.Linear))

    def param_name(self, k: int, w: int) -> str:
        """'0.weight' for (k=0, w=0), '2.bias' for (k=1, w=1)."""
        return f"{self.linear_index[k]}.{'weight' if w == 0 else 'bias'}"

    def layer_label(self, k: int) -> str:
        """'layer 2 (Linear 4->4)' for Linear k."""
        return self.net.layer_label(self.linear_index[k])

    def act_label(self, k: int) -> str:
        """'layer 3 (Tanh)': the activation after Linear k, or 'the output (identity)'."""
        i = self.linear_index[k] + 1
        if i >= len(self.net.layers):
            return "the output (identity)"
        return self.net.layer_label(i)

    def yours(self, k: int, w: int) -> str:
        """How the learner's own code names the tensor: grads[1][0] is dW of the second Linear."""
        return f"[{k}][{w}]"

    def square_layers(self) -> list[int]:
        return [k for k in range(self.n_linear) if self.sizes[k] == self.sizes[k + 1]]

    def layer_of(self, name: str) -> str | None:
        """Layer label for a parameter name such as '2.weight' (trajectory messages)."""
        idx = int(name.split(".")[0])
        return self.net.layer_label(idx) if idx < len(self.net.layers) else None

    def build_net(self, params) -> manual.Sequential:
        """A fresh manual net holding `params` ([(W, b)] row-major, in this dtype)."""
        net = manual.build_mlp(self.sizes, list(self.activations), self.output, dtype=self.dtype)
        net.set_linear_params([(np.asarray(W, self.dtype), np.asarray(b, self.dtype)) for W, b in params])
        return net

    @property
    def class_targets(self) -> bool:
        """The loss takes classes, so the form of y (one-hot rows or indices) is part of the spec."""
        return self.loss_op.classes

    def describe(self) -> str:
        """'3-5-1 (Linear, Tanh, Linear, Sigmoid), loss bce, float64, seed 0'; for a class loss the targets'
        form follows the loss: 'loss cross_entropy (targets index)'."""
        layout = ", column-major" if self.layout == "column" else ""
        targets = f" (targets {self.targets})" if self.class_targets else ""
        return f"{self.net.describe()}, loss {self.loss}{targets}, {self.dtype}, seed {self.seed}{layout}"

    def expected_shapes(self, k: int) -> tuple[tuple[int, int], list[tuple[int, ...]]]:
        """(W shape, accepted b shapes) of Linear k in the learner's layout."""
        n_in, n_out = self.sizes[k], self.sizes[k + 1]
        if self.layout == "column":
            return (n_out, n_in), [(n_out, 1), (n_out,)]
        return (n_in, n_out), [(n_out,), (1, n_out)]
