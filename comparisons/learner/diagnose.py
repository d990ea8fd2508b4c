"""Name the bug: which hypothesis reproduces the learner's numbers on every probe?

Hypotheses, tried in this order, each tested on data we hold:
1. a factor (scale.py): yours = c_p * torch on every tensor, with c_p a known multiple (N, 1/N, 2, -1, lr),
   else a product of two of them (1/lr * K: lr not applied and a mean over the batch only);
2. state between calls: yours = torch + your previous call's result (gradients accumulate);
3. a mutant (mutants.py): backprop with one classic bug reproduces yours to within rtol.
A hypothesis that explains every tensor names all findings. Otherwise a wrong f' or dL/dx that localise.py
places at one layer and that reproduces every tensor below it on every probe names those (a constant factor
entering at one layer is no loss reduction); each other failing tensor gets the first hypothesis that
explains it alone; the rest get a composite (composite.py: a mutant with a named factor on dL/dyhat, or two
mutants), then a place (localise.py: the first layer from the loss whose delta goes wrong on the N=1 probe,
and whether at an activation's f', named or "not a known form", or at a Linear's backward), then
"batch_dependent" (right on every N=1 probe, wrong for N > 1), then "unknown" with the figures and where in
the network the error starts.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np

from manual.errors import ParityInputError

from .composite import composite_diagnoses
from .hypotheses import Candidate, Observation, Tensor, with_evidence  # noqa: F401 (Observation re-exported)
from .events import LearnerEvent
from .localise import localised_diagnoses
from .labels import (BAD_STRUCTURE, BATCH_DEPENDENT, BIAS_NOT_SUMMED, GRAD_ACCUMULATION, LR_APPLIED_TWICE, RAISED,
                     TRANSPOSED, UNKNOWN, WRONG_SCALE, WRONG_SIGN, produces)
from .spec import LearnerSpec
from .mutants import mutants_for
from .reference import backprop
from ..report import Diagnosis
from .scale import RatioFit, best_ratio, fixed_lr, match_factor, named_factors, named_products

produces(__name__, WRONG_SCALE, WRONG_SIGN, LR_APPLIED_TWICE, GRAD_ACCUMULATION, BATCH_DEPENDENT, UNKNOWN, RAISED,
         BAD_STRUCTURE, TRANSPOSED, BIAS_NOT_SUMMED)


def _ratio_candidate(spec, obs, tensors, rtol, step) -> Candidate | None:
    """yours = c_p * torch, c_p fitted per observation over `tensors`, named if a known factor fits."""
    cs = [best_ratio(np.concatenate([o.yours[k][w].ravel() for k, w in tensors]),
                     np.concatenate([o.torch[k][w].ravel() for k, w in tensors])) for o in obs]
    fit = RatioFit(tuple(o.probe.N for o in obs), tuple(o.lr for o in obs), tuple(cs))
    known = [c for c in cs if c is not None]
    if not known or all(abs(c - 1) <= rtol for c in known):
        return None
    k_out = spec.sizes[-1]
    factors = (match_factor(fit, spec, named_factors(spec, step=step), rtol)
               or match_factor(fit, spec, named_products(spec, step=step), rtol))
    if factors:
        f = factors[0]
        alt = "; or: " + "; ".join(g.meaning for g in factors[1:3]) if len(factors) > 1 else ""
        diag = Diagnosis(f.label, f"{f.text(k_out)}: {f.meaning}", fit.evidence(k_out) + alt)
    elif step and (lr0 := fixed_lr(fit, rtol)) is not None:
        diag = Diagnosis(LR_APPLIED_TWICE, f"the lr argument is ignored: every step behaves as lr = {lr0:.4g}",
                         fit.evidence(k_out))
    else:
        nonzero = sum(int(np.count_nonzero(o.torch[k][w])) for o in obs[:1] for k, w in tensors)
        if nonzero < 2:  # a single number is always "proportional": no evidence
            return None
        const = all(abs(c - known[0]) <= max(10 * rtol, 1e-6) * abs(known[0]) for c in known)
        what = f"{known[0]:.4g} x, a constant factor" if const else "a different factor on each probe"
        label = WRONG_SIGN if all(c < 0 for c in known) else WRONG_SCALE
        diag = Diagnosis(label, f"{what} that is no known reduction (not N, 1/N, 2 or 1/2)", fit.evidence(k_out))
        if const and known[0] == 0:    # nothing of yours moves: db of a network without biases, say
            diag = Diagnosis(label, "0 x: your gradient is exactly zero where torch's is not: a network without "
                                    "biases (the check's networks have them, and the probes set b != 0; add b, or "
                                    "check the bias-free code with b kept at 0 and its gradient returned)",
                             fit.evidence(k_out))
    grads = [None if c is None else [(c * dW, c * db) for dW, db in o.torch] for o, c in zip(obs, cs)]
    return Candidate(lambda: diag, grads, [1.0 if c is None else c for c in cs])


def _accumulation_candidate(obs: list[Observation]) -> Candidate | None:
    if not any(o.previous is not None for o in obs):
        return None
    grads = []
    for o in obs:
        if o.previous is not None:
            grads.append([(t[0] + p[0], t[1] + p[1]) for t, p in zip(o.torch, o.previous)])
        else:
            grads.append(o.torch if o.first_call else None)
    return Candidate(lambda: Diagnosis(GRAD_ACCUMULATION, "gradients accumulate across calls: each call returns "
                                       "torch's gradient + what your previous call returned, so the k-th call "
                                       "returns the sum of the first k true gradients (reset them at every call)",
                                       ""), grads)


def _per_sample_candidates(spec: LearnerSpec, obs: list[Observation], step: bool) -> list[Candidate]:
    """A step_fn that takes one SGD step per sample, in order (the update inside the loop over the rows),
    with lr or lr/N each: its implied gradient (p - p_new) / lr, from the reference backprop on one row at a
    time. Right on N = 1, wrong on a batch."""
    if not step or not any(o.probe.N > 1 for o in obs):
        return []
    out = []
    for share, text in ((1.0, "lr"), (None, "lr/N")):
        grads = []
        for o in obs:
            params = [(np.asarray(W, np.float64), np.asarray(b, np.float64)) for W, b in o.probe.params]
            rate = o.lr * (share if share is not None else 1.0 / o.probe.N)
            for i in range(o.probe.N):
                g = backprop(spec, params, o.probe.X[i:i + 1], o.probe.y[i:i + 1], lr=o.lr).grads
                params = [(W - rate * gW, b - rate * gb.reshape(b.shape)) for (W, b), (gW, gb) in zip(params, g)]
            grads.append([((W0 - W) / o.lr, (b0 - b) / o.lr)
                          for (W0, b0), (W, b) in zip(o.probe.params, params)])
        out.append(Candidate(lambda text=text: Diagnosis(
            BATCH_DEPENDENT, f"one SGD step per sample, in order, each with {text} (the update inside the loop "
                             "over the rows): the batch's gradient is never taken as one; compute every row's "
                             "gradient from the same weights, combine them as the loss's mean/sum does, then "
                             "update once", ""), grads))
    return out


def _mutant_candidates(spec, obs, step) -> Iterator[Candidate]:
    for m in mutants_for(spec, step=step):
        grads = [backprop(spec, o.probe.params, o.probe.X, o.probe.y, m.knobs, lr=o.lr).grads for o in obs]
        yield Candidate(lambda m=m: Diagnosis(m.label, m.summary, ""), grads)


def diagnose(spec: LearnerSpec, obs: list[Observation], *, rtol: float, step: bool = False) -> Diagnosis | None:
    """The best-fitting Diagnosis for the learner as a whole (None when every tensor matches torch)."""
    return best_diagnosis(diagnose_tensors(spec, obs, rtol=rtol, step=step))


def diagnose_tensors(spec: LearnerSpec, obs: list[Observation], *, rtol: float,
                     step: bool = False) -> dict[Tensor, Diagnosis]:
    """A Diagnosis for every tensor that differs from torch on some observation."""
    tensors = [(k, w) for k in range(spec.n_linear) for w in (0, 1)]
    failing = [t for t in tensors if any(o.error(t) > rtol for o in obs)]
    if not failing:
        return {}
    whole = _ratio_candidate(spec, obs, tensors, rtol, step)
    rest = [c for c in (_accumulation_candidate(obs), *_per_sample_candidates(spec, obs, step)) if c is not None]
    mutants = list(_mutant_candidates(spec, obs, step))
    for cand in ([whole] if whole else []) + rest + mutants:
        good, worst = cand.fits(obs, tensors, rtol)
        if len(good) == len(tensors):
            diag = with_evidence(cand.make(), obs, worst, failing)
            return {t: diag for t in failing}
    out = localised_diagnoses(spec, obs, failing, rtol=rtol, tested_only=True)  # a form at one place, tested
    unexplained = []
    for t in (t for t in failing if t not in out):
        own = _ratio_candidate(spec, obs, [t], rtol, step)
        for cand in rest + mutants + ([own] if own else []):
            good, worst = cand.fits(obs, [t], rtol)
            if good:
                out[t] = with_evidence(cand.make(), obs, worst, [t])
                break
        else:
            unexplained.append(t)
    composite = composite_diagnoses(spec, obs, unexplained, rtol=rtol, step=step) if unexplained else {}
    left = [t for t in unexplained if t not in composite]
    located = localised_diagnoses(spec, obs, left, rtol=rtol) if left else {}
    for t in unexplained:
        out[t] = composite.get(t) or located.get(t) or _fallback(spec, obs, t, failing, rtol)
    return out


def _fallback(spec: LearnerSpec, obs: list[Observation], t: Tensor, failing: list[Tensor], rtol: float) -> Diagnosis:
    errs = {o.probe.name: o.error(t) for o in obs}
    one = [o for o in obs if o.probe.N == 1]
    figures = ", ".join(f"{e:.1e} on {n}" for n, e in errs.items())
    if one and all(o.error(t) <= rtol for o in one) and any(o.error(t) > rtol for o in obs if o.probe.N > 1):
        return Diagnosis(BATCH_DEPENDENT, "right for batch size 1, wrong for batch > 1",
                         f"rel to torch {figures}: look for a sum over the batch that is missing or taken on the "
                         "wrong axis, or one sample (X[0], X[-1]) standing for the whole batch")
    return Diagnosis(UNKNOWN, "no known label fits; the figures are as measured",
                     f"rel to torch {figures}; {where_it_starts(spec, failing)}")


def where_it_starts(spec: LearnerSpec, failing: list[Tensor]) -> str:
    """Backprop runs from the output, so the error starts at the highest failing layer."""
    top = max(k for k, _ in failing)
    label = spec.layer_label(top)
    if (top, 0) in failing and (top, 1) not in failing:
        return f"db of {label} matches, so dL/dz there is right: dW of that layer is formed wrongly"
    if top == spec.n_linear - 1:
        extra = " and the output sigmoid's derivative" if spec.output == "sigmoid" else ""
        return f"{label}, the output layer, already differs: look at dL/dyhat (the loss derivative{extra})"
    return (f"every layer above {label} matches: dL/dz reaching it is wrong, so look at the derivative of "
            f"{spec.act_label(top)} and at the product with W of {spec.layer_label(top + 1)}")


_SHAPES = re.compile(r"\((\d+(?:\s*,\s*\d+)*)\s*,?\s*\)")


def explain_exception(spec: LearnerSpec, exc: BaseException, n: int) -> Diagnosis:
    """'raised', or a sharper label when NumPy's message shows a transposed weight or an unsummed bias.
    An adapter that cannot drive the learner's object (LearnerSetupError) is a structure problem; a
    LearnerEvent (it exited, hung, crashed, ...) keeps its own label."""
    if isinstance(exc, LearnerEvent):
        return Diagnosis(exc.label, str(exc), exc.hint)
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, ParityInputError):
        return Diagnosis(BAD_STRUCTURE, str(exc))
    shapes = {tuple(int(s) for s in m.split(",")) for m in _SHAPES.findall(str(exc))}
    for k in range(spec.n_linear):
        n_in, n_out = spec.sizes[k], spec.sizes[k + 1]
        if n_in != n_out and {(n_in, n_out), (n_out, n_in)} <= shapes:
            return Diagnosis(TRANSPOSED, f"raised combining the weight of {spec.layer_label(k)} with a "
                                           f"transposed array ({n_out}, {n_in}): dW is likely transposed")
        if n > 1 and {(n_out,), (n, n_out)} <= shapes:
            return Diagnosis(BIAS_NOT_SUMMED, f"raised combining b of {spec.layer_label(k)} ({n_out},) with a "
                                                f"per-sample array ({n}, {n_out}): db is not summed over the batch")
    return Diagnosis(RAISED, text)


def best_diagnosis(per_tensor: dict[Tensor, Diagnosis]) -> Diagnosis | None:
    """One label for the whole learner: the most frequent known label (ties: the first tensor's)."""
    known = [d for d in per_tensor.values() if d.label != UNKNOWN] or list(per_tensor.values())
    if not known:
        return None
    labels = [d.label for d in known]
    top = max(dict.fromkeys(labels), key=labels.count)
    return next(d for d in known if d.label == top)
