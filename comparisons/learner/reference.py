"""The reference backprop: float64 NumPy from the learner spec (activations from the registry), with knobs
that switch on one classic bug each (the mutants of mutants.py), and the error-scale model a learner's
gradient is judged against (Pass.magnitudes). Notation, for Linear k:
    z_k = a_k @ W_k + b_k,  a_{k+1} = f_k(z_k),  a_0 = X,  yhat = a_L
    delta_k = dL/dz_k:  delta_{L-1} = dL/dyhat * f'_{L-1},  delta_{k-1} = (delta_k @ W_k.T) * f'_{k-1}
    dW_k = a_k.T @ delta_k,   db_k = delta_k.sum(axis=0)
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import manual

from .spec import LearnerSpec

Grads = list[tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Knobs:
    """Which bug to put into backprop. The defaults are the correct algorithm.

    hidden: per activation (index k of the Linear before it), how f'_k is taken: "on_pre" (the a-formula
        applied to z), "on_post" (the z-formula applied to a), "relu_mask" ([z>0] on a LeakyReLU),
        "missing" (taken as 1), "cache:s" (the a-formula applied to a_s, another layer's activation), or a
        function h(z, a) -> f' (a wrong form, derivative_forms.py).
    dw_source: which cached array forms dW_k: "input" (a_k), "prev_input" (a_{k-1}), "output" (a_{k+1}),
        "prev_z" (z_{k-1}); used only where the shapes allow it.
    dyhat_scale: a factor s on the loss gradient, delta_{L-1} = s * dL/dyhat * f'_{L-1} (s = N: sum instead of
        mean), so every gradient of the correct algorithm is s times torch's.
    stale_lr: the learning rate of the stale update, delta_{k-1} = delta_k @ (W_k - stale_lr dW_k).T; None:
        the lr given to backprop. A learner that forgets lr in its update steps with stale_lr = 1.
    dx: per Linear k >= 1, a function dx(delta_k, params, dW_k) -> dL/da_k sent to the layer below in place
        of delta_k @ W_k.T (a wrong Linear backward, linear_forms.py).
    """

    hidden: dict = field(default_factory=dict)
    dw_source: str = "input"
    transpose: bool = False     # dW_k.T on every square layer
    bias: str = "sum"           # "sum" | "first" (delta_k[0]) | "mean" (delta_k.mean(0))
    stale: bool = False         # delta_{k-1} = delta_k @ (W_k - lr dW_k).T: W_k already updated
    dyhat_scale: float = 1.0
    stale_lr: float | None = None
    dx: dict = field(default_factory=dict)


@dataclass
class Pass:
    """One forward/backward: pre-activations, activations, deltas dL/dz_k, gradients, loss."""

    zs: list[np.ndarray]
    acts: list[np.ndarray]
    deltas: list[np.ndarray]
    grads: Grads
    loss: float
    dyhat: np.ndarray = None       # dL/dyhat
    derivs: list = None            # f'_k as used, per Linear k
    names: tuple = ()              # the activation after each Linear (ChosenActivation)

    def magnitudes(self, params, eps: float = 0.0, rtol: float = 1.0) -> list[tuple[float, float]]:
        """Per tensor, the scale errors are measured against: max(|a_k|.T @ |d_k|) and max(sum |d_k|), with |d|
        propagated in absolute values, so a gradient that is small because its terms cancel is not held to
        digits it cannot have:
            |d_{L-1}| = |dL/dyhat| * m_{L-1},   |d_{k-1}| = (|d_k| @ |W_k|.T) * m_{k-1},   m = |f'| + u / rtol
        u is how far two correct implementations may disagree on f' itself: 4 eps for a curved f (a(1-a)
        and 1-a**2 from a rounded a: near saturation that dwarfs f'), and at a kink the full jump of f'
        where z lies within rounding, 2 (fan_in + 2) eps (|a| @ |W| + |b|), of it (a mask may flip).
        Dividing by rtol lets such a legitimate difference pass the check rtol * scale."""
        out: list = [None] * len(self.deltas)
        d = None
        for k in reversed(range(len(self.deltas))):
            W, b = (np.abs(np.asarray(a, np.float64)) for a in params[k])
            chosen = self.names[k]
            u = 4 * eps if chosen.op.curvature(chosen.p) > 0 else 0.0
            if chosen.kinks():
                z_err = 2 * (W.shape[0] + 2) * eps * (np.abs(self.acts[k]) @ W + b.reshape(-1))
                u = u + sum((np.abs(self.zs[k] - kink) <= z_err) * jump for kink, jump in chosen.jumps())
            m = np.abs(self.derivs[k]) + u / rtol
            d = np.abs(self.dyhat) * m if d is None else (d @ np.abs(np.asarray(params[k + 1][0], np.float64)).T) * m
            out[k] = (float((np.abs(self.acts[k]).T @ d).max(initial=0.0)), float(d.sum(0).max(initial=0.0)))
        return out


def forward(spec: LearnerSpec, params, X) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """zs[k] = a_k @ W_k + b_k and acts = [X, a_1, ..., yhat], all in float64."""
    acts, zs = [np.asarray(X, np.float64)], []
    for k, (W, b) in enumerate(params):
        zs.append(acts[-1] @ np.asarray(W, np.float64) + np.asarray(b, np.float64).reshape(-1))
        acts.append(spec.act(k).forward(zs[-1]))
    return zs, acts


def _derivative(spec: LearnerSpec, k: int, how: str, zs, acts) -> np.ndarray:
    """f'_k as the knob says: correct, or taken the wrong way (Knobs.hidden)."""
    chosen, z, a = spec.act(k), zs[k], acts[k + 1]
    op, p = chosen.op, chosen.p
    if callable(how):
        return how(z, a)
    if how == "on_pre":
        return op.from_a(z, p)
    if how == "on_post":
        return op.from_z(a, p)
    if how == "relu_mask":
        return (z > 0).astype(float)
    if how == "missing":
        return np.ones_like(z)
    if how.startswith("cache:"):
        s = int(how[6:])
        return op.from_a(acts[s], p) if op.from_a else op.from_z(zs[s - 1], p)
    return op.from_a(a, p) if op.from_a else op.from_z(z, p)


