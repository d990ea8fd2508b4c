"""Two bugs at once: hypotheses tried only for the tensors no single hypothesis explains (diagnose.py).

Candidates, in order, each a mutant set M (mutants.py) with a factor s_p on the loss gradient:
    (b) one mutant and a named factor:            yours = u_p * backprop(M, dyhat_scale=d_p, stale_lr=lr_p*u_p)
    (c) two mutants, with a named factor or none  (s_p = u_p * d_p; u_p = 1, d_p = 1 when there is none)
The factor is fitted on the output layer, which neither a hidden layer's bug nor the stale update reaches:
    s_p = <yours_L, g_L> / <g_L, g_L>,   g_L = the output layer's gradient under M (s = 1)
and must be a named factor or a product of two (scale.py) on every probe. u_p is its learning-rate part
(1/lr: lr not applied, lr: applied twice; else 1) and d_p the rest, the loss gradient's own factor. The
numbers depend on s_p alone, as the stale update is the learner's own step, lr_p * u_p * d_p * dW_k; u and
d only name the bugs. A forgotten lr (u_p = 1/lr_p) thus gives a stale update at lr = 1.

Bounded: |M| singles and compatible pairs, one backprop per probe to fit s_p, one more per probe only
when s_p is named and M is stale. A composite diagnosis keeps one label per tensor: the first mutant in M
whose removal changes that tensor, else the factor's label; its summary names every part.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields, replace

import numpy as np

from .hypotheses import Candidate, Observation, Tensor, tensor_error, with_evidence
from .spec import LearnerSpec
from .mutants import Mutant, mutants_for
from .reference import Grads, Knobs, backprop
from ..report import Diagnosis
from .scale import DECLARED, Factor, RatioFit, best_ratio, match_factor, named_factors, named_products

_KNOBS = ("dw_source", "transpose", "bias", "stale")  # combined field by field: at most one of two bugs sets each
_APART = {"hidden": "merged layer by layer in combine", "dyhat_scale": "the fitted factor, set by Composite.predict",
          "stale_lr": "the factor's learning-rate part, set by Composite.predict",
          "dx": "a wrong Linear backward, tried by localise.py alone, never in a composite"}


def check_knobs(combined=_KNOBS, apart=_APART, knobs=Knobs) -> None:
    """ImportError unless every field of Knobs is either combined (_KNOBS) or handled apart (_APART), and
    both name only fields: a new knob left out of combine would be dropped from every composite, silently."""
    names = [f.name for f in fields(knobs)]
    for name in names:
        if name not in combined and name not in apart:
            raise ImportError(f"{__name__}: Knobs.{name} is neither in _KNOBS (combined by combine()) nor in _APART: "
                              "say how two mutants combine it")
    for name in (*combined, *apart):
        if name not in names:
            raise ImportError(f"{__name__}: {name!r} in _KNOBS/_APART is no field of Knobs ({', '.join(names)})")


check_knobs()


def combine(a: Knobs, b: Knobs) -> Knobs | None:
    """Both bugs at once, or None when both set the same knob (two bias rules, one layer's f' twice)."""
    if set(a.hidden) & set(b.hidden):
        return None
    default, merged = Knobs(), {}
    for name in _KNOBS:
        va, vb, v0 = getattr(a, name), getattr(b, name), getattr(default, name)
        if va != v0 and vb != v0:
            return None
        merged[name] = va if va != v0 else vb
    return Knobs(hidden={**a.hidden, **b.hidden}, **merged)


@dataclass(frozen=True)
class Composite:
    """Mutants switched on together, and the named factor s on dL/dyhat (None: s = 1)."""

    mutants: tuple[Mutant, ...]
    knobs: Knobs
    factor: Factor | None = None

    @property
    def lr_part(self) -> Factor | None:
        """The factor's learning-rate part (lr not applied, applied twice), if it has one."""
        parts = () if self.factor is None else (self.factor.parts or (self.factor,))
        return next((f for f in parts if f.pl), None)

    def split(self, n: int, k: int, lr: float | None) -> tuple[float, float]:
        """(s, u): the factor's value on a probe and its learning-rate part (1 when it has none)."""
        if self.factor is None:
            return 1.0, 1.0
        return self.factor.value(n, k, lr), 1.0 if self.lr_part is None else self.lr_part.value(n, k, lr)

    def predict(self, spec: LearnerSpec, o: Observation, knobs: Knobs | None = None) -> Grads:
        """u * backprop(knobs, dyhat_scale=s/u, stale_lr=lr*u): the learner's gradients if this is its bug."""
        s, u = self.split(o.probe.N, spec.sizes[-1], o.lr)
        knobs = replace(knobs or self.knobs, dyhat_scale=s / u, stale_lr=None if o.lr is None else o.lr * u)
        grads = backprop(spec, o.probe.params, o.probe.X, o.probe.y, knobs, lr=o.lr).grads
        return [(u * dW, u * db) for dW, db in grads]


def mutant_sets(spec: LearnerSpec, step: bool) -> Iterator[tuple[tuple[Mutant, ...], Knobs]]:
    """Every mutant alone, then every compatible pair, in mutants_for's order (most specific first)."""
    ms = mutants_for(spec, step=step)
    yield from (((m,), m.knobs) for m in ms)
    for i, a in enumerate(ms):
        for b in ms[i + 1:]:
            knobs = combine(a.knobs, b.knobs)
            if knobs is not None:
                yield (a, b), knobs


