"""One parity check for the layers of manual/{conv,pool,flatten,norm,dropout}.py against their torch twins.

float64: every tensor within 1e-12 of torch's, relative to the tensor's max magnitude (or, where the result
cancels, the size S of its terms below: BatchNorm's dx on two rows is 0 up to rounding of O(invstd) terms).
float32: an element computed by a sum of n rounded terms t_i differs from the exact value by at most
gamma_n * sum|t_i| (Higham, Thm 3.1; gamma_n = n u / (1 - n u), u = 2**-24); with rounding errors
independent and of mean zero, by at most lambda * sqrt(n) * u * sum|t_i| with high probability (Higham and
Mary 2019; lambda = 4 keeps the failure probability below 1e-6). Both NumPy and torch obey it, in different
summation orders, so |manual - torch| <= 2 * 4 * sqrt(n) * u * S, with S the largest sum|t_i| of the tensor
(the same layer run in float64 on |x|, |params| and |dy|; for the nonlinear norms the same run, or the
tensor's own max magnitude when larger, their sums being of O(1) normalised terms). n is bounded by the
largest array involved (x, y or a parameter): no sum in these layers has more terms. Measured: <= 11 u of
the tensor's max magnitude, against a bound of >= 100 u.
"""
from __future__ import annotations

import numpy as np
import torch

from manual.gradcheck import GOOD, numerical_gradient, relative_error
from torch_ref.layers import torch_twin

U32 = float(np.finfo(np.float32).eps) / 2
RTOL64 = 1e-12


def randomise(layer, seed: int) -> np.random.Generator:
    rng = np.random.default_rng(seed)
    for p in layer.params.values():
        p[...] = rng.standard_normal(p.shape)
    return rng


def run_manual(layer, x: np.ndarray, dy: np.ndarray) -> dict[str, np.ndarray]:
    """Forward output, dx and every parameter gradient, by name."""
    out = {"forward": layer.forward(x)}
    out["dx"] = layer.backward(dy)
    assert layer.grads.keys() == layer.params.keys()
    return {**out, **{f"grad of {k}": g for k, g in layer.grads.items()}}


def run_torch(mod: torch.nn.Module, x: np.ndarray, dy: np.ndarray) -> dict[str, np.ndarray]:
    x_t = torch.from_numpy(x.copy()).requires_grad_()
    y_t = mod(x_t)
    y_t.backward(torch.from_numpy(dy))
    out = {"forward": y_t.detach().numpy(), "dx": x_t.grad.numpy()}
    return {**out, **{f"grad of {k}": p.grad.numpy() for k, p in mod.named_parameters()}}


def magnitudes(make, x: np.ndarray, dy: np.ndarray, seed: int) -> dict[str, float]:
    """S per tensor: the layer in float64 on |x|, |params|, |dy| (sum|t_i| for the linear layers); for a
    norm's dx, invstd * (|dxhat| + mean|dxhat| + |xhat| mean|dxhat xhat|), its three terms' size."""
    layer = make(np.float64)
    randomise(layer, seed)
    x64, dy64 = x.astype(np.float64), dy.astype(np.float64)
    run_manual(layer, x64, dy64)
    c = layer.cache
    norm_dx = 0.0
    if "invstd" in c:
        w = layer.params.get("weight")
        dxhat = np.abs(dy64 if w is None else dy64 * w.reshape(c.get("view", w.shape)))
        xhat, axes = np.abs(c["xhat"]), c["axes"]
        mean = lambda a: a.mean(axes, keepdims=True)  # noqa: E731
        terms = c["invstd"] * (dxhat + mean(dxhat) + xhat * mean(dxhat * xhat))
        norm_dx = float(terms.max())
    for p in layer.params.values():
        np.abs(p, out=p)
    mags = {k: float(np.abs(v).max(initial=0.0)) for k, v in run_manual(layer, np.abs(x64), np.abs(dy64)).items()}
    mags["dx"] = max(mags["dx"], norm_dx)
    return mags


def check_parity(make, x_shape: tuple, dtype, seed: int = 0, *, x: np.ndarray | None = None) -> dict[str, float]:
    """make(dtype) -> a manual layer; its output, dx and grads equal its torch twin's. Returns the errors,
    relative to each tensor's scale: its max magnitude, or its terms' S when larger (cancellation)."""
    layer = make(dtype)
    rng = randomise(layer, seed)
    mod = torch_twin(layer)
    x = rng.standard_normal(x_shape).astype(dtype) if x is None else x.astype(dtype)
    dy = rng.standard_normal(make(dtype).forward(x).shape).astype(dtype)   # a spare layer: no mask drawn here
    ours, theirs = run_manual(layer, x, dy), run_torch(mod, x, dy)
    assert ours.keys() == theirs.keys(), (sorted(ours), sorted(theirs))
    mags = magnitudes(make, x, dy, seed)
    n = max(x.size, ours["forward"].size, *(p.size for p in layer.params.values())) + 1
    errors = {}
    for name, value in ours.items():
        assert value.dtype == np.dtype(dtype) and value.shape == theirs[name].shape, name
        scale = max(mags[name], float(np.abs(theirs[name]).max(initial=0.0)))
        diff = float(np.abs(value.astype(np.float64) - theirs[name]).max(initial=0.0))
        errors[name] = diff / scale if scale else diff
        if np.dtype(dtype) == np.float64:
            assert errors[name] <= RTOL64, f"{layer.describe()} {name}: rel error {errors[name]:.1e} > {RTOL64}"
        else:
            bound = 8 * np.sqrt(n) * U32 * scale
            assert diff <= bound, f"{layer.describe()} {name}: |diff| {diff:.2e} > bound {bound:.2e} (float32)"
    return errors


def check_finite_diff(layer, x_shape, seed=1):
    """dx and every parameter gradient equal central differences of sum(forward(x) * dy), float64."""
    rng = randomise(layer, seed)
    x = rng.standard_normal(x_shape)
    dy = rng.standard_normal(layer.forward(x).shape)

    def f():
        return float((layer.forward(x) * dy).sum())

    layer.forward(x)
    analytic = {"x": layer.backward(dy), **{k: g.copy() for k, g in layer.grads.items()}}
    for name, p in {"x": x, **layer.params}.items():
        numeric, _ = numerical_gradient(f, p)
        err = relative_error(analytic[name], numeric)
        assert err.max() < GOOD, f"{layer.describe()}: d/d{name} rel err {err.max():.1e}"
