"""Localise before naming: where your backprop first goes wrong, counting from the loss, read off the N = 1
probe, where each layer's delta is recoverable exactly: db_k = delta_k (one row), dW_k = a_k.T @ delta_k.

Scanning Linear k from the output down (yours against the float64 reference, reference.backprop), the first
k whose db_k and dW_k both differ has delta_k wrong while every delta above is right (one of db and dW
alone is that layer's own slip, which diagnose.py reports): the error enters between Linear k+1 and Linear k,
at the activation's f'_k or at Linear k+1's dL/dx. (When another hypothesis already explains that layer, what
is wrong below may be its effect: nothing is placed.)
At that junction the upstream is u = delta_{k+1} @ W_{k+1}.T (the reference's, = yours there) and
    f'_implied(z) = delta_k / u
is matched against derivative_forms.py's wrong forms, then linear_forms.py's wrong dL/dx. A match is switched
on in the reference backprop and tested on every probe. No form fits: `wrong_activation_derivative`, "not a
known form", with the layer and f'_implied beside the true f' at a few points. At the output layer the
upstream is dL/dyhat: a sigmoid output is matched the same way; an identity output is left to diagnose.py.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .derivative_forms import fitted_forms, wrong_forms
from .hypotheses import Candidate, Observation, Tensor, probes_text, tensor_error
from .labels import (MISSING_OUTPUT_ACTIVATION_DERIVATIVE, STALE_WEIGHTS, WRONG_ACTIVATION_DERIVATIVE,
                     WRONG_LINEAR_BACKWARD, produces)
from .linear_forms import dx_forms
from .mutants import derivative_texts
from .reference import Knobs, Pass, backprop
from ..report import Diagnosis
from .spec import LearnerSpec

produces(__name__, WRONG_ACTIVATION_DERIVATIVE, WRONG_LINEAR_BACKWARD, MISSING_OUTPUT_ACTIVATION_DERIVATIVE,
         STALE_WEIGHTS)
POINTS = 4   # points of f'_implied shown


@dataclass
class Junction:
    """Where delta first goes wrong on N = 1: below Linear k+1 (or dL/dyhat for the output layer k = L-1)."""

    spec: LearnerSpec
    one: Observation
    ref: Pass
    k: int

    @property
    def z(self) -> np.ndarray:
        return self.ref.zs[self.k][0]

    @property
    def a(self) -> np.ndarray:
        return self.ref.acts[self.k + 1][0]

    @property
    def upstream(self) -> np.ndarray:
        """dL/da_{k+1}: the reference delta above through W_{k+1}.T, or dL/dyhat at the output."""
        if self.k == self.spec.n_linear - 1:
            return self.ref.dyhat[0]
        return self.ref.deltas[self.k + 1][0] @ np.asarray(self.one.probe.params[self.k + 1][0], np.float64).T

    @property
    def delta(self) -> np.ndarray:
        """Your delta_k: db_k on the N = 1 probe."""
        return np.asarray(self.one.yours[self.k][1], np.float64).ravel()

    def error(self, predicted: np.ndarray) -> float:
        return tensor_error(self.delta, predicted, self.one.scale((self.k, 1)))

    def table(self) -> str:
        """f'_implied beside f' at the POINTS units with the largest upstream (where it is best determined)."""
        u, true = self.upstream, self.ref.derivs[self.k][0]
        units = sorted(np.argsort(-np.abs(u), kind="stable")[:POINTS], key=lambda i: self.z[i])
        rows = [f"{self.z[i]:+10.4f} {self.delta[i] / u[i]:+12.6g} {true[i]:+12.6g}" for i in units if u[i] != 0]
        head = (f"f' at {self.spec.act_label(self.k)} on N=1, yours = your dL/dz / dL/da "
                f"({'dL/dyhat' if self.k == self.spec.n_linear - 1 else 'the delta above @ W.T'}):")
        return "\n".join([head, f"{'z':>10} {'yours':>12} {'true':>12}"] + rows)


def _fit(spec: LearnerSpec, obs: list[Observation], knobs: Knobs, tensors: list[Tensor], rtol: float):
    """(reproduces every tensor on every probe, worst error over them) with `knobs` switched on."""
    grads = [backprop(spec, o.probe.params, o.probe.X, o.probe.y, knobs, lr=o.lr).grads for o in obs]
    errs = Candidate(lambda: None, grads).errors
    worst = max((max(errs(obs, t)) for t in tensors), default=0.0)
    return worst <= rtol, worst


def _tested(spec, obs, options: list[Knobs], tensors, rtol) -> tuple[int | None, str]:
    """(index of the first of `options` that reproduces every tensor on every probe, or None; the evidence)."""
    worst = np.inf
    for i, knobs in enumerate(options):
        ok, err = _fit(spec, obs, knobs, tensors, rtol)
        if ok:
            return i, f"switched on, it reproduces your numbers to rel {err:.0e} on every probe ({probes_text(obs)})"
        worst = min(worst, err)
    single = [o for o in obs if o.probe.N == 1]
    if single and any(_fit(spec, single, knobs, tensors, rtol)[0] for knobs in options):
        return None, (f"it reproduces every number below on N=1, not on N > 1 (rel {worst:.1e}): your update also "
                      "depends on the batch (one step per sample, or a sum over the batch missing)")
    return None, (f"it reproduces your dL/dz there on N=1, but not every number below on every probe (rel "
                  f"{worst:.1e}): there is more below")


def _same_activation(spec: LearnerSpec, k: int, tensors: list[Tensor]) -> list[int]:
    """Hidden layers j <= k with the same activation as k whose tensors differ (one buggy function)."""
    return [j for j in range(k + 1) if j < spec.n_linear - 1 and spec.activations[j] == spec.activations[k]
            and any(t[0] <= j for t in tensors)]


def _activation_diagnosis(jn: Junction, obs, tensors, rtol) -> tuple[Diagnosis, bool] | None:
    """The first wrong form of f'_k that gives your delta_k on N=1, and whether it holds on every probe."""
    spec, k = jn.spec, jn.k
    chosen, u = spec.act(k), jn.upstream
    for form in wrong_forms(chosen) + fitted_forms(chosen, jn.z, jn.a, u, jn.delta):
        if jn.error(u * form.h(jn.z, jn.a)) <= rtol:
            groups = [[k]] if k == spec.n_linear - 1 else [g for g in (_same_activation(spec, k, tensors), [k]) if g]
            fit, evidence = _tested(spec, obs, [Knobs(hidden={j: form.h for j in g}) for g in groups], tensors, rtol)
            if fit is None and form.fitted:   # a parameter fitted to a few units fits them: not evidence
                continue
            also = [j for j in (groups[fit] if fit is not None else []) if j != k]
            where = spec.act_label(k) + "".join(f", and the same in {spec.act_label(j)}" for j in reversed(also))
            left_out = k == spec.n_linear - 1 and form.key == "other:identity"
            return Diagnosis(MISSING_OUTPUT_ACTIVATION_DERIVATIVE if left_out else WRONG_ACTIVATION_DERIVATIVE,
                             f"{where}: f' taken as {form.text} (right: {derivative_texts(chosen)[0]})",
                             f"{_where(jn)}; {evidence}\n{jn.table()}"), fit is not None
    return None


