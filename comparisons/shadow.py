"""The per-step shadow check: does each training step of a NumPy run match torch, from the NumPy run's
own weights, within rounding? This is how float32 trajectories are judged.

At step k, torch loads the weights the NumPy run has entering step k, takes one step on the same batch
(forward, loss, backward, optimizer step, in the same dtype), and the NumPy run's loss, every gradient
and every updated parameter must agree with torch's element by element within the allowance of
rounding.py (twice the first-order rounding bound computed from the magnitudes before cancellation):
    |L_np - L_t| <= A_L,   |g_np - g_t| <= A_g,   |p'_np - p'_t| <= lr A_g + 8u (|p'| + lr |g|)
Because each step is judged from the same weights, the chaotic drift of two float32 runs over thousands
of steps cannot fail correct code, and a real error (a gradient 1% off in one layer) fails at the first
step where that gradient is not itself cancelled to rounding noise.
"""
from __future__ import annotations

import numpy as np
import torch

import manual
from torch_ref import mirror, mirror_loss, mirror_optimizer, target_tensor, to_tensor
from torch_ref.weights import to_manual_layout, to_torch_layout

from .compare import TensorDiff, compare_arrays
from .rounding import allowance, step_bounds, unit_roundoff

UPDATE_ULPS = 8.0   # p' = p - lr g: each side rounds lr, the product and the difference (2 u each, doubled)


class ShadowCheck:
    """One torch twin of `net` (same dtype), reloaded with the candidate's weights at every step."""

    def __init__(self, net: manual.Sequential, loss, opt: manual.SGD, layer_of=None):
        if type(opt) is not manual.SGD:
            raise TypeError("the shadow check knows plain SGD only (a stateful optimizer needs its state mirrored)")
        self.net, self.loss, self.lr = net, loss, opt.lr
        self.model = mirror(net)
        self.loss_fn = mirror_loss(loss)
        self.opt = mirror_optimizer(opt, self.model)
        self.tparams = dict(self.model.named_parameters())
        self.u = unit_roundoff(net.dtype)
        self.layer_of = layer_of or (lambda name: None)
        self.torch_finite = True     # whether torch's last step ended with a finite loss and parameters
        self.worst: dict = {}        # (kind, name) -> the largest ratio error / allowance so far

    def torch_step(self, before: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray):
        """Torch's loss, gradients and updated parameters (manual layout) from the weights `before`."""
        with torch.no_grad():
            for name, p in self.tparams.items():
                p.copy_(torch.from_numpy(np.ascontiguousarray(to_torch_layout(name, before[name]))))
        self.opt.zero_grad(set_to_none=True)
        value = self.loss_fn(self.model(to_tensor(X)), target_tensor(y))
        value.backward()
        grads = {n: to_manual_layout(n, p.grad.numpy().copy()) for n, p in self.tparams.items()}
        self.opt.step()
        after = {n: to_manual_layout(n, p.detach().numpy().copy()) for n, p in self.tparams.items()}
        return value.item(), grads, after

    def check(self, k: int, before: dict, X, y, value: float, grads: dict, after: dict) -> list[TensorDiff]:
        """The candidate's step k (its loss, gradients and updated parameters) against torch's from `before`.
        A TensorDiff (with the worst element) is built only for a tensor whose ratio error / allowance is
        the worst seen for it so far or fails; the others are summarised by their ratio alone (speed)."""
        t_value, t_grads, t_after = self.torch_step(before, X, y)
        self.torch_finite = bool(np.isfinite(t_value) and all(np.isfinite(v).all() for v in t_after.values()))
        with np.errstate(all="ignore"):
            bounds = step_bounds(self.net, before, self.loss, X, y)
            pairs = [("loss", "loss", value, t_value, allowance(bounds.loss))]
            for name in t_grads:
                g_allow = allowance(bounds.grads[name])
                p_allow = self.lr * g_allow + UPDATE_ULPS * self.u * (np.abs(t_after[name])
                                                                        + self.lr * np.abs(t_grads[name]))
                pairs += [(name, "grad", grads[name], t_grads[name], g_allow),
                          (name, "param", after[name], t_after[name], p_allow)]
            diffs = []
            for name, kind, mine, theirs, allow in pairs:
                ratio = _ratio(mine, theirs, allow)
                if ratio is not None and ratio <= min(1.0, self.worst.get((kind, name), -1.0)):
                    continue
                self.worst[(kind, name)] = max(self.worst.get((kind, name), -1.0), ratio or 0.0)
                diffs.append(compare_arrays(mine, theirs, name=name, kind=kind, rtol=np.inf, step=k,
                                            layer=None if kind == "loss" else self.layer_of(name), allowance=allow))
        return diffs


def _ratio(mine, theirs, allow) -> float | None:
    """max |mine - theirs| / allow, or None when shapes differ or a value is not finite (then the full
    comparison says what is wrong)."""
    a, b = np.asarray(mine), np.asarray(theirs)
    if a.shape != b.shape:
        return None
    r = float(np.max(np.abs(a.astype(np.float64) - b) / allow, initial=0.0))
    return r if np.isfinite(r) else None