def _top(grads: Grads) -> np.ndarray:
    return np.concatenate([grads[-1][0].ravel(), grads[-1][1].ravel()])


def _fit_factor(spec: LearnerSpec, obs: list[Observation], base: list[Grads], rtol: float,
                options: list[Factor]) -> tuple[bool, Factor | None]:
    """(fits, factor): s_p fitted on the output layer is 1 (factor None) or a named factor on every probe."""
    ratios = tuple(best_ratio(_top(o.yours), _top(b)) for o, b in zip(obs, base))
    known = [c for c in ratios if c is not None]
    if not known:
        return False, None
    if all(abs(c - 1) <= max(10 * rtol, 1e-6) for c in known):
        return True, None
    fit = RatioFit(tuple(o.probe.N for o in obs), tuple(o.lr for o in obs), ratios)
    named = match_factor(fit, spec, options, rtol)
    return bool(named), (named[0] if named else None)


def _candidates(spec: LearnerSpec, obs: list[Observation], rtol: float,
                step: bool) -> Iterator[tuple[Composite, Candidate]]:
    options = named_factors(spec, step=step) + named_products(spec, step=step)
    for mutants, knobs in mutant_sets(spec, step):
        base = [backprop(spec, o.probe.params, o.probe.X, o.probe.y, knobs, lr=o.lr).grads for o in obs]
        ok, factor = _fit_factor(spec, obs, base, rtol, options)
        if not ok or (factor is None and len(mutants) == 1):  # one mutant alone was tried already
            continue
        comp = Composite(mutants, knobs, factor)
        scales = [comp.split(o.probe.N, spec.sizes[-1], o.lr) for o in obs]
        if knobs.stale:
            grads = [comp.predict(spec, o) for o in obs]
        else:
            grads = [[(s * dW, s * db) for dW, db in b] for b, (s, _) in zip(base, scales)]
        yield comp, Candidate(lambda: None, grads, [s for s, _ in scales])


def composite_diagnoses(spec: LearnerSpec, obs: list[Observation], tensors: list[Tensor], *, rtol: float,
                        step: bool) -> dict[Tensor, Diagnosis]:
    """A Diagnosis for each of `tensors` that some composite reproduces on every observation: the first
    that reproduces all of them, else the ones reproducing most, greedily."""
    partial: list[tuple[Composite, Candidate, set]] = []
    for comp, cand in _candidates(spec, obs, rtol, step):
        good, _ = cand.fits(obs, tensors, rtol)
        if good == set(tensors):
            return _diagnoses(spec, obs, comp, cand, tensors, rtol)
        if good:
            partial.append((comp, cand, good))
    out: dict[Tensor, Diagnosis] = {}
    for comp, cand, good in sorted(partial, key=lambda p: -len(p[2])):
        left = [t for t in tensors if t in good and t not in out]
        if left:
            out.update(_diagnoses(spec, obs, comp, cand, left, rtol))
    return out


def _touched(spec: LearnerSpec, obs: list[Observation], comp: Composite, cand: Candidate, tensors: list[Tensor],
             rtol: float) -> list[set]:
    """Per mutant in the composite, the tensors whose prediction changes when that mutant is switched off."""
    out = []
    for m in comp.mutants:
        rest = [x.knobs for x in comp.mutants if x is not m]
        without = [comp.predict(spec, o, rest[0] if rest else Knobs()) for o in obs]
        out.append({t for t in tensors if any(tensor_error(w[t[0]][t[1]], g[t[0]][t[1]], abs(f) * o.scale(t)) > rtol
                                              for o, w, g, f in zip(obs, without, cand.grads, cand.factors))})
    return out


def factor_phrases(spec: LearnerSpec, f: Factor) -> list[str]:
    """['the learning rate not applied (p - grad)', "a loss gradient K x the mean's (...)"]: one per part."""
    declared, k = DECLARED[spec.loss], spec.sizes[-1]
    plain = [p.pl or p.text(k) == "-1 x" for p in (f.parts or (f,))]  # the lr, or a sign: its meaning says it
    return [p.meaning if bare else f"a loss gradient {p.text(k)} the {declared}'s ({p.meaning})"
            for p, bare in zip(f.parts or (f,), plain)]


def summary(spec: LearnerSpec, comp: Composite) -> str:
    """Every part on a line of its own, the mutants first, each line after the first starting '+ '."""
    parts = [m.phrase for m in comp.mutants] + ([] if comp.factor is None else factor_phrases(spec, comp.factor))
    return "\n+ ".join(parts)


def _diagnoses(spec: LearnerSpec, obs: list[Observation], comp: Composite, cand: Candidate, tensors: list[Tensor],
               rtol: float) -> dict[Tensor, Diagnosis]:
    text = summary(spec, comp)
    extra = ""
    steps = {round(o.lr * comp.split(o.probe.N, spec.sizes[-1], o.lr)[1], 12) for o in obs if o.lr is not None}
    if comp.knobs.stale and comp.lr_part is not None and len(steps) == 1:
        extra = f"; your update (so the stale W_k) steps with lr = {steps.pop():g}, not the lr passed"
    touched = _touched(spec, obs, comp, cand, tensors, rtol)
    out = {}
    for t in tensors:
        label = next((m.label for m, ts in zip(comp.mutants, touched) if t in ts),
                     comp.factor.label if comp.factor is not None else comp.mutants[0].label)
        worst = max(cand.errors(obs, t))
        out[t] = with_evidence(Diagnosis(label, text), obs, worst, [t], extra)
    return out