def _dx_diagnosis(jn: Junction, obs, tensors, rtol) -> tuple[Diagnosis, bool] | None:
    """The first wrong dL/dx of Linear k+1 that gives your delta_k on N=1, and whether it holds on every probe."""
    spec, k = jn.spec, jn.k
    params = [(np.asarray(W, np.float64), np.asarray(b, np.float64)) for W, b in jn.one.probe.params]
    dW = jn.ref.grads[k + 1][0]
    for form in dx_forms(spec, k + 1, jn.one.lr):
        if jn.error(form.dx(jn.ref.deltas[k + 1], params, dW)[0] * jn.ref.derivs[k][0]) <= rtol:
            if form.key == "stale":   # each probe's own lr: the reference's stale update
                options = [Knobs(stale=True)]
            else:
                every = {j: f.dx for j in range(1, k + 2) for f in dx_forms(spec, j) if f.key == form.key}
                options = [Knobs(dx=every), Knobs(dx={k + 1: form.dx})]
            fit, evidence = _tested(spec, obs, options, tensors, rtol)
            return Diagnosis(form.label, f"{spec.layer_label(k + 1)}: the dL/dx its backward sends down "
                                         f"is {form.text}, not delta @ W.T",
                             f"{_where(jn)}; {evidence}"), fit is not None
    return None


