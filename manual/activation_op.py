"""What the project knows about one element-wise activation, written once (an ActivationOp), and one
activation with its parameters chosen (a ChosenActivation: "leaky_relu:0.05").

f(z, p) and f'(z, p) are plain float64 NumPy formulas of the pre-activation z and the parameters p
(p.negative_slope, ...). The manual layer of the same name computes the same values (bit for bit where a
fast path exists, tests/manual/test_activation_registry.py), torch's nn.<torch>(**params) is its twin.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

Formula = Callable[[np.ndarray, "Params"], np.ndarray]


class Params(dict):
    """Parameter values by name, also read as attributes: p.negative_slope."""

    def __getattr__(self, name: str):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True)
class ActivationOp:
    """One activation, every fact the project needs about it.

    name        the spelling's name ("leaky_relu"); torch: the class in torch.nn ("LeakyReLU"), whose
                constructor takes `params` by the same names and keeps them as attributes of those names
    params      parameters in torch's order with torch's defaults; a str default makes a str parameter,
                restricted to `choices` when given
    forward     a = f(z, p);  from_z: f'(z, p);  from_a: f' written from a = f(z), where code customarily
                writes it so (sigmoid's a*(1-a)), else None; text_z / text_a: the same as text with {z} / {a}
    kinks       z where f' jumps (f may jump too: softplus's threshold), as a function of p
    mixed       probes want units on both sides of the first kink (ReLU's active and inactive units)
    saturates   probes should push units into the flat tails (sigmoid, tanh, hardtanh)
    check       what is wrong with parameter values torch would refuse, or ""
    curvature   sup |f''| away from the kinks, as a function of p (rounding bounds)
    """

    name: str
    torch: str
    forward: Formula
    from_z: Formula
    params: dict = field(default_factory=dict)
    choices: dict = field(default_factory=dict)
    from_a: Formula | None = None
    text_z: str = ""
    text_a: str = ""
    kinks: Callable[[Params], tuple[float, ...]] = lambda p: ()
    mixed: bool = False
    saturates: bool = False
    check: Callable[[Params], str] = lambda p: ""
    curvature: Callable[[Params], float] = lambda p: 0.0

    def __post_init__(self):
        if self.from_a is not None and not self.text_a:
            raise ValueError(f"activation {self.name}: from_a needs its text_a")

    @property
    def two_forms(self) -> bool:
        """f' is customarily written from a, and written from z it is another formula: a derivative taken
        on the wrong one of z and a is a bug that changes values (sigmoid, tanh, elu)."""
        return self.from_a is not None and self.curvature(Params(self.params)) > 0


def _value_text(v) -> str:
    return v if isinstance(v, str) else repr(float(v))


@dataclass(frozen=True)
class ChosenActivation:
    """An ActivationOp with its parameter values (in declared order), e.g. leaky_relu with 0.05."""

    op: ActivationOp
    values: tuple = ()

    @property
    def name(self) -> str:
        return self.op.name

    @property
    def p(self) -> Params:
        return Params(zip(self.op.params, self.values))

    @property
    def spelling(self) -> str:
        """'leaky_relu' at the defaults, else every value in order: 'leaky_relu:0.05', 'softplus:2.0:20.0'."""
        if self.values == tuple(self.op.params.values()):
            return self.op.name
        return ":".join([self.op.name] + [_value_text(v) for v in self.values])

    def describe(self) -> str:
        """How the layer describes itself: 'LeakyReLU(0.01)', 'GELU('tanh')', 'Tanh'."""
        if not self.values:
            return self.op.torch
        return f"{self.op.torch}({', '.join(repr(v) for v in self.values)})"

    def forward(self, z: np.ndarray) -> np.ndarray:
        return self.op.forward(z, self.p)

    def from_z(self, z: np.ndarray) -> np.ndarray:
        return self.op.from_z(z, self.p)

    def kinks(self) -> tuple[float, ...]:
        return tuple(float(k) for k in self.op.kinks(self.p))

    def side(self, z: np.ndarray) -> np.ndarray:
        """Per element, how many kinks lie below z: finite differences are only valid within one side."""
        return sum((z > k).astype(int) for k in self.kinks()) if self.kinks() else np.zeros(np.shape(z), int)

    def jumps(self, of_value: bool = False) -> list[tuple[float, float]]:
        """(kink, |f'(kink+) - f'(kink-)|) for every kink; of_value: the jump of f itself (softplus's
        threshold, where torch switches to the identity)."""
        fn = self.forward if of_value else self.from_z
        out = []
        for k in self.kinks():
            eps = 1e-9 * (1.0 + abs(k))
            d = fn(np.array([k - eps, k + eps]))
            out.append((k, float(abs(d[1] - d[0]))))
        return out
