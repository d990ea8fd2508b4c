"""The ratio test: is the learner's gradient a constant multiple of torch's, and which multiple?

Per observation p, c_p = <yours, torch> / <torch, torch>. If yours = c_p * torch on every tensor, the
bug is a factor, and the probes' different N (and, for steps, different lr) tell which: a reduction is a
coefficient s = coef * N**pn * K**pk on dL/dyhat (N the batch size, K the outputs; the loss registry's
`coefficient`, manual/losses/registry.py), so a learner using reduction r where the spec declares d gets
c = s_r / s_d  on every probe, e.g. N*K for sum instead of mean.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from manual.losses import MSELoss
from manual.losses.registry import REGISTRY as LOSS_REGISTRY
from manual.losses.registry import SUM, Coefficient, LossOp

from .labels import LR_APPLIED_TWICE, WRONG_SCALE, WRONG_SIGN, produces
from .spec import LearnerSpec

produces(__name__, WRONG_SCALE, WRONG_SIGN, LR_APPLIED_TWICE)

DECLARED = {name: op.reduction for name, op in LOSS_REGISTRY.items()}   # 'mse' -> 'mean', 'bce_sum' -> 'sum'


def _slips(op: LossOp, mean: Coefficient, quantity: str) -> list[tuple[str, Coefficient]]:
    """Reductions no registered loss has, which code reaches by a slip, relative to the terms' mean: over one
    axis only, the mean taken twice, and (for the gradient of squares) the factor 2 dropped."""
    out = []
    if mean.pk:
        out.append(("a mean over the batch only (divided by N, not N*K)", Coefficient(mean.coef, mean.pn, 0)))
        if mean.pn:
            out.append(("a mean over the outputs only (divided by K, not N*K)", Coefficient(mean.coef, 0, mean.pk)))
    if quantity == "grad" and op.cls is MSELoss:   # d/dyhat (yhat - y)**2 = 2 (yhat - y): the 2 is easily dropped
        out.append(("mean without the factor 2", Coefficient(mean.coef / 2, mean.pn, mean.pk)))
    out.append(("a mean taken twice", Coefficient(mean.coef, 2 * mean.pn, 2 * mean.pk)))
    if mean.pn and mean.pk:
        out.append(("a mean divided by N once more", Coefficient(mean.coef, 2 * mean.pn, mean.pk)))
    return out


def reductions(op: LossOp, quantity: str = "grad") -> list[tuple[str, Coefficient, str]]:
    """(name, coefficient, slip) for every reduction of the declared loss's terms a learner may have used:
    the registry's losses with the same terms (mean, sum, half_sum, ...; 'sum' always), then the slips. A
    slip with the coefficient of a registered reduction is that row's `slip` (half_mean: the mean without
    the factor 2). The gradient's coefficient is the value's, so one derivation serves both quantities."""
    rows = {}
    for other in LOSS_REGISTRY.values():
        if other.cls is op.cls:
            rows.setdefault(other.reduction, other.coefficient)
    rows.setdefault("sum", SUM)
    table = [(name, c, "") for name, c in rows.items()]
    for slip, c in _slips(op, rows.get("mean", op.coefficient), quantity):
        same = next((i for i, row in enumerate(table) if row[1] == c), None)
        if same is None:
            table.append((slip, c, ""))
        else:
            table[same] = (table[same][0], c, slip)
    return table


@dataclass(frozen=True)
class Factor:
    """A named multiple of torch's gradient: c = sign * coef * N**pn * K**pk * lr**pl. A product of two
    named factors (two bugs at once, multiply) keeps them in `parts`."""

    meaning: str
    label: str
    coef: Fraction
    pn: int = 0
    pk: int = 0
    pl: int = 0
    parts: tuple = ()

    def __post_init__(self):
        object.__setattr__(self, "coef", Fraction(self.coef).limit_denominator(1000))

    def value(self, n: int, k: int, lr: float | None) -> float:
        lr_part = 1.0 if self.pl == 0 else float(lr) ** self.pl
        return float(self.coef) * float(n) ** self.pn * float(k) ** self.pk * lr_part

    def text(self, k: int) -> str:
        """'N x', 'N*K/2 x', '1/N x', '-1 x', 'lr x'."""
        pk = 0 if k == 1 else self.pk
        num = [s if p == 1 else f"{s}^{p}" for s, p in (("N", self.pn), ("K", pk), ("lr", self.pl)) if p > 0]
        den = [s if p == -1 else f"{s}^{-p}" for s, p in (("N", self.pn), ("K", pk), ("lr", self.pl)) if p < 0]
        c = abs(self.coef)
        top = "*".join(([str(c.numerator)] if c.numerator != 1 or not num else []) + num)
        bottom = "*".join(([str(c.denominator)] if c.denominator != 1 else []) + den)
        if bottom:
            bottom = f"({bottom})" if "*" in bottom else bottom
            top = f"{top}/{bottom}"
        return ("-" if self.coef < 0 else "") + top + " x"


def _same_ratio(f: Factor, k: int) -> tuple:
    return (f.coef, f.pn, 0 if k == 1 else f.pk, f.pl)


TWOS = {  # a factor 2 too many or too few, beside any reduction: the same ratios for a value and a gradient
    "grad": (("the factor 2 applied twice", Fraction(2)), ("half the gradient: a factor 2 missing", Fraction(1, 2))),
    "loss": (("twice the loss: a factor 2 too many", Fraction(2)),
             ("half the loss: a factor 1/2 too many (0.5 * ...)", Fraction(1, 2))),
}


def named_factors(spec: LearnerSpec, *, quantity: str = "grad", step: bool = False) -> list[Factor]:
    """Every named factor for this spec, most likely first; ones that equal 1 for this K are left out.
    quantity 'loss' (a loss value) has the same ratios as 'grad', in words for a value."""
    op = spec.loss_op
    d = op.coefficient
    k = spec.sizes[-1]
    out: list[Factor] = []
    for name, c, slip in reductions(op, quantity):
        if name != op.reduction:
            out.append(Factor(f"{name} instead of {op.reduction}" + (f": the {slip}" if slip else ""), WRONG_SCALE,
                              c.coef / d.coef, c.pn - d.pn, c.pk - d.pk))
    out += [Factor(meaning, WRONG_SCALE, coef) for meaning, coef in TWOS[quantity]]
    if step:
        out += [Factor("the learning rate applied twice (p - lr*lr*grad)", LR_APPLIED_TWICE, Fraction(1), pl=1),
                Factor("the learning rate not applied (p - grad)", LR_APPLIED_TWICE, Fraction(1), pl=-1)]
    signs = [Factor("the opposite sign: error taken as y - yhat, or the update adds the gradient",
                    WRONG_SIGN, Fraction(-1))]
    signs += [Factor(f"the opposite sign, and {f.meaning}", WRONG_SIGN, -f.coef, f.pn, f.pk, f.pl)
              for f in out if f.label == WRONG_SCALE]
    seen, unique = {(Fraction(1), 0, 0, 0)}, []
    for f in out + signs:
        if _same_ratio(f, k) not in seen:
            seen.add(_same_ratio(f, k))
            unique.append(f)
    return unique


def multiply(f: Factor, g: Factor) -> Factor:
    """f * g: c = c_f * c_g, exponents added. Labelled by the learning rate when a part involves it, else by
    the sign; the meaning names both parts, the learning rate's first."""
    f, g = (f, g) if f.pl or not g.pl else (g, f)
    coef = f.coef * g.coef
    label = LR_APPLIED_TWICE if f.pl else (WRONG_SIGN if coef < 0 else WRONG_SCALE)
    return Factor(f"{f.meaning}, and {g.meaning}", label, coef, f.pn + g.pn, f.pk + g.pk, f.pl + g.pl, (f, g))


