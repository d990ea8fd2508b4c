"""Compare one tensor pair and keep the evidence: the building block of every report."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class TensorDiff:
    """How far `manual` is from `torch` for one named tensor (assert_close's figures, always kept).

    rel = max|manual - torch| / max|torch|; `bad` counts elements with |diff| > rtol * max|torch|.
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

    @property
    def passed(self) -> bool:
        return self.problem is None and self.rel <= self.rtol

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
        return (f"{indent}worst     {idx}  manual={self.manual_value:+.6g}  torch={self.torch_value:+.6g}\n"
                f"{indent}error     abs {self.max_abs:.2e} | rel {self.rel:.2e} "
                f"{'>' if self.rel > self.rtol else '<='} rtol {self.rtol:.0e} | "
                f"{self.bad}/{self.total} elements off")

    def __str__(self) -> str:
        step = f" at step {self.step}" if self.step is not None else ""
        status = "ok" if self.passed else "MISMATCH"
        return f"{status}: {self.label}{step}\n{self.details()}"


def compare_arrays(manual, torch_value, *, name: str, kind: str, rtol: float, layer: str | None = None,
                   step: int | None = None) -> TensorDiff:
    """Measure manual against torch (both array-like, already in the same layout)."""
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
    diff = np.abs(a64 - b64)
    flat = int(np.argmax(diff))
    worst = np.unravel_index(flat, diff.shape) if diff.ndim else ()
    scale = float(np.abs(b64).max())
    d.max_abs = float(diff.max())
    d.rel = d.max_abs / scale if scale > 0 else (0.0 if d.max_abs == 0 else float("inf"))
    d.worst_index = tuple(int(i) for i in worst)
    d.manual_value = float(a64[worst]) if diff.ndim else float(a64)
    d.torch_value = float(b64[worst]) if diff.ndim else float(b64)
    d.bad = int((diff > rtol * scale).sum())
    return d