def _dw_input(spec: LearnerSpec, k: int, source: str, zs, acts) -> np.ndarray:
    fan_in = spec.sizes[k]
    if source == "prev_input" and k >= 1 and acts[k - 1].shape[1] == fan_in:
        return acts[k - 1]
    if source == "output" and acts[k + 1].shape[1] == fan_in:
        return acts[k + 1]
    if source == "prev_z" and k >= 1:
        return zs[k - 1]
    return acts[k]


def backprop(spec: LearnerSpec, params, X, y, knobs: Knobs = Knobs(), lr: float | None = None) -> Pass:
    """Gradients of spec.loss at `params` on (X, y), with the bug described by `knobs` (none by default)."""
    zs, acts = forward(spec, params, X)
    loss = manual.make_loss(spec.loss)
    y = np.asarray(y) if np.asarray(y).dtype.kind in "iu" else np.asarray(y, np.float64)   # class indices stay ints
    value = float(loss.forward(acts[-1], y))
    dyhat = loss.backward() * knobs.dyhat_scale
    derivs = [_derivative(spec, k, knobs.hidden.get(k, "ok"), zs, acts) for k in range(spec.n_linear)]
    delta = dyhat * derivs[-1]
    grads: Grads = [None] * spec.n_linear  # type: ignore[list-item]
    deltas: list = [None] * spec.n_linear
    for k in reversed(range(spec.n_linear)):
        deltas[k] = delta
        dW = _dw_input(spec, k, knobs.dw_source, zs, acts).T @ delta
        if knobs.transpose and dW.shape[0] == dW.shape[1]:
            dW = dW.T
        db = {"sum": delta.sum(0), "first": delta[0].copy(), "mean": delta.mean(0)}[knobs.bias]
        grads[k] = (dW, db)
        if k:
            W = np.asarray(params[k][0], np.float64)
            step = lr if knobs.stale_lr is None else knobs.stale_lr
            W_back = W - step * dW if knobs.stale and step is not None else W
            up = knobs.dx[k](delta, params, dW) if k in knobs.dx else delta @ W_back.T
            delta = up * derivs[k - 1]
    return Pass(zs, acts, deltas, grads, value, dyhat, derivs, tuple(spec.act(k) for k in range(spec.n_linear)))
