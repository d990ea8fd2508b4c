"""The NumPy side's trainer (manual/ net + loss + optimizer) and the Trainer shape every trainer has. No torch
here: the seeds job records its float64 twins in a process forked before torch is imported (seed_twins.py)."""
from __future__ import annotations

import copy
from typing import Protocol

import numpy as np

import manual


class Trainer(Protocol):
    def step(self, X: np.ndarray, y: np.ndarray) -> float | None:
        """Loss at the current parameters (None if the code computes none), then one update."""

    def params(self) -> dict[str, np.ndarray]:
        """Copies of the current parameters in manual layout, by state_dict name."""

    # optional: params_view() -> dict[str, np.ndarray]: the same without copies (views of the live arrays, read
    # before the next step), for the per-step finiteness check (trajectory.py falls back to params())


class ManualTrainer:
    """manual net + loss + optimizer (any manual.Optimizer): forward, loss, backward, opt.step(net)."""

    def __init__(self, net: manual.Sequential, loss, opt: manual.Optimizer):
        self.net, self.loss, self.opt = net, loss, opt

    def step(self, X, y):
        value = self.loss.forward(self.net.forward(X, record=False), y)
        self.net.backward(self.loss.backward(), need_input_grad=False, record=False)
        self.opt.step(self.net)
        return float(value)

    def params(self):
        return self.net.get_params()

    def params_view(self):
        return self.net.params

    def rewind(self, params: dict[str, np.ndarray]) -> None:
        """Set the parameters to `params` (those after an earlier step of a plain SGD run: it has no other state),
        when a check that judged steps in stacks stops at a step this run has gone past."""
        for name, live in self.net.params.items():
            np.copyto(live, params[name])

    def optimizer_state(self) -> dict:
        """A copy of the optimizer's state (buffers, step counts) by parameter name."""
        return copy.deepcopy(self.opt.state)

    def grads(self):
        """The gradients of the last step (at the parameters entering it), by state_dict name."""
        return {k: v.copy() for k, v in self.net.grads.items()}


def float64_twin(net64: manual.Sequential, net32: manual.Sequential, loss, opt) -> ManualTrainer:
    """A ManualTrainer of net64 (net32's architecture built in float64) holding net32's float32 weights: the
    exact-training stand-in a float32 run's drift is measured against (manual/ and torch agree in float64 to
    ~1e-14, the float64 rows show). `loss` and `opt` must be fresh objects, not the float32 run's."""
    net64.set_params({k: v.astype(np.float64) for k, v in net32.get_params().items()})
    return ManualTrainer(net64, loss, opt)
