"""The bug catalogue: the classic backprop mistakes (the "mutants"), each a setting of the reference
backprop's knobs (reference.py) and the label (labels.py) a match gives.

A diagnosis is a hypothesis tested on data we hold: if backprop(..., knobs=mutant.knobs) reproduces the
learner's numbers on every probe, the learner very likely has that bug.
"""
from __future__ import annotations

from dataclasses import dataclass

from .labels import (BIAS_NOT_SUMMED, CACHE_OFF_BY_ONE, MISSING_OUTPUT_ACTIVATION_DERIVATIVE, STALE_WEIGHTS,
                     TRANSPOSED, WRONG_ACTIVATION_DERIVATIVE, produces)
from .reference import Knobs
from .spec import LearnerSpec

CATALOGUE = {  # each kind of mutant, and the label (labels.py) a match with it gives
    "derivative": WRONG_ACTIVATION_DERIVATIVE,                   # f'_k taken wrongly (Knobs.hidden)
    "output_derivative": MISSING_OUTPUT_ACTIVATION_DERIVATIVE,   # the output sigmoid's f' left out
    "cache": CACHE_OFF_BY_ONE,                                   # f'_k or dW_k from another layer's cache
    "transposed": TRANSPOSED,
    "bias": BIAS_NOT_SUMMED,
    "stale": STALE_WEIGHTS,
}
produces(__name__, *CATALOGUE.values())


def derivative_texts(chosen) -> tuple[str, str, str]:
    """f' as text: (correct, the a-formula evaluated on z, the z-formula evaluated on a), e.g. for tanh
    ('1-a**2', '1-z**2', '1-tanh(a)**2'); from the registry's text_a / text_z."""
    op, p = chosen.op, chosen.p
    if op.text_a:
        return (op.text_a.format(a="a", **p), op.text_a.format(a="z", **p),
                op.text_z.format(z="a", **p) if op.text_z else "")
    return op.text_z.format(z="z", **p), "", ""


@dataclass(frozen=True)
class Mutant:
    """A hypothesised bug: its label (CATALOGUE's, for its kind), a one-line summary naming the layer, knobs."""

    key: str
    label: str
    summary: str
    knobs: Knobs
    step_only: bool = False
    short: str = ""           # how a composite diagnosis names it beside other bugs (default: summary)

    @property
    def phrase(self) -> str:
        return self.short or self.summary


def _mutant(kind: str, key: str, summary: str, knobs: Knobs, **kw) -> Mutant:
    """A Mutant of a CATALOGUE kind, labelled as the catalogue says."""
    return Mutant(key, CATALOGUE[kind], summary, knobs, **kw)


def _hidden_mutants(spec: LearnerSpec) -> list[Mutant]:
    """Wrong activation derivatives: every applicable layer at once, then each layer alone."""
    out: list[Mutant] = []
    hidden = range(spec.n_linear - 1)
    two_forms = [k for k in hidden if spec.act(k).op.two_forms]

    def texts(k: int) -> tuple[str, str, str]:
        return derivative_texts(spec.act(k))

    kinds = {
        "on_pre": (two_forms, lambda k: f"derivative evaluated on the pre-activation z: {texts(k)[1]} instead of "
                                        f"{texts(k)[0]}"),
        "on_post": (two_forms, lambda k: f"derivative formula for z applied to the activation a: {texts(k)[2]} "
                                         f"instead of {texts(k)[0]}"),
        "relu_mask": ([k for k in hidden if spec.act_name(k) == "leaky_relu"],
                      lambda k: f"ReLU mask [z>0] on a LeakyReLU: the slope {spec.act(k).p.negative_slope!r} for "
                                f"z<=0 is lost"),
        "missing": ([k for k in hidden if spec.act_name(k) != "identity"],
                    lambda k: "derivative left out (taken as 1 everywhere; a ReLU mask that is always true "
                              "does the same)"),
    }
    for how, (layers, text) in kinds.items():
        groups = ([layers] if len(layers) > 1 else []) + [[k] for k in layers]
        for group in groups:
            where = ", ".join(spec.act_label(k) for k in group)
            out.append(_mutant("derivative", f"{how}@{','.join(map(str, group))}", f"{where}: {text(group[0])}",
                               Knobs(hidden={k: how for k in group})))
    return out


def _cache_mutants(spec: LearnerSpec) -> list[Mutant]:
    """Caches off by one: f'_k from another layer's activation, or dW_k from another cached array."""
    out = []
    for k in range(spec.n_linear - 1):
        for s in (k, k + 2):  # acts[s]: the activation one layer below / above a_{k+1}
            if 1 <= s <= spec.n_linear and spec.sizes[s] == spec.sizes[k + 1]:
                out.append(_mutant("cache", f"cache:{k}<-{s}",
                                   f"the derivative of {spec.act_label(k)} is taken from the cached activation "
                                   f"of {spec.act_label(s - 1)}, one layer off", Knobs(hidden={k: f"cache:{s}"})))
    texts = {"prev_input": "dW uses the input of the layer before (the cache list is indexed one off)",
             "output": "dW uses the layer's own output instead of its input (the cache list is indexed one off)",
             "prev_z": "dW uses the previous layer's pre-activation z instead of its activation a"}
    for source, text in texts.items():
        out.append(_mutant("cache", f"dw:{source}", text, Knobs(dw_source=source)))
    return out


def mutants_for(spec: LearnerSpec, *, step: bool = False) -> list[Mutant]:
    """Every hypothesised bug that could change this network's gradients, most specific first."""
    out: list[Mutant] = []
    last = spec.n_linear - 1
    if spec.act_name(last) != "identity":
        texts = derivative_texts(spec.act(last))
        out.append(_mutant("output_derivative", "output:missing",
                           f"the derivative of {spec.act_label(last)} is left out: dL/dz = dL/da instead of "
                           f"dL/da * {texts[0]}", Knobs(hidden={last: "missing"})))
        for how, i in (("on_pre", 1), ("on_post", 2)) if spec.act(last).op.two_forms else ():
            out.append(_mutant("derivative", f"output:{how}",
                               f"{spec.act_label(last)}: output derivative {texts[i]} instead of {texts[0]}",
                               Knobs(hidden={last: how})))
    out += _hidden_mutants(spec)
    out += _cache_mutants(spec)
    if spec.square_layers():
        where = ", ".join(spec.layer_label(k) for k in spec.square_layers())
        out.append(_mutant("transposed", "transposed", f"dW is the transpose of the right gradient on {where} "
                           "(square, so the shape hides it)", Knobs(transpose=True)))
    out.append(_mutant("bias", "bias:first", "db is taken from the first sample only (delta[0]) "
                       "instead of summed over the batch", Knobs(bias="first")))
    out.append(_mutant("bias", "bias:mean", "db is averaged over the batch (delta.mean(0)) instead "
                       "of summed", Knobs(bias="mean")))
    if step:
        out.append(_mutant("stale", "stale", "each layer is updated before its delta is sent back: "
                           "delta_{k-1} uses the NEW W_k (compute every delta first, then update)",
                           Knobs(stale=True), step_only=True,
                           short="stale weights (each delta sent back through the W_k already updated this step)"))
    return out
