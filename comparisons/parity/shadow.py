"""The per-step shadow check: does each training step of a NumPy run match torch, from the NumPy run's
own weights (and optimizer state), within rounding? This is how float32 trajectories are judged.

At step k, torch loads the weights the NumPy run has entering step k (and its optimizer's state: momentum
and moment buffers, step counts), takes one step on the same batch (forward, loss, backward, optimizer
step, in the same dtype), and the NumPy run's loss, every gradient, every updated parameter and every
state buffer must agree with torch's element by element within the allowance of rounding.py (twice the
first-order rounding bound computed from the magnitudes before cancellation):
    |L_np - L_t| <= A_L,   |g_np - g_t| <= A_g,
    plain SGD:   |p'_np - p'_t| <= lr A_g + 8u (|p'| + lr |g|)
    otherwise:   |p'_np - p'_t| <= |U(g_t +- A_g) - U(g_t)| + 32u |p' - p| + 8u |p'|, and for each state
                 buffer s: |S(g_t +- A_g) - S(g_t)| + 32u (|s'| + |s|), where U and S are the optimizer's
                 update evaluated in float64 (every optimizer here
                 is element-wise, so shifting every gradient by its allowance probes each element's own
                 sensitivity)
Because each step is judged from the same weights and state, the chaotic drift of two float32 runs over
thousands of steps cannot fail correct code, and a real error (a gradient 1% off in one layer) fails at
the first step where that gradient is not itself cancelled to rounding noise.
"""
from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

import manual
from torch_ref import mirror, mirror_loss, mirror_optimizer, target_tensor, to_tensor
from torch_ref.weights import to_manual_layout

from ..compare import TensorDiff, compare_arrays
from .finite import all_finite
from .flat import FlatLayout
from .rounding import StepBounds, allowance, step_bounds, step_bounds_stacked, unit_roundoff
from .shadow_layers import carry_layer_state
from .shadow_stack import BOUNDS_ELEMENTS, stack_size, stackable, torch_steps
from .torch_direct import direct_layers, direct_loss, forward, run_backward
from .trainers import by_hand_sgd

UPDATE_ULPS = 8.0           # p' = p - lr g: each side rounds lr, the product and the difference (2 u each, doubled)
STEP_ULPS = 32.0            # a stateful update's step: ~10 rounded operations on its size, on each side, with margin


@dataclass
class ShadowEntry:
    """What check() reads of the candidate's step k, kept until check_many judges it."""

    k: int
    before: dict
    X: np.ndarray
    y: np.ndarray
    value: float
    grads: dict
    after: dict
    state_before: dict | None = None
    state_after: dict | None = None


@dataclass
class ShadowStep:
    """One judged step: |L_np - L_torch| from the same weights, its allowance, and the step's smallest margin
    (allowance / error) over the loss, every gradient, parameter and state buffer (inf: all exact)."""

    step: int
    loss_error: float
    loss_allowance: float
    margin: float


def _float64_state(state: dict) -> dict:
    return {k: (v.astype(np.float64) if isinstance(v, np.ndarray) else v) for k, v in state.items()}


