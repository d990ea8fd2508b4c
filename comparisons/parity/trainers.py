"""Trainers: one optimizer step at a time on (X, y), exposing parameters by torch's state_dict names in
manual's layout. Anything with `step(X, y) -> loss | None` and `params() -> dict` can be compared."""
from __future__ import annotations

import numpy as np
import torch

import manual
from torch_ref import mirror, mirror_loss, mirror_optimizer, target_tensor, to_tensor
from torch_ref.tensors import Device, device_off_cpu, ieee_float32, to_array
from torch_ref.weights import to_manual_layout

from .manual_trainer import ManualTrainer, Trainer, float64_twin  # noqa: F401  (torch-free: there)
from .torch_direct import direct_layers, direct_loss, forward, run_backward


def plain_sgd(opt: torch.optim.Optimizer) -> bool:
    """Whether `opt` is a torch.optim.SGD whose step is p.add_(p.grad, alpha=-lr) for every parameter: no
    momentum, weight decay, maximize, differentiable or fused option, a float lr, CPU tensors (its foreach
    default is off there), no step hooks."""
    if type(opt) is not torch.optim.SGD or opt._optimizer_step_pre_hooks or opt._optimizer_step_post_hooks:
        return False
    from torch.optim import optimizer as _optimizer

    if _optimizer._global_optimizer_pre_hooks or _optimizer._global_optimizer_post_hooks:
        return False
    return all(g["momentum"] == 0 and g["weight_decay"] == 0 and not g["maximize"] and not g["differentiable"]
               and not g["fused"] and not g["foreach"] and isinstance(g["lr"], float)
               and all(p.device.type == "cpu" for p in g["params"]) for g in opt.param_groups)


def sgd_step_by_hand(opt: torch.optim.SGD | ByHandSGD) -> None:
    """torch.optim.SGD's plain step for a plain_sgd(opt): p.add_(grad, alpha=-lr) for each parameter with a
    gradient, in one torch._foreach_add_ call (what SGD(foreach=True) makes; on the CPU it runs add_ on each
    tensor, the single-tensor path's kernel: the same values, bit for bit, tests/comparisons/test_trajectory.py)."""
    with torch.no_grad():
        for group in opt.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if params:
                torch._foreach_add_(params, [p.grad for p in params], alpha=-group["lr"])
    opt._opt_called = True      # as opt.step() marks it, for an lr scheduler's order check


class ByHandSGD:
    """A plain torch.optim.SGD(params, lr), stepped by hand (sgd_step_by_hand), built only when `.torch` is read
    (to attach an lr scheduler, say; its param_groups, and so the scheduler's lr, are then what step() reads).
    The first torch optimizer built in a process imports torch._dynamo (~1.7 s); a seed run never needs it."""

    def __init__(self, params, lr: float, built: torch.optim.SGD | None = None):
        self._groups, self._torch = [{"params": list(params), "lr": lr}], built

    @classmethod
    def of(cls, opt: torch.optim.SGD) -> ByHandSGD:
        """An SGD already built (a plain_sgd one), stepped by hand."""
        return cls([], opt.param_groups[0]["lr"], built=opt)

    @property
    def torch(self) -> torch.optim.SGD:
        if self._torch is None:
            self._torch = torch.optim.SGD(self._groups[0]["params"], lr=self._groups[0]["lr"])
        return self._torch

    @property
    def param_groups(self) -> list[dict]:
        return self._groups if self._torch is None else self._torch.param_groups

    def zero_grad(self, set_to_none: bool = True) -> None:
        """opt.zero_grad(set_to_none=True) (the only kind there is here)."""
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None

    def step(self) -> None:
        sgd_step_by_hand(self if self._torch is None else self._torch)


def by_hand_sgd(opt: manual.Optimizer, model: torch.nn.Module) -> ByHandSGD | None:
    """The ByHandSGD twin of a plain manual.SGD (p -= lr * grad) over model's parameters, all on the CPU, when
    no global optimizer hook is registered (then opt.step() adds nothing to p.add_(grad, alpha=-lr)); else None."""
    from torch.optim import optimizer as _optimizer

    if not (isinstance(opt, manual.SGD) and opt.plain) or any(p.device.type != "cpu" for p in model.parameters()):
        return None
    if _optimizer._global_optimizer_pre_hooks or _optimizer._global_optimizer_post_hooks:
        return None
    return ByHandSGD(model.parameters(), float(opt.lr))


