"""Compare one tensor pair and keep the evidence: the building block of every report.

The one comparison rule, shared by the parity reports, the learner checks and the property tests
(tests/strategies.py): an element passes when

    |actual - expected| <= rtol * |expected| + atol * S,    S = max(scale, max|expected|)

S is the operands' magnitude: the expected tensor's largest element, or a larger `scale` the caller knows
(the magnitudes before cancellation, the largest value over a run), because rounding error scales with
the largest terms of the computation, not with the element it lands on. A report's tensor-wise tolerance
(TensorDiff.rtol) is this rule with rtol 0 and atol = TensorDiff.rtol: rel = max|diff| / S <= rtol.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class TensorDiff:
    """How far `manual` is from `torch` for one named tensor (assert_close's figures, always kept).

    rel = max|manual - torch| / scale, scale = max|torch| (or a larger one given, e.g. the tensor's largest
    magnitude over a run); `bad` counts elements with |diff| > rtol * scale. With an element-wise
    `allowance` (a rounding bound, see rounding.py) the judgement is |diff| <= allowance instead, and
    `ratio` = max |diff| / allowance (passes at <= 1; its inverse is the margin).
    """

    name: str                   # "0.weight", "output", "loss", "dL/dx"
    kind: str                   # "layer output", "delta", "grad", "param", "loss", "input grad"
    rtol: float
    shape: tuple = ()
    layer: str | None = None    # "layer 2 (Linear 10->10)"
    step: int | None = None
    max_abs: float = 0.0
    rel: float = 0.0
    worst_index: tuple = ()
    manual_value: float = 0.0
    torch_value: float = 0.0
    bad: int = 0
    total: int = 0
    problem: str | None = None  # "shape (2, 3) but torch has (3, 2)", "non-finite values"
    ratio: float | None = None  # max |diff| / allowance, when judged by an element-wise allowance
    allowed: float = 0.0        # the allowance at the worst element

    @property
    def passed(self) -> bool:
        if self.problem is not None:
            return False
        return self.ratio <= 1.0 if self.ratio is not None else self.rel <= self.rtol

    @property
    def margin(self) -> float:
        """How many times the error fits into what is allowed (inf for an exact match, < 1 failing)."""
        if self.problem is not None:
            return 0.0
        err, allowed = (self.ratio, 1.0) if self.ratio is not None else (self.rel, self.rtol)
        return float("inf") if err == 0 else allowed / err

    @property
    def label(self) -> str:
        """'grad of 0.weight', 'output of layer 1 (ReLU)', 'loss'."""
        if self.kind in ("loss", "input grad"):
            return self.name
        where = f" ({self.layer})" if self.layer and self.kind in ("grad", "param") else ""
        if self.kind == "layer output":
            return f"output of {self.layer}"
        if self.kind == "delta":
            return f"dL/d(output of {self.layer})"
        return f"{self.kind} of {self.name}{where}"

    def details(self, indent: str = "  ") -> str:
        """assert_close-style lines: worst element, error vs tolerance, count."""
        if self.problem:
            return f"{indent}problem   {self.problem}"
        idx = list(self.worst_index) if self.worst_index else "scalar"
        if self.ratio is not None:
            return (f"{indent}worst     {idx}  manual={self.manual_value:+.6g}  torch={self.torch_value:+.6g}\n"
                    f"{indent}error     abs {self.max_abs:.2e} {'>' if self.ratio > 1 else '<='} allowed "
                    f"{self.allowed:.2e} (rounding bound; margin {self.margin:.3g}) | rel {self.rel:.2e} | "
                    f"{self.bad}/{self.total} elements off")
        return (f"{indent}worst     {idx}  manual={self.manual_value:+.6g}  torch={self.torch_value:+.6g}\n"
                f"{indent}error     abs {self.max_abs:.2e} | rel {self.rel:.2e} "
                f"{'>' if self.rel > self.rtol else '<='} rtol {self.rtol:.0e} | "
                f"{self.bad}/{self.total} elements off")

    def __str__(self) -> str:
        step = f" at step {self.step}" if self.step is not None else ""
        status = "ok" if self.passed else "MISMATCH"
        return f"{status}: {self.label}{step}\n{self.details()}"


def magnitude(expected, scale: float = 0.0) -> float:
    """S = max(scale, max|expected|) over expected's finite elements: what the rule's atol is a fraction of."""
    e = np.abs(np.asarray(expected, np.float64))
    return max(float(np.max(e, initial=0.0, where=np.isfinite(e))), scale)


def allowed(abs_expected: np.ndarray, *, rtol: float, atol: float, size: float) -> np.ndarray | float:
    """The rule's bound on |actual - expected|: rtol * |expected| + atol * S (S = size, from magnitude)."""
    return atol * size if rtol == 0 else rtol * abs_expected + atol * size


def within(actual, expected, *, rtol: float, atol: float, scale: float = 0.0) -> np.ndarray:
    """Element-wise, the one rule: |actual - expected| <= rtol * |expected| + atol * S, S = magnitude(expected,
    scale); equal values (an infinity on both sides) pass, NaN never does, nothing else is near an infinity.
    Compared in float64."""
    a, e = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    same, finite = a == e, np.isfinite(e)
    diff = np.abs(np.subtract(a, e, out=np.zeros(np.broadcast(a, e).shape), where=~same & finite))
    return same | (finite & (diff <= allowed(np.abs(e), rtol=rtol, atol=atol, size=magnitude(e, scale))))


def compare_arrays(manual, torch_value, *, name: str, kind: str, rtol: float, layer: str | None = None,
                   step: int | None = None, scale: float = 0.0, allowance=None) -> TensorDiff:
    """Measure manual against torch (both array-like, already in the same layout). `scale`: a floor for
    the scale errors are relative to; `allowance`: element-wise bound on |diff| (broadcast to the shape)."""
    a = np.asarray(manual)
    b = np.asarray(torch_value)
    d = TensorDiff(name=name, kind=kind, rtol=rtol, shape=tuple(b.shape), layer=layer, step=step,
                   total=int(b.size))
    if a.shape != b.shape:
        hint = " (transposed?)" if a.shape == b.shape[::-1] and a.ndim == 2 else ""
        d.problem = f"shape {a.shape} but torch has {b.shape}{hint}"
        d.rel = d.max_abs = float("inf")
        return d
    if b.size == 0:
        return d
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    finite_a, finite_b = np.isfinite(a64), np.isfinite(b64)
    if not (finite_a.all() and finite_b.all()):
        side = "manual" if not finite_a.all() else "torch"
        first = tuple(int(i) for i in np.argwhere(~(finite_a & finite_b))[0])
        d.problem = f"non-finite values ({side} has {a64[first] if side == 'manual' else b64[first]} at {list(first)})"
        d.rel = d.max_abs = float("inf")
        d.worst_index = first
        return d
    diff, abs_b = np.abs(a64 - b64), np.abs(b64)
    size = max(float(abs_b.max()), scale)  # magnitude(b64, scale): every element is finite here
    d.max_abs = float(diff.max())
    d.rel = d.max_abs / size if size > 0 else (0.0 if d.max_abs == 0 else float("inf"))
    if allowance is None:  # the rule with rtol 0 and atol = the tensor-wise rtol
        flat = int(np.argmax(diff))
        d.bad = int((diff > allowed(abs_b, rtol=0.0, atol=rtol, size=size)).sum())
    else:
        allow = np.broadcast_to(np.asarray(allowance, np.float64), diff.shape)
        over = diff / allow
        flat = int(np.argmax(over))
        d.ratio, d.bad = float(over.max()), int((over > 1).sum())
    worst = np.unravel_index(flat, diff.shape) if diff.ndim else ()
    d.worst_index = tuple(int(i) for i in worst)
    d.manual_value = float(a64[worst]) if diff.ndim else float(a64)
    d.torch_value = float(b64[worst]) if diff.ndim else float(b64)
    if allowance is not None:
        d.allowed = float(allow[worst]) if diff.ndim else float(allow)
    return d