class ShadowCheck:
    """One torch twin of `net` (same dtype), reloaded with the candidate's weights (and, for a stateful
    optimizer, its state) at every step. `opt`: the candidate's optimizer, for its hyper-parameters."""

    def __init__(self, net: manual.Sequential, loss, opt, layer_of=None):
        self.net, self.loss, self.opt = net, loss, opt
        self.plain = isinstance(opt, manual.SGD) and opt.plain
        self.lr = opt.lr
        self.model = mirror(net)
        self.loss_fn = mirror_loss(loss)
        self.loss_call = direct_loss(self.loss_fn)    # loss_fn(a, b) without its Python wrappers (torch_direct.py)
        # plain SGD: stepped by hand as torch.optim.SGD steps it (trainers.py); else a new twin at each step
        self.torch_opt = (by_hand_sgd(opt, self.model) or mirror_optimizer(opt, self.model)) if self.plain else None
        self.tparams = dict(self.model.named_parameters())
        self.layers = direct_layers(self.model)       # layer.forward in turn, without nn.Module.__call__ (no hooks)
        arrays = {n: p.detach().numpy() for n, p in self.tparams.items()}    # which arrays are transposed, once
        self.transposed = {n: to_manual_layout(n, a, self.model) is not a for n, a in arrays.items()}
        sizes = [a.size for a in net.params.values()]
        self.layout = FlatLayout({n: a.shape for n, a in net.params.items()}) if sizes and min(sizes) else None
        self.stacks = self.plain and self.layout is not None and stackable(net)   # check_many's stacks
        self._stack_sizes: dict[int, int] = {}
        self.u = unit_roundoff(net.dtype)
        self.layer_of = layer_of or (lambda name: None)
        self.torch_finite = True     # whether torch's last step ended with a finite loss and parameters
        self.worst: dict = {}        # (kind, name) -> the largest ratio error / allowance so far
        self.history: list[ShadowStep] = []   # every judged step, for plots

    @property
    def needs_state(self) -> bool:
        """Whether check() needs the candidate's optimizer state before and after the step."""
        return not self.plain

    def torch_step(self, before: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray, state: dict | None = None):
        """Torch's loss, gradients, updated parameters and optimizer state (manual layout) from the weights
        `before` and the optimizer state `state`; gradients and parameters as views of torch's tensors, valid
        until the next torch_step."""
        with torch.no_grad():
            for name, p in self.tparams.items():
                p.copy_(torch.from_numpy(before[name].T if self.transposed[name] else before[name]))
        carry_layer_state(self.net, self.model)    # this step's Dropout masks, BatchNorm buffers, modes
        opt = self.torch_opt
        if opt is None:
            clone = copy.copy(self.opt)
            clone.state = copy.deepcopy(state or {})
            opt = mirror_optimizer(clone, self.model)
        opt.zero_grad(set_to_none=True)
        value = self.loss_call(forward(self.model, self.layers, to_tensor(X)), target_tensor(y))
        run_backward(value)
        grads = {n: self._manual_view(n, p.grad) for n, p in self.tparams.items()}
        opt.step()                                 # a ByHandSGD's: torch.optim.SGD's, bit for bit (trainers.py)
        after = {n: self._manual_view(n, p.detach()) for n, p in self.tparams.items()}
        t_state = {n: {k: (float(v) if k == "step" else to_manual_layout(n, v.numpy().copy(), self.model))
                       for k, v in opt.state[p].items() if isinstance(v, torch.Tensor)}
                   for n, p in self.tparams.items() if p in opt.state} if self.torch_opt is None else {}
        return value.item(), grads, after, t_state

    def _manual_view(self, name: str, t: torch.Tensor) -> np.ndarray:
        """Torch's tensor `name` in manual's layout, a view of its memory (which the next torch_step changes)."""
        return t.numpy().T if self.transposed[name] else t.numpy()

    def check(self, k: int, before: dict, X, y, value: float, grads: dict, after: dict,
              state_before: dict | None = None, state_after: dict | None = None) -> list[TensorDiff]:
        """The candidate's step k (its loss, gradients, updated parameters and, for a stateful optimizer,
        its state) against torch's from `before` (and `state_before`). A TensorDiff (with the worst element)
        is built only for a tensor whose ratio error / allowance is the worst seen for it so far or fails;
        the others are summarised by their ratio alone (speed)."""
        t_value, t_grads, t_after, t_state = self.torch_step(before, X, y, state_before)
        with np.errstate(all="ignore"):
            bounds = step_bounds(self.net, before, self.loss, X, y)
        return self._judged(k, before, value, grads, after, state_before, state_after,
                            (t_value, t_grads, t_after, t_state), bounds)

    def stack_size(self, X: np.ndarray) -> int:
        """How many judged steps on batches like X check_many stacks (1: it checks them one by one)."""
        if not self.stacks:
            return 1
        size = self._stack_sizes.get(len(X))      # the architecture is fixed: one answer per batch size
        if size is None:
            size = self._stack_sizes[len(X)] = stack_size(self.net, X)
        return size

    def check_many(self, entries: list[ShadowEntry]) -> Iterator[list[TensorDiff]]:
        """check() of each entry in turn (stop iterating at a failure and the later ones are not judged); for a
        stackable net (shadow_stack.py) the torch steps and bounds of consecutive entries on batches of one
        shape are computed for all of them at once."""
        i = 0
        while i < len(entries):
            e = entries[i]
            if not self.stacks:
                yield self.check(e.k, e.before, e.X, e.y, e.value, e.grads, e.after, e.state_before, e.state_after)
                i += 1
                continue
            j = i + 1
            while j < len(entries) and entries[j].X.shape == e.X.shape and entries[j].y.shape == e.y.shape:
                j += 1
            group = entries[i:j]
            params = {n: np.stack([g.before[n] for g in group]) for n in e.before}
            X, y = np.stack([g.X for g in group]), np.stack([g.y for g in group])
            values, grads, afters = torch_steps(self.net, self.model, self.loss_call, self.lr, params, X, y)
            part, bounds = stack_size(self.net, e.X, BOUNDS_ELEMENTS), []
            with np.errstate(all="ignore"):
                for a in range(0, len(group), part):
                    bounds += step_bounds_stacked(self.net, {n: v[a:a + part] for n, v in params.items()}, self.loss,
                                                  X[a:a + part], y[a:a + part])
            flats = [self.layout.join_stacked(d) for d in (grads, afters, {n: np.stack([b.grads[n] for b in bounds])
                                                                            for n in grads})]
            for m, g in enumerate(group):
                torch_side = values[m], {n: v[m] for n, v in grads.items()}, {n: v[m] for n, v in afters.items()}, {}
                yield self._judged(g.k, g.before, g.value, g.grads, g.after, None, None, torch_side, bounds[m],
                                   [f[m] for f in flats])
            i = j

    def _judged(self, k: int, before: dict, value, grads: dict, after: dict, state_before, state_after,
                torch_side: tuple, bounds: StepBounds, flats: list | None = None) -> list[TensorDiff]:
        """check()'s judgement of step k, given torch's (loss, gradients, parameters, state) and the bounds
        (`flats`: torch's gradients and parameters and the gradients' bounds as flat vectors, if made already)."""
        t_value, t_grads, t_after, t_state = torch_side
        self.torch_finite = all_finite(t_after, t_value)
        with np.errstate(all="ignore"):
            judged = [self._judge(k, "loss", "loss", value, t_value, allowance(bounds.loss))]
            flat = self._judge_plain(k, grads, after, t_grads, t_after, bounds, flats) if self.plain else None
            judged += flat if flat is not None else self._judge_each(k, before, grads, after, t_grads, t_after,
                                                                     t_state, bounds, state_before, state_after)
        ratios = [r for _, r in judged if r is not None]
        worst = max(ratios, default=0.0)
        self.history.append(ShadowStep(k, abs(float(value) - float(t_value)), float(allowance(bounds.loss)),
                                       float("inf") if worst == 0 else 1.0 / worst))
        return [d for d, _ in judged if d is not None]

    def _judge_plain(self, k: int, grads, after, t_grads, t_after, bounds, flats=None) -> list | None:
        """Plain SGD's gradients and updated parameters judged over flat vectors (flat.py): the allowances and
        ratios of _judge_each in a dozen NumPy calls for all tensors; None when a name or shape differs."""
        lay = self.layout
        if lay is None:
            return None
        mine = [lay.join(grads), lay.join(after)]
        theirs = flats or [lay.join(t_grads), lay.join(t_after), lay.join(bounds.grads)]
        if any(f is None for f in mine + theirs):
            return None
        (g, p), (g_t, p_t, b) = mine, theirs
        g_allow = allowance(b)
        p_allow = self.lr * g_allow + UPDATE_ULPS * self.u * (np.abs(p_t) + self.lr * np.abs(g_t))
        r_g, r_p = lay.max_each(np.abs(g - g_t) / g_allow), lay.max_each(np.abs(p - p_t) / p_allow)
        out = []
        for n in lay.shapes:
            out.append(self._judge(k, n, "grad", grads[n], t_grads[n], lay.piece(g_allow, n), ratio=r_g[n]))
            out.append(self._judge(k, n, "param", after[n], t_after[n], lay.piece(p_allow, n), ratio=r_p[n]))
        return out

    def _judge_each(self, k: int, before, grads, after, t_grads, t_after, t_state, bounds, state_before,
                    state_after) -> list:
        """Each gradient, updated parameter and state buffer judged on its own."""
        pairs = []
        for name in t_grads:
            g_allow = allowance(bounds.grads[name])
            pairs.append((name, "grad", grads[name], t_grads[name], g_allow))
            if self.plain:
                p_allow = self.lr * g_allow + UPDATE_ULPS * self.u * (np.abs(t_after[name])
                                                                        + self.lr * np.abs(t_grads[name]))
                pairs.append((name, "param", after[name], t_after[name], p_allow))
            else:
                pairs += self._stateful_pairs(name, before[name], t_grads[name], g_allow, t_after[name],
                                              after[name], (state_before or {}).get(name, {}),
                                              (state_after or {}).get(name, {}), t_state.get(name, {}))
        return [self._judge(k, *pair) for pair in pairs]

    def _stateful_pairs(self, name, p_before, g_t, g_allow, p_t, p_np, s_before, s_np, s_t) -> list:
        """(name, kind, mine, torch's, allowance) for the updated parameter and each state buffer, the
        allowance from the update's sensitivity to the gradient's allowance, evaluated in float64."""
        def run(g):
            p, state = p_before.astype(np.float64), copy.deepcopy(_float64_state(s_before))
            self.opt.update(p, g, state)
            return p, state

        g64 = g_t.astype(np.float64)
        (p0, st0), (p_hi, st_hi), (p_lo, st_lo) = run(g64), run(g64 + g_allow), run(g64 - g_allow)
        sens = np.maximum(np.abs(p_hi - p0), np.abs(p_lo - p0))
        allow = sens + STEP_ULPS * self.u * np.abs(p0 - p_before) + UPDATE_ULPS * self.u * np.abs(p0) + 1e-38
        pairs = [(name, "param", p_np, p_t, allow)]
        for key in dict.fromkeys([*s_t, *s_np]):        # torch's keys first: a buffer you dropped is a finding
            label = f"{name}[{key}]"
            if key == "step":
                pairs.append((label, "state", _scalar(s_np.get(key)), _scalar(s_t.get(key)), 0.0))
                continue
            v0 = st0.get(key, s_t.get(key))
            s_sens = (np.maximum(np.abs(st_hi[key] - v0), np.abs(st_lo[key] - v0)) if key in st0 else 0.0)
            prev = np.abs(s_before[key]) if key in s_before else 0.0
            s_allow = s_sens + STEP_ULPS * self.u * (np.abs(v0) + prev) + 1e-38
            pairs.append((label, "state", s_np.get(key), s_t.get(key), s_allow))
        return pairs

    def _judge(self, k, name, kind, mine, theirs, allow, ratio: float | None = None
               ) -> tuple[TensorDiff | None, float | None]:
        """(a TensorDiff when this tensor fails or is its worst so far, else None; error / allowance). `ratio`:
        that figure measured already (NaN or inf: not finite); else _ratio measures it."""
        if mine is None or theirs is None:
            missing = "your optimizer's" if mine is None else "torch's"
            key = name[name.index("[") + 1:-1]
            return TensorDiff(name=name, kind=kind, rtol=0.0, step=k,
                              problem=f"{missing} state has no {key!r} after this step"), None
        ratio = _ratio(mine, theirs, allow) if ratio is None else (ratio if math.isfinite(ratio) else None)
        if ratio is not None and ratio <= min(1.0, self.worst.get((kind, name), -1.0)):
            return None, ratio
        self.worst[(kind, name)] = max(self.worst.get((kind, name), -1.0), ratio or 0.0)
        layer = None if kind == "loss" else self.layer_of(name.split("[")[0])
        return compare_arrays(mine, theirs, name=name, kind=kind, rtol=np.inf, step=k, layer=layer,
                              allowance=np.asarray(allow, np.float64) + 1e-300), ratio


def _scalar(v):
    return None if v is None else np.float64(v)


def _ratio(mine, theirs, allow) -> float | None:
    """max |mine - theirs| / allow, or None when shapes differ or a value is not finite (then the full
    comparison says what is wrong)."""
    a, b = np.asarray(mine), np.asarray(theirs)
    if a.shape != b.shape:
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        r = float(np.maximum.reduce(np.abs(a.astype(np.float64) - b) / allow, axis=None, initial=0.0))
    return r if np.isfinite(r) else None