class TorchTrainer:
    """The torch twin: zero_grad, forward, loss, backward, optimizer step.

    With `by_hand` (the default) a plain torch.optim.SGD (no momentum, weight decay, maximize; CPU tensors) is
    stepped as its single-tensor path steps it, p.add_(p.grad, alpha=-lr) under no_grad, without the
    optimizer's per-step machinery (hooks, profiler record, grad lists): bit-identical to opt.step()
    (tests/comparisons/test_trajectory.py), and cheaper on a seed-sized net; an nn.Sequential without hooks
    then runs its layers' forward directly (direct_layers). Whether the optimizer and the model qualify is
    decided here, once (its lr is read at every step, so an lr scheduler still works; a hook registered later
    is not seen). by_hand=False always calls opt.step() and model(x) (the benchmark's torch eager).

    The model may live on another device (a CUDA mirror: TorchTrainer.mirroring(..., device="cuda")): each batch
    is sent there, float32 runs without TF32 (torch_ref.ieee_float32), and params() and predict() bring the
    values back to the CPU. On the CPU nothing is moved or copied beyond what it was before."""

    def __init__(self, model: torch.nn.Module, loss_fn, opt: torch.optim.Optimizer | ByHandSGD,
                 by_hand: bool = True):
        self.model, self.loss_fn = model, loss_fn
        if isinstance(opt, ByHandSGD):
            self._sgd, self._opt = opt, None
        else:          # decided once: the options do not change during a run
            self._sgd, self._opt = (ByHandSGD.of(opt) if by_hand and plain_sgd(opt) else None), opt
        self.by_hand = self._sgd is not None
        self._layers = direct_layers(model) if by_hand else None
        self._loss, self._backward = (direct_loss(loss_fn), run_backward) if by_hand else (loss_fn, torch.Tensor.backward)
        self._named = list(model.named_parameters())
        self.device = device_off_cpu(model)                         # None: the CPU path, nothing moved
        arrays = {n: to_array(t) for n, t in self._named}   # which arrays manual keeps transposed, once
        self._transposed = {n: to_manual_layout(n, a, model) is not a for n, a in arrays.items()}
        self._views, self._ptrs = None, []           # params_view's, kept on the CPU

    @property
    def opt(self) -> torch.optim.Optimizer:
        """The torch optimizer (a ByHandSGD's built now if it was not yet)."""
        return self._opt if self._opt is not None else self._sgd.torch

    @classmethod
    def mirroring(cls, net: manual.Sequential, loss, opt: manual.Optimizer, dtype=None,
                  by_hand: bool = True, device: Device = None) -> TorchTrainer:
        """A torch trainer starting from net's weights (cast to `dtype` if given) with the same loss and the
        torch twin of `opt` (same class and hyper-parameters, its state copied), on `device` (the CPU if None);
        a plain SGD stepped by hand is a ByHandSGD (no torch.optim.SGD built unless `.opt` is read)."""
        model = mirror(net, device)
        if dtype is not None:
            from torch_ref import torch_dtype

            model = model.to(torch_dtype(dtype))
        twin = (by_hand_sgd(opt, model) if by_hand else None) or mirror_optimizer(opt, model)
        return cls(model, mirror_loss(loss), twin, by_hand=by_hand)

    def step(self, X, y):
        dt = self._named[0][1].dtype
        opt = self._sgd or self._opt
        opt.zero_grad(set_to_none=True)
        if self.device is None:
            value = self._loss(forward(self.model, self._layers, to_tensor(X).to(dt)), target_tensor(y, dt))
            self._backward(value)
        else:
            with ieee_float32(self.device):
                x, target = to_tensor(X, self.device).to(dt), target_tensor(y, dt, self.device)
                value = self._loss(forward(self.model, self._layers, x), target)
                self._backward(value)
        opt.step()
        return value.item()

    def params(self):
        """Copies in manual's layout (to_manual_layout's, decided once in __init__; .T.copy(), as a (1, n) or (n, 1)
        tensor's np.ascontiguousarray(.T) would be a view of torch's memory, not a copy)."""
        return {n: a.copy() for n, a in self.params_view().items()}

    def params_view(self):
        """The parameters in manual's layout as views of torch's memory (changed by the next step); on the CPU
        made once and kept while each tensor keeps its memory (every step here updates in place)."""
        views = self._views
        if views is None or any(t.data_ptr() != ptr for (_, t), ptr in zip(self._named, self._ptrs)):
            views = {n: to_array(t).T if self._transposed[n] else to_array(t) for n, t in self._named}
            if self.device is None:
                self._views, self._ptrs = views, [t.data_ptr() for _, t in self._named]
        return views

    def predict(self, X: np.ndarray) -> np.ndarray:
        dt = self._named[0][1].dtype
        with torch.no_grad(), ieee_float32(self.device):
            return to_array(self.model(to_tensor(X, self.device).to(dt)))


class LearnerCodeError(Exception):
    """The learner's code raised (not the harness). Carries the original exception and where, in the
    learner's code, it was raised; compare_trajectory turns it into a finding instead of crashing."""

    def __init__(self, exc: BaseException, where: str = ""):
        self.exc, self.where = exc, where
        super().__init__(self.summary)

    @property
    def summary(self) -> str:
        at = f" ({self.where})" if self.where else ""
        return f"{type(self.exc).__name__}: {self.exc}{at}"

    @classmethod
    def wrap(cls, exc: BaseException) -> LearnerCodeError:
        """Wrap exc, located as the learner checks locate it (learner.calls.learner_location): the innermost
        frame outside the standard library, installed packages and the harness, else the innermost."""
        from ..learner.calls import learner_location

        return cls(exc, learner_location(exc))


class StepFnTrainer:
    """Wraps code in the learner's shape: step_fn(params, X, y, lr) -> new_params, where params is a list
    of (W, b) with W (fan_in, fan_out), b (fan_out,). It may return new arrays or update in place (then
    return the same list). Its parameters are named after `net`'s layers; it reports no loss of its own.
    An exception raised by step_fn (or a result that is not a list of (W, b) pairs) is re-raised as
    LearnerCodeError."""

    def __init__(self, step_fn, net: manual.Sequential, lr: float):
        self.step_fn, self.lr = step_fn, lr
        self.names = [i for i, layer in enumerate(net.layers) if isinstance(layer, manual.Linear)]
        self.current = net.linear_params()

    def step(self, X, y):
        try:
            new = self.step_fn([(W.copy(), b.copy()) for W, b in self.current], X, y, self.lr)
            self.current = [(np.asarray(W), np.asarray(b)) for W, b in new]
        except Exception as exc:
            raise LearnerCodeError.wrap(exc) from exc
        return None

    def params(self):
        out = {}
        for i, (W, b) in zip(self.names, self.current):
            out[f"{i}.weight"], out[f"{i}.bias"] = W.copy(), b.copy()
        return out
