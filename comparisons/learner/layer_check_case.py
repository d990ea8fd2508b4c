"""One layer check's state: the learner's forward and backward, the probes, the calls made once and shared
by every check, torch's answer per probe and the upstream gradient dout given to backward."""
from __future__ import annotations

from functools import cached_property

import numpy as np

from ..tolerances import learner_tolerance
from .events import LearnerEvent
from .layer_check_calls import LayerCall, call_backward, call_forward
from .layer_check_ops import LayerOp
from .layer_check_torch import TorchAnswer, answer


class LayerCase:
    """forward / backward: the learner's callables (backward None for a loss). name: for the report."""

    def __init__(self, op: LayerOp, forward, backward, *, dtype=np.float64, seed: int = 0, name: str = "",
                 rerun: str = "", names: tuple[str, str] | None = None):
        self.op, self.forward, self.backward = op, forward, backward
        self.dtype, self.seed, self.name, self.rerun = np.dtype(dtype), seed, name, rerun
        self.names = names or (op.forward, op.backward)    # how the learner's functions are called in messages
        self.probes = op.probes(np.random.default_rng(seed), self.dtype)
        self.rtol = learner_tolerance(self.dtype).step
        self.stopped: LayerCall | None = None               # the call that ended the learner's run
        self.extras = True                                  # run the layer's own checks (running statistics, ...)
        self.more_checks: tuple = ()                        # checks for this kind of learner (a layer object's)
        self._answers: dict[int, TorchAnswer] = {}
        self._pending: list[LayerCall] = []                 # the forward calls made so far

    def _ended(self, call: LayerCall) -> LayerCall:
        if isinstance(call.error, LearnerEvent) and self.stopped is None:
            self.stopped = call
        return call

    @cached_property
    def _calls(self) -> tuple[list[LayerCall], dict[int, LayerCall]]:
        """forward on each probe, then at once backward on its cache (a layer object keeps one probe's state
        at a time), until a call ends the learner's run."""
        forward, backward = self._pending, {}
        for i, probe in enumerate(self.probes):
            if self.stopped is not None:
                break
            f = self._ended(call_forward(self.forward, probe, is_loss=self.op.is_loss, grads=self.op.grads,
                                         what=self.names[0]))
            forward.append(f)
            if f.ok and probe.backward and not self.op.is_loss and self.stopped is None:
                backward[i] = self._ended(call_backward(self.backward, f, self.dout(i), grads=self.op.grads,
                                                        what=self.names[1]))
        return forward, backward

    @property
    def forward_calls(self) -> list[LayerCall]:
        return self._calls[0]

    @property
    def backward_calls(self) -> dict[int, LayerCall]:
        """backward(dout, cache) on every probe whose forward returned (out, cache); a loss has none."""
        return self._calls[1]

    def dout(self, i: int) -> np.ndarray:
        """The upstream gradient for probe i: standard normal of the output's shape (every element differs,
        so a gradient that drops, repeats or rescales part of dout shows)."""
        return self._draw(i, self.answer(i).out.shape)

    def _draw(self, i: int, shape: tuple) -> np.ndarray:
        return np.random.default_rng([self.seed, 1000 + i]).standard_normal(shape).astype(self.dtype)

    def all_calls(self) -> list[LayerCall]:
        return self.forward_calls + list(self.backward_calls.values())

    def answer(self, i: int) -> TorchAnswer:
        """torch's output and gradients on probe i (dropout: with the learner's own mask, read from its out)."""
        if i not in self._answers:
            probe = self.probes[i]
            seen = None
            f = self._forward_of(i)
            if f is not None and f.out is not None and "x" in probe.arrays and f.out.shape == probe.arrays["x"].shape:
                seen = f.out
            fwd = answer(self.op.torch, probe.arrays, probe.config, wrt=(), seen=seen)
            wrt = self.op.wrt if probe.backward else ()
            dout = None
            if wrt and not self.op.is_loss:
                dout = self._draw(i, fwd.out.shape)
            self._answers[i] = answer(self.op.torch, probe.arrays, probe.config, wrt=wrt, dout=dout, seen=seen) \
                if wrt else fwd
        return self._answers[i]

    def _forward_of(self, i: int) -> LayerCall | None:
        """Probe i's forward call, made or being made (answer() runs between forward and backward)."""
        return self._pending[i] if i < len(self._pending) else None

    def context(self, i: int) -> tuple:
        """What a Bug predicts from: (float64 arrays, config, dout, TorchAnswer)."""
        probe = self.probes[i]
        arrays = {k: np.asarray(v, np.float64) if v.dtype.kind == "f" else v for k, v in probe.arrays.items()}
        dout = None if self.op.is_loss or not probe.backward else np.asarray(self.dout(i), np.float64)
        return arrays, probe.config, dout, self.answer(i)
