"""Torch's answer for a layer probe: the forward output and, by autograd, the gradient of every input.

All in float64 from the probe's own values (a float32 probe is widened exactly), so the answer is torch's
to rounding. A layer's gradients are those of sum(out * dout) (dout the upstream gradient); a loss's are
those of the loss itself. Dropout is x * keep / p with the learner's own keep mask (torch's Dropout draws
its mask from its own generator, and takes the probability of *dropping*, 1 - CS231n's p).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F


@dataclass
class TorchAnswer:
    out: np.ndarray
    grads: dict[str, np.ndarray] = field(default_factory=dict)
    state: dict[str, np.ndarray] = field(default_factory=dict)   # running statistics after the forward


def affine(t: dict, cfg, seen) -> torch.Tensor:
    """out = x.reshape(N, D) @ w + b."""
    return t["x"].reshape(t["x"].shape[0], -1) @ t["w"] + t["b"]


def relu(t: dict, cfg, seen) -> torch.Tensor:
    return F.relu(t["x"])


def softmax_loss(t: dict, cfg, seen) -> torch.Tensor:
    """mean over N of -log softmax(x)[y]: torch.nn.CrossEntropyLoss (reduction mean)."""
    return F.cross_entropy(t["x"], t["y"])


def svm_loss(t: dict, cfg, seen) -> torch.Tensor:
    """mean over N of sum_{j != y} max(0, x_j - x_y + 1): C * torch.nn.MultiMarginLoss (which divides by C)."""
    return t["x"].shape[1] * F.multi_margin_loss(t["x"], t["y"])


def batchnorm(t: dict, cfg, seen) -> torch.Tensor:
    """train: batch statistics (biased variance); test: the running ones given in bn_param."""
    if cfg["mode"] == "train":
        return F.batch_norm(t["x"], None, None, t["gamma"], t["beta"], training=True, eps=cfg["eps"])
    rm, rv = (torch.as_tensor(cfg[k], dtype=torch.float64) for k in ("running_mean", "running_var"))
    return F.batch_norm(t["x"], rm, rv, t["gamma"], t["beta"], training=False, eps=cfg["eps"])


def dropout(t: dict, cfg, seen) -> torch.Tensor:
    """train: x * keep / p with the learner's keep mask (out != 0: the probes' x is never 0); test: x."""
    if cfg["mode"] != "train":
        return t["x"] * 1.0
    keep = torch.as_tensor(np.asarray(seen) != 0) if seen is not None else torch.ones_like(t["x"], dtype=bool)
    return t["x"] * keep / cfg["p"]


def conv(t: dict, cfg, seen) -> torch.Tensor:
    return F.conv2d(t["x"], t["w"], t["b"], stride=cfg["stride"], padding=cfg["pad"])


def max_pool(t: dict, cfg, seen) -> torch.Tensor:
    return F.max_pool2d(t["x"], (cfg["pool_height"], cfg["pool_width"]), stride=cfg["stride"])


def running_stats(arrays: dict, cfg: dict) -> dict[str, dict[str, np.ndarray]]:
    """bn_param's running statistics after one train step, CS231n's way (new = m * old + (1 - m) * batch,
    biased variance) and torch's (momentum 1 - m, unbiased variance): both accepted."""
    x = np.asarray(arrays["x"], np.float64)
    m, mean = cfg["momentum"], x.mean(0)
    old_mean, old_var = (np.asarray(cfg[k], np.float64) for k in ("running_mean", "running_var"))
    rm, rv = torch.tensor(old_mean), torch.tensor(old_var)
    F.batch_norm(torch.tensor(x), rm, rv, training=True, momentum=1 - m, eps=cfg["eps"])
    return {"cs231n": {"running_mean": m * old_mean + (1 - m) * mean, "running_var": m * old_var + (1 - m) * x.var(0)},
            "torch": {"running_mean": rm.numpy(), "running_var": rv.numpy()}}


def answer(fn, arrays: dict, cfg: dict | None, *, wrt: tuple[str, ...], dout=None, seen=None) -> TorchAnswer:
    """Run fn on float64 tensors of `arrays`; gradients of the names in `wrt` (of out * dout, or of the loss
    when dout is None)."""
    tensors = {k: torch.tensor(np.asarray(v, np.float64) if np.asarray(v).dtype.kind == "f" else np.asarray(v),
                               requires_grad=k in wrt) for k, v in arrays.items()}
    with torch.enable_grad():
        out = fn(tensors, cfg, seen)
        if wrt:
            out.backward(None if dout is None else torch.tensor(np.asarray(dout, np.float64)))
    return TorchAnswer(out.detach().numpy().copy(), {k: tensors[k].grad.numpy().copy() for k in wrt})