def named_products(spec: LearnerSpec, *, step: bool = False) -> list[Factor]:
    """Products of two named factors (at most one of them about the learning rate) that no single named
    factor, and no earlier product, already gives for this K; those with a learning-rate part first."""
    singles = named_factors(spec, step=step)
    k = spec.sizes[-1]
    seen = {(Fraction(1), 0, 0, 0)} | {_same_ratio(f, k) for f in singles}
    pairs = [multiply(f, g) for i, f in enumerate(singles) for g in singles[i + 1:] if not (f.pl and g.pl)]
    out = []
    for p in sorted(pairs, key=lambda p: p.label != LR_APPLIED_TWICE):
        if _same_ratio(p, k) not in seen:
            seen.add(_same_ratio(p, k))
            out.append(p)
    return out


def best_ratio(yours: np.ndarray, theirs: np.ndarray) -> float | None:
    """c minimising |yours - c * theirs| (None when theirs is all zero)."""
    t = np.asarray(theirs, np.float64).ravel()
    tt = float(t @ t)
    return None if tt == 0 else float(np.asarray(yours, np.float64).ravel() @ t) / tt


def _fmt(c: float) -> str:
    """8.000, -0.500, 0.0125: three decimals, or three significant digits for small ratios."""
    return f"{c:.3f}" if abs(c) >= 0.1 else f"{c:.3g}"


@dataclass(frozen=True)
class RatioFit:
    """Per observation: its N, lr and ratio c_p (None where torch is zero, so nothing is learnt)."""

    ns: tuple[int, ...]
    lrs: tuple
    ratios: tuple

    def informative(self):
        return [(n, lr, c) for n, lr, c in zip(self.ns, self.lrs, self.ratios) if c is not None]

    def evidence(self, k: int, against: str = "torch") -> str:
        """'ratio to torch = 8.000 on N=8, 3.000 on N=3, 1.000 on N=1' (one entry per distinct N and lr)."""
        seen, parts = set(), []
        for n, lr, c in self.informative():
            if (n, lr) not in seen:
                seen.add((n, lr))
                parts.append(f"{_fmt(c)} on N={n}" + (f" (lr {lr:g})" if lr is not None else ""))
        outs = f" (K = {k} outputs)" if k > 1 else ""
        return f"ratio to {against} = " + ", ".join(parts) + outs


def match_factor(fit: RatioFit, spec: LearnerSpec, factors: list[Factor], rtol: float) -> list[Factor]:
    """The factors that give c_p on every informative observation (relative tolerance max(10 rtol, 1e-6))."""
    tol = max(10 * rtol, 1e-6)
    k = spec.sizes[-1]
    rows = fit.informative()
    if not rows:
        return []
    return [f for f in factors
            if all(abs(c - f.value(n, k, lr)) <= tol * abs(f.value(n, k, lr)) for n, lr, c in rows)]


def alternatives(factors: list[Factor], k: int) -> str:
    """'; or: 2 x: the factor 2 applied twice' for the second and third factor that fit as well."""
    return "".join(f"; or: {f.text(k)}: {f.meaning}" for f in factors[1:3])


def fixed_lr(fit: RatioFit, rtol: float) -> float | None:
    """If c_p * lr_p is one constant over probes with different lr, the learner ignores the lr argument
    and steps with that constant instead; return it."""
    rows = [(lr, c) for _, lr, c in fit.informative() if lr is not None]
    if len({lr for lr, _ in rows}) < 2:
        return None
    prod = [c * lr for lr, c in rows]
    tol = max(10 * rtol, 1e-6)
    return prod[0] if prod[0] > 0 and all(abs(p - prod[0]) <= tol * prod[0] for p in prod) else None
