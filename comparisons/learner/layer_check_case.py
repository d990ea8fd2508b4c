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
        self._answers: dict[int, TorchAnswer] = {}

    def _ended(self, call: LayerCall) -> LayerCall:
        if isinstance(call.error, LearnerEvent) and self.stopped is None:
            self.stopped = call
        return call

    @cached_property
    def forward_calls(self) -> list[LayerCall]:
        """forward on every probe (until a call ends the learner's run)."""
        out = []
        for probe in self.probes:
            if self.stopped is not None:
                break
            out.append(self._ended(call_forward(self.forward, probe, is_loss=self.op.is_loss, grads=self.op.grads,
                                                what=self.names[0])))
        return out

    def dout(self, i: int) -> np.ndarray:
        """The upstream gradient for probe i: standard normal of the output's shape (every element differs,
        so a gradient that drops, repeats or rescales part of dout shows)."""
        return self._draw(i, self.answer(i).out.shape)

    def _draw(self, i: int, shape: tuple) -> np.ndarray:
        return np.random.default_rng([self.seed, 1000 + i]).standard_normal(shape).astype(self.dtype)

    @cached_property
    def backward_calls(self) -> dict[int, LayerCall]:
        """backward(dout, cache) on every probe whose forward returned (out, cache); a loss has none."""
        out = {}
        if self.op.is_loss:
            return out
        for i, f in enumerate(self.forward_calls):
            if self.stopped is not None:
                break
            if f.ok and f.probe.backward:
                out[i] = self._ended(call_backward(self.backward, f, self.dout(i), grads=self.op.grads,
                                                   what=self.names[1]))
        return out

    def all_calls(self) -> list[LayerCall]:
        return self.forward_calls + list(self.backward_calls.values())

    def answer(self, i: int) -> TorchAnswer:
        """torch's output and gradients on probe i (dropout: with the learner's own mask, read from its out)."""
        if i not in self._answers:
            probe = self.probes[i]
            seen = None
            if i < len(self.forward_calls) and self.forward_calls[i].out is not None:
                seen = self.forward_calls[i].out if self.forward_calls[i].out.shape == probe.arrays["x"].shape else None
            fwd = answer(self.op.torch, probe.arrays, probe.config, wrt=(), seen=seen)
            wrt = self.op.wrt if probe.backward else ()
            dout = None
            if wrt and not self.op.is_loss:
                dout = self._draw(i, fwd.out.shape)
            self._answers[i] = answer(self.op.torch, probe.arrays, probe.config, wrt=wrt, dout=dout, seen=seen) \
                if wrt else fwd
        return self._answers[i]

    def context(self, i: int) -> tuple:
        """What a Bug predicts from: (float64 arrays, config, dout, TorchAnswer)."""
        probe = self.probes[i]
        arrays = {k: np.asarray(v, np.float64) if v.dtype.kind == "f" else v for k, v in probe.arrays.items()}
        dout = None if self.op.is_loss or not probe.backward else np.asarray(self.dout(i), np.float64)
        return arrays, probe.config, dout, self.answer(i)