def _where(jn: Junction) -> str:
    spec, k = jn.spec, jn.k
    if k == spec.n_linear - 1:
        return f"localised on N=1: dL/dz of {spec.layer_label(k)}, the output layer, is the first to differ"
    return (f"localised on N=1: dL/dz is right down to {spec.layer_label(k + 1)} and first differs at "
            f"{spec.layer_label(k)}, just below {spec.act_label(k)}")


def _negative_units(jn: Junction, rtol: float) -> int:
    """How many units imply f' < 0 beyond tolerance where the activation's f' is never negative (0 if it can be)."""
    grid = np.linspace(-30.0, 30.0, 6001)
    if jn.spec.act(jn.k).from_z(grid).min() < 0:
        return 0
    u, d = jn.upstream, jn.delta
    return int(np.count_nonzero((d * u < 0) & (np.abs(d) > rtol * jn.one.scale((jn.k, 1)))))


def _unknown_form(jn: Junction, tensors, rtol: float) -> Diagnosis:
    """No form fits: the label stands with the layer; an implied f' below zero, where the activation's f' never
    is, points first at the Linear above (a W updated before use, another array in its place)."""
    spec, k = jn.spec, jn.k
    right = derivative_texts(spec.act(k))[0]
    above, table = spec.layer_label(k + 1), jn.table()
    label = WRONG_LINEAR_BACKWARD if spec.act_name(k) == "identity" else WRONG_ACTIVATION_DERIVATIVE
    summary = f"{spec.act_label(k)}: f' is not a known form (right: {right})"
    if negative := _negative_units(jn, rtol):
        return Diagnosis(label, f"{summary}; the f' your numbers imply is negative at {negative} of {jn.z.size} "
                                f"units, which no f' of {spec.act_label(k)} is",
                         f"{_where(jn)}; outside the range of the derivative, so look first at the dL/dx sent down "
                         f"by {above} (delta @ W.T: a W updated before it is used, another array in its place), "
                         f"then at f'\n{table}")
    return Diagnosis(label, summary, f"{_where(jn)}; no known wrong f' fits, nor a known wrong dL/dx of {above} "
                                     f"(which would look the same)\n{table}")


def _junction_diagnosis(jn: Junction, obs, tensors, rtol) -> tuple[Diagnosis, bool] | None:
    below = [t for t in tensors if t[0] <= jn.k]
    if jn.k == jn.spec.n_linear - 1:
        return _activation_diagnosis(jn, obs, below, rtol) if jn.spec.output != "identity" else None
    return (_activation_diagnosis(jn, obs, below, rtol) or _dx_diagnosis(jn, obs, below, rtol)
            or (_unknown_form(jn, below, rtol), False))


def localised_diagnoses(spec: LearnerSpec, obs: list[Observation], tensors: list[Tensor], *, rtol: float,
                        tested_only: bool = False) -> dict[Tensor, Diagnosis]:
    """A Diagnosis for those of `tensors` whose error the N = 1 probe places (none without that probe);
    tested_only: only a named form that, switched on, reproduces every one of them on every probe."""
    one = next((o for o in obs if o.probe.N == 1), None)
    if one is None:
        return {}
    ref = backprop(spec, one.probe.params, one.probe.X, one.probe.y, lr=one.lr)
    for k in reversed(range(spec.n_linear)):
        if one.error((k, 1)) > rtol and one.error((k, 0)) > rtol:
            if not {(k, 0), (k, 1)} <= set(tensors):   # another hypothesis explains it: what follows is its effect
                return {}
            placed = _junction_diagnosis(Junction(spec, one, ref, k), obs, tensors, rtol)
            if placed is None or (tested_only and not placed[1]):
                return {}
            return {t: placed[0] for t in tensors if t[0] <= k}
    return {}
