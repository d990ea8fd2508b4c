"""A learner under check: its spec, probes, every call made to it, and torch's answers at the same points.

Checks share one Case, so the learner is called once per probe (the first calls) and every later check
reads those; calls keep their order, so state carried between calls (accumulating gradients) is visible
to the diagnosis as "yours = torch + your previous call". A call that ends the learner's run (a
LearnerEvent: it exited, hung, crashed, ...) is the last: the checks that would call it again are skipped.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

import manual
from torch_ref import mirror, mirror_loss

from ..compare import TensorDiff, compare_arrays
from .diagnose import Observation, diagnose_tensors
from .events import CheckInterrupted, LearnerEvent
from .calls import Call, canonical, invoke, shape_problems
from .spec import LearnerSpec
from .reference import Grads, backprop
from ..parity.step import torch_forward_backward
from .probes import Probe, design_probes
from ..report import Diagnosis
from ..tolerances import LEARNER_UPDATE_ROUNDING, learner_tolerance


class Skip(Exception):
    """A check that cannot run (an earlier problem makes it meaningless, or it does not apply)."""


@dataclass
class Reference:
    """torch's gradients and loss at one point, and each tensor's magnitude (the error scale)."""

    grads: Grads
    loss: float
    scales: list[tuple[float, float]]


class Case:
    """fn is a grad_fn (kind 'grad') or a step_fn (kind 'step'), checked against `spec`."""

    def __init__(self, fn, spec: LearnerSpec, *, kind: str, lr: float | None = None, steps: int = 5,
                 name: str = "", rerun: str = "", inplace: bool = False):
        self.fn, self.spec, self.kind, self.lr, self.steps = fn, spec, kind, lr, steps
        self.inplace = inplace               # a step_fn whose contract is an in-place update of the params
        self.name, self.rerun = name, rerun
        self.probes = design_probes(spec, lr if kind == "step" else None)
        self.calls: list[Call] = []
        self.stopped: Call | None = None     # the call whose LearnerEvent ended the learner's run

    @property
    def what(self) -> str:
        return "grad_fn" if self.kind == "grad" else "step_fn"

    # ---- calling the learner ------------------------------------------------------------------------
    def call(self, probe: Probe, *, params=None, lr: float | None = None) -> Call:
        """Call the learner once on `probe` (at `params` if given); every call is logged in order.
        Skip once the learner's run has ended: it is not called again."""
        if self.stopped is not None:
            raise Skip(f"not run: your {self.what} {self.stopped.error.headline} before")
        lr = probe.lr if lr is None else lr
        where = f"on {probe.name}, call {len(self.calls) + 1} of {self.what}"
        try:
            c = invoke(self.fn, self.spec, probe, kind=self.kind, params=params, lr=lr, inplace=self.inplace)
        except CheckInterrupted as exc:
            exc.context.append(where)
            raise
        c.index = len(self.calls)
        self.calls.append(c)
        if isinstance(c.error, LearnerEvent):
            c.error.context, self.stopped = where, c
        return c

    @cached_property
    def precision(self) -> np.dtype:
        """The precision the learner computes in: the probes' dtype, or float32 where it returns float32
        (or lower) arrays for float64 probes. Computing in float32 is no backprop bug, so such code is
        judged at float32's tolerance, and the report says so (precision_note)."""
        dtypes = [np.asarray(a).dtype for c in self.first_calls if c.ok and c.pairs
                  for pair in c.pairs for a in pair]
        if any(d.kind == "f" and d.itemsize < np.dtype(self.spec.dtype).itemsize for d in dtypes):
            return np.dtype(np.float32)
        return np.dtype(self.spec.dtype)

    @property
    def rtol(self) -> float:
        return learner_tolerance(self.precision).step

    @property
    def precision_note(self) -> str:
        """A header line when the learner works below the probes' precision, else ''."""
        if self.precision == np.dtype(self.spec.dtype):
            return ""
        return (f"note      your code returns {self.precision} arrays for {np.dtype(self.spec.dtype)} probes: "
                f"judged at {self.precision}'s tolerance (rtol {self.rtol:.0e})")

    @cached_property
    def first_calls(self) -> list[Call]:
        """One call per probe (up to a call that ends the learner's run), made once and shared by the checks."""
        calls = []
        for p in self.probes:
            if self.stopped is None:
                calls.append(self.call(p))
        return calls

    def usable(self) -> list[Call]:
        """The first calls, if they ran and returned arrays of the right shapes with finite values."""
        calls = self.first_calls
        if any(c.error is not None for c in calls):
            raise Skip("the learner raised (see the runs check)")
        if any(c.problem is not None for c in calls):
            raise Skip("the return value has the wrong structure (see the structure check)")
        if any(shape_problems(c, self.spec, self.kind) for c in calls):
            raise Skip("returned arrays have the wrong shapes (see the shapes check)")
        if any(not all(np.isfinite(a).all() for pair in c.pairs for a in pair) for c in calls):
            raise Skip("returned values are not finite (see the finite check)")
        return calls

    @cached_property
    def first_diagnoses(self) -> dict[tuple[int, int], Diagnosis]:
        """A Diagnosis per tensor that differs from torch on the first calls (one observation per probe),
        made once and shared by the checks that report on those calls."""
        obs = [self.observation(c) for c in self.usable()]
        return diagnose_tensors(self.spec, obs, rtol=self.rtol, step=self.kind == "step")

    # ---- what torch says ----------------------------------------------------------------------------
    def reference(self, probe: Probe) -> Reference:
        """torch's gradients (canonical, float64) and loss at probe.params; cached for the first probes."""
        key = (probe.index, id(probe))
        cache = self.__dict__.setdefault("_refs", {})
        if key not in cache:
            net = self.spec.build_net(probe.params)
            ref = torch_forward_backward(mirror(net), mirror_loss(manual.make_loss(self.spec.loss)),
                                         probe.X, probe.y)
            grads = [tuple(np.asarray(ref["grads"][self.spec.param_name(k, w)], np.float64) for w in (0, 1))
                     for k in range(self.spec.n_linear)]
            eps = float(np.finfo(self.precision).eps)
            scales = backprop(self.spec, probe.params, probe.X, probe.y).magnitudes(probe.params, eps, self.rtol)
            cache[key] = Reference(grads, float(ref["loss"]), scales)
        return cache[key]

    # ---- reading a call -----------------------------------------------------------------------------
    def yours(self, call: Call) -> Grads:
        """Your gradients in canonical float64; for a step_fn, the implied g = (p - p_new) / lr."""
        arrays = [(np.asarray(W, np.float64), np.asarray(b, np.float64)) for W, b in canonical(call.pairs, self.spec)]
        if self.kind == "grad":
            return arrays
        return [((np.asarray(W, np.float64) - W1) / call.lr, (np.asarray(b, np.float64) - b1) / call.lr)
                for (W, b), (W1, b1) in zip(call.probe.params, arrays)]

    def scales(self, call: Call) -> list[tuple[float, float]]:
        """Error scales; an implied gradient also carries the rounding of p - lr*g: 2 eps max|p| / lr."""
        base = self.reference(call.probe).scales
        if self.kind == "grad":
            return base
        eps = float(np.finfo(self.precision).eps)
        extra = [[LEARNER_UPDATE_ROUNDING * eps * float(np.abs(a).max(initial=0.0)) / (call.lr * self.rtol)
                  for a in pair] for pair in call.probe.params]
        return [(m[0] + e[0], m[1] + e[1]) for m, e in zip(base, extra)]

    def previous(self, call: Call) -> tuple[Grads | None, bool]:
        """Your previous call's gradients (if it worked and was readable) and whether this is the first call."""
        if call.index == 0:
            return None, True
        prev = self.calls[call.index - 1]
        if not prev.ok or prev.pairs is None or shape_problems(prev, self.spec, self.kind):
            return None, False
        return self.yours(prev), False

    def observation(self, call: Call) -> Observation:
        prev, first = self.previous(call)
        return Observation(call.probe, self.yours(call), self.reference(call.probe).grads, self.scales(call),
                           call.lr if self.kind == "step" else None, prev, first)

    def judge(self, call: Call, step: int | None = None) -> dict[tuple[int, int], TensorDiff]:
        """Per tensor, yours vs torch by compare.py's rule with the tensor's magnitude before cancellation
        (Observation.scale) as the scale: rel = max|diff| / magnitude, passing at rel <= rtol."""
        obs = self.observation(call)
        return {(k, w): compare_arrays(obs.yours[k][w], obs.torch[k][w], name=self.spec.param_name(k, w), kind="grad",
                                       rtol=self.rtol, layer=self.spec.layer_label(k), step=step,
                                       scale=obs.scale((k, w)))
                for k in range(self.spec.n_linear) for w in (0, 1)}
