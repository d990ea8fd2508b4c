"""What a hypothesis is tested on, and how: the learner's calls as Observations, a Candidate's predicted
gradients, and the fit that decides whether it reproduces a tensor.

    error_t = max|yours_t - predicted_t| / (|c_p| * scale_t),   the candidate fits t when error_t <= rtol
                                                                on every observation p
scale_t is the tensor's magnitude (torch's, or the absolute-value backprop bound of reference.Pass.magnitudes);
c_p is the candidate's own factor on observation p (1 for a mutant, the ratio for "c_p x torch").
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .reference import Grads
from .probes import Probe
from ..report import Diagnosis

Tensor = tuple[int, int]  # (Linear k, 0 for W / 1 for b)


@dataclass
class Observation:
    """One call of the learner, in canonical row-major float64: its gradients (for a step_fn, the gradients
    its update implies), torch's at the same point, and each tensor's magnitude (the error scale)."""

    probe: Probe
    yours: Grads
    torch: Grads
    scales: list[tuple[float, float]]
    lr: float | None = None
    previous: Grads | None = None   # your previous call's gradients, if that call worked
    first_call: bool = False        # no call came before: accumulating from zero gives torch's

    def scale(self, t: Tensor) -> float:
        return max(self.scales[t[0]][t[1]], float(np.abs(self.torch[t[0]][t[1]]).max(initial=0.0)))

    def error(self, t: Tensor, other: Grads | None = None, factor: float = 1.0) -> float:
        """max|yours - other| / (|factor| * scale): rel error against torch (or another candidate)."""
        ref = (self.torch if other is None else other)[t[0]][t[1]]
        return tensor_error(self.yours[t[0]][t[1]], ref, abs(factor) * self.scale(t))


def tensor_error(a, b, scale: float) -> float:
    d = float(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)).max(initial=0.0))
    if scale > 0:
        return d / scale
    return 0.0 if d == 0 else float("inf")


@dataclass
class Candidate:
    """A hypothesis: per observation, the gradients it predicts (None: cannot say) and the scale factor."""

    make: Callable[[], Diagnosis]
    grads: list[Grads | None]
    factors: list[float] = field(default_factory=list)

    def errors(self, obs: list[Observation], t: Tensor) -> list[float]:
        """error_t on every observation (inf where the candidate cannot say)."""
        return [o.error(t, g, f) if g is not None else np.inf
                for o, g, f in zip(obs, self.grads, self.factors or [1.0] * len(obs))]

    def fits(self, obs: list[Observation], tensors: list[Tensor], rtol: float) -> tuple[set, float]:
        """Tensors it reproduces on every observation, and its worst error over those."""
        good, worst = set(), 0.0
        for t in tensors:
            errs = self.errors(obs, t)
            if max(errs) <= rtol:
                good.add(t)
                worst = max(worst, max(errs))
        return good, worst


def probes_text(obs: list[Observation]) -> str:
    return ", ".join(dict.fromkeys(o.probe.name for o in obs))


def with_evidence(diag: Diagnosis, obs: list[Observation], worst: float, tensors: list[Tensor],
                  extra: str = "") -> Diagnosis:
    """A hypothesis without figures of its own gets the fit: how closely it reproduces yours, and torch."""
    if diag.evidence:
        return diag
    torch_err = max(o.error(t) for o in obs for t in tensors)
    where = f"every probe ({probes_text(obs)})" if len(obs) > 1 else probes_text(obs)
    return Diagnosis(diag.label, diag.summary, f"reproduces your numbers to rel {worst:.0e} on {where}; "
                                               f"torch differs by rel {torch_err:.1e}{extra}")
