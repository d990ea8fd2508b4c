"""A classifier whose parameters live in a dict (CS231n's TwoLayerNet: model.params["W1"], model.loss(X, y)
-> (loss, grads) with grads keyed as params), checked against torch autograd on the same values:

    report = check_dict_net(TwoLayerNet(input_dim=4, hidden_dim=6, num_classes=3))        # W1, b1, W2, b2
    report = check_dict_net(loss_fn, sizes=[4, 6, 3], names={"w_in": "0.weight", "b_in": "0.bias",
                                                              "w_out": "2.weight", "b_out": "2.bias"})

The network is affine - relu - ... - affine, then softmax cross-entropy, mean over N, as torch's
Sequential(Linear, ReLU, ..., Linear) with CrossEntropyLoss; W as (in, out) (CS231n's layout), used as
X @ W + b; plus 0.5 * reg * sum(W ** 2) over the weights when reg is given (CS231n's convention). names maps
the learner's keys to torch's state_dict names (n.weight, n.bias, n counting Sequential's modules); without
it the keys W1, b1, W2, b2, ... are found in order. A function loss(params, X, y) works as a model does.
"""
from __future__ import annotations

import re

import numpy as np
import torch.nn.functional as F

from .class_adapter import LearnerSetupError
from .layer_check import make_layer_case, run_layer_checks
from .layer_check_ops import LayerOp
from .layer_check_probes import LayerProbe
from .results import LearnerReport
from .spec import LearnerSpecError


def _order(keys, names: dict | None) -> list[tuple[str, str]]:
    """[(weight key, bias key), ...] in network order."""
    if names:
        parsed = {}
        for key, torch_name in names.items():
            m = re.fullmatch(r"(\d+)\.(weight|bias)", str(torch_name))
            if not m:
                raise LearnerSpecError(f"names[{key!r}] = {torch_name!r}: expected a state_dict name such as "
                                       "'0.weight' or '2.bias'")
            parsed.setdefault(int(m[1]), {})[m[2]] = key
        if any(set(v) != {"weight", "bias"} for v in parsed.values()):
            raise LearnerSpecError(f"names must give each layer's weight and bias; got {names}")
        return [(parsed[i]["weight"], parsed[i]["bias"]) for i in sorted(parsed)]
    ws = sorted((int(m[1]), k) for k in keys if (m := re.fullmatch(r"[Ww](\d+)", k)))
    pairs = [(w, next((b for b in keys if b.lower() == f"b{i}"), None)) for i, w in ws]
    if not pairs or any(b is None for _, b in pairs):
        raise LearnerSpecError(f"cannot find W1, b1, W2, b2, ... among the keys {sorted(keys)}: map them with "
                               "names={'your_key': '0.weight', ...}")
    return pairs


def _twin(pairs: list[tuple[str, str]], reg: float):
    def net(t: dict, cfg, seen):
        h = t["X"]
        for k, (w, b) in enumerate(pairs):
            h = h @ t[w] + t[b]
            h = F.relu(h) if k < len(pairs) - 1 else h
        return F.cross_entropy(h, t["y"]) + 0.5 * reg * sum((t[w] ** 2).sum() for w, _ in pairs)
    return net


def _prober(pairs, sizes: list[int]):
    def make(rng: np.random.Generator, dtype) -> list[LayerProbe]:
        out = []
        for n in (5, 1, 3):
            arrays = {"X": rng.standard_normal((n, sizes[0])), "y": rng.integers(0, sizes[-1], n)}
            for (w, b), fan_in, fan_out in zip(pairs, sizes, sizes[1:]):
                arrays[w] = rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)
                arrays[b] = 0.1 * rng.standard_normal(fan_out)
            arrays = {k: v.astype(dtype) if v.dtype.kind == "f" else v for k, v in arrays.items()}
            out.append(LayerProbe(f"N={n}", arrays))
        return out
    return make


def _loss_fn(model, keys: list[str]):
    """forward(X, y, *params) -> (loss, (dW1, db1, ...)) for a model with .params and .loss, or a function."""
    def forward(X, y, *values):
        params = dict(zip(keys, values))
        if hasattr(model, "loss"):
            model.params = params
            loss, grads = model.loss(X, y)
        else:
            loss, grads = model(params, X, y)
        if not isinstance(grads, dict):
            raise LearnerSetupError(f"the gradients must come as a dict keyed as params; got {type(grads).__name__}")
        missing = [k for k in keys if k not in grads]
        if missing:
            raise LearnerSetupError(f"grads has no {', '.join(missing)} (its keys: {', '.join(map(str, grads))})")
        return loss, tuple(grads[k] for k in keys)
    forward.__name__ = f"{getattr(model, '__name__', type(model).__name__)}.loss"
    return forward


def check_dict_net(model, *, names: dict | None = None, sizes=None, reg: float = 0.0, dtype=np.float64,
                   seed: int = 0, on_fail: str = "report", waivers: dict | None = None, callback=None) -> LearnerReport:
    """Check model.loss(X, y) -> (loss, grads) (or loss(params, X, y)) against torch; see the module docstring.
    sizes: [D, H, ..., C], read from model.params' shapes when not given; a function without names= takes the
    keys W1, b1, ..., Wn, bn."""
    params = getattr(model, "params", None)
    if not callable(getattr(model, "loss", None)) and not callable(model):
        raise LearnerSpecError(f"expected a model with .loss(X, y) or a function loss(params, X, y), got {model!r}")
    if not names and not isinstance(params, dict):   # a function: no params to read keys from
        if sizes is None:
            raise LearnerSpecError("give sizes=[D, H, ..., C]: a function has no params dict to read sizes or keys "
                                   "from (its keys are then taken as W1, b1, ..., Wn, bn; other keys: "
                                   "names={'your_key': '0.weight', ...})")
        params = {f"{w}{i}": None for i in range(1, len(sizes)) for w in "Wb"}
    keys = list(names) if names else list(params or [])
    pairs = _order(keys, names)
    if sizes is None:
        if not isinstance(params, dict):
            raise LearnerSpecError("give sizes=[D, H, ..., C]: the model has no params dict to read them from")
        sizes = [np.shape(params[pairs[0][0]])[0]] + [np.shape(params[w])[-1] for w, _ in pairs]
    if len(sizes) != len(pairs) + 1:
        raise LearnerSpecError(f"sizes {list(sizes)} do not fit {len(pairs)} (W, b) pair(s)")
    ordered = [k for pair in pairs for k in pair]
    op = LayerOp("dict_net", "loss", None, ("X", "y", *ordered), tuple(f"d{k}" for k in ordered), None,
                 _twin(pairs, reg), _prober(pairs, list(sizes)))
    forward = _loss_fn(model, ordered)
    label = getattr(model, "__name__", type(model).__name__)
    case = make_layer_case(forward, None, op, dtype=dtype, seed=seed, name=label, names=(forward.__name__, ""),
                           rerun=f"check_dict_net({label}, sizes={list(sizes)}, reg={reg:g}, seed={seed})")
    network = (f"network   affine-relu-...-affine-softmax {list(sizes)}, mean over N, reg {reg:g}; "
               f"params {', '.join(f'{w}/{b}' for w, b in pairs)}")
    return run_layer_checks(case, on_fail=on_fail, waivers=waivers, callback=callback, title=f"check_dict_net({label})",
                            first_line=network)
