"""Wrong forms of an activation's derivative that code is known to write, for one activation with its
parameters: each a named h(z, a), with a = f(z), that localise.py matches the derivative your code implies
against (f'_implied = delta_k / upstream, on the N = 1 probe).

    fixed   the value instead of the derivative (f(z) = a for f'(z)); the a-formula evaluated on z; the
            z-formula evaluated at a; the sign flipped; per activation: tanh' as 1-a (the square missing),
            1+a**2, (1-a)**2; sigmoid' as 1-s; ReLU' as [z<0] or sign(z); LeakyReLU' as slope*z for z<=0
            (slope x z) or with the sides swapped; ELU' without alpha or as a; then the derivative of every
            other registered activation (at its defaults), from z and, where customary, from this layer's a
    fitted  a parameter fitted to your numbers, by least squares on delta = upstream * h:
            a LeakyReLU (or ReLU) slope s for z<=0, an ELU alpha, a constant c x the right derivative
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from manual.activation_op import ChosenActivation, Params
from manual.activation_registry import REGISTRY

from .mutants import derivative_texts

Form = Callable[[np.ndarray, np.ndarray], np.ndarray]   # h(z, a) -> f' as your code took it


@dataclass(frozen=True)
class WrongForm:
    """One wrong way to take f': its key, how it reads ('1-a: the square is missing'), h(z, a)."""

    key: str
    text: str
    h: Form
    fitted: bool = False     # a parameter fitted to your numbers: it must then hold on every probe


def _where(z, pos, neg):
    return np.where(z > 0, pos, neg)


def _specific(chosen: ChosenActivation) -> list[WrongForm]:
    """The classic wrong formulas of this one activation."""
    p, name = chosen.p, chosen.name
    if name == "tanh":
        return [WrongForm("tanh:1-a", "1-a: the square is missing", lambda z, a: 1 - a),
                WrongForm("tanh:1+a**2", "1+a**2: the sign of a**2 is flipped", lambda z, a: 1 + a * a),
                WrongForm("tanh:(1-a)**2", "(1-a)**2: the square taken of 1-a", lambda z, a: (1 - a) ** 2)]
    if name == "sigmoid":
        return [WrongForm("sigmoid:s", "s = sigmoid(z), the value, instead of s*(1-s)", lambda z, a: a),
                WrongForm("sigmoid:1-s", "1-s: the factor s of s*(1-s) is missing", lambda z, a: 1 - a)]
    if name == "relu":
        return [WrongForm("relu:inverted", "[z<0]: the ReLU mask inverted", lambda z, a: (z < 0) * 1.0),
                WrongForm("relu:sign", "sign(z) instead of [z>0]", lambda z, a: np.sign(z))]
    if name == "leaky_relu":
        s = p.negative_slope
        return [WrongForm("leaky:slope*z", f"1 if z>0 else {s!r}*z: slope x z, the value instead of the slope",
                          lambda z, a: _where(z, 1.0, s * z)),
                WrongForm("leaky:swapped", f"{s!r} if z>0 else 1: the two sides swapped",
                          lambda z, a: _where(z, s, 1.0))]
    if name == "elu":
        return [WrongForm("elu:no_alpha", "1 if z>0 else exp(z): alpha is missing",
                          lambda z, a: _where(z, 1.0, np.exp(np.minimum(z, 0)))),
                WrongForm("elu:a", f"1 if z>0 else a: a instead of a+{p.alpha!r}", lambda z, a: _where(z, 1.0, a))]
    return []


def _generic(chosen: ChosenActivation) -> list[WrongForm]:
    """Forms any activation can get wrong: the value, the wrong one of z and a, the sign."""
    op, p = chosen.op, chosen.p
    right = derivative_texts(chosen)[0]
    out = [WrongForm("value", f"a = {op.torch}(z), the activation's value instead of its derivative",
                     lambda z, a: a)]
    if op.from_a is not None:
        out.append(WrongForm("on_pre", f"{op.text_a.format(a='z', **p)}: the formula for a evaluated on z",
                             lambda z, a: op.from_a(z, p)))
    if op.text_z:
        out.append(WrongForm("on_post", f"{op.text_z.format(z='a', **p)}: the derivative evaluated at a instead "
                                        f"of z", lambda z, a: op.from_z(a, p)))
    out.append(WrongForm("negated", f"-({right}): the sign flipped", lambda z, a: -chosen.from_z(z)))
    return out


def _others(chosen: ChosenActivation) -> list[WrongForm]:
    """The derivative of every other registered activation at its defaults, on z, and on a where written so."""
    out = []
    for other in REGISTRY.values():
        if other.name == chosen.name:
            continue
        q = Params(other.params)
        text = other.text_z.format(z="z", **q) if other.text_z else other.text_a.format(a="z", **q)
        if other.name == "identity":
            text += " everywhere: the derivative left out"
        out.append(WrongForm(f"other:{other.name}", f"{text}, the derivative of {other.torch}",
                             lambda z, a, other=other, q=q: other.from_z(z, q)))
        if other.from_a is not None and other.curvature(q) > 0:
            out.append(WrongForm(f"other_a:{other.name}", f"{other.text_a.format(a='a', **q)}, {other.torch}'s "
                                 "derivative written from a, on this layer's a",
                                 lambda z, a, other=other, q=q: other.from_a(a, q)))
    return out


def wrong_forms(chosen: ChosenActivation) -> list[WrongForm]:
    """Every fixed wrong form for `chosen`, the most specific first."""
    return _specific(chosen) + _generic(chosen) + _others(chosen)


def _fit(d: np.ndarray, g: np.ndarray) -> float | None:
    """c minimising |d - c g|, or None where g is all zero."""
    gg = float((g * g).sum())
    return float((d * g).sum()) / gg if gg > 0 else None


def _nice(x: float) -> str:
    return f"{x:.6g}"


def fitted_forms(chosen: ChosenActivation, z: np.ndarray, a: np.ndarray, upstream: np.ndarray,
                 delta: np.ndarray) -> list[WrongForm]:
    """Forms with one parameter fitted to delta = upstream * h(z): a slope, an alpha, a constant factor."""
    out, neg = [], z <= 0
    right = derivative_texts(chosen)[0]
    if chosen.name in ("leaky_relu", "relu") and neg.any():
        s = _fit(delta[neg], upstream[neg])
        if s is not None:
            default = " (torch's default)" if s == 0.01 else ""
            what = (f"instead of {chosen.p.negative_slope!r}" if chosen.name == "leaky_relu"
                    else "on a ReLU: a LeakyReLU's derivative")
            out.append(WrongForm("slope", f"1 if z>0 else {_nice(s)}: the slope {_nice(s)}{default} for z<=0 {what}",
                                 lambda z, a, s=s: _where(z, 1.0, s), True))
    if chosen.name == "elu" and neg.any():
        e = np.exp(np.minimum(z, 0))
        alpha = _fit(delta[neg], (upstream * e)[neg])
        if alpha is not None:
            out.append(WrongForm("alpha", f"1 if z>0 else {_nice(alpha)}*exp(z): alpha {_nice(alpha)} instead of "
                                          f"{chosen.p.alpha!r}",
                                 lambda z, a, alpha=alpha: _where(z, 1.0, alpha * np.exp(np.minimum(z, 0))), True))
    c = _fit(delta, upstream * chosen.from_z(z))
    if c is not None and c != 0:
        text = (f"{_nice(c)} x ({right}): a constant factor on the right derivative (or on the dL/dx of the "
                "Linear above: the two look the same)")
        out.append(WrongForm("factor", text, lambda z, a, c=c: c * chosen.from_z(z), True))
    return out
