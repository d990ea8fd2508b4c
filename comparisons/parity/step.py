"""One forward and one backward, layer by layer: manual Sequential vs its torch mirror.

Forward is compared from the input side (the first layer whose output differs is where the bug is);
backward from the output side (the first delta that differs, counting from the loss, is where it is).
"""
from __future__ import annotations

import numpy as np
import torch

import manual
from manual.errors import ParityInputError
from manual.validate import check_array
from torch_ref import check_same_architecture, mirror, mirror_loss, target_tensor, to_tensor
from torch_ref.tensors import Device, device_off_cpu, ieee_float32, to_array
from torch_ref.weights import to_manual_layout

from ..compare import TensorDiff, compare_arrays
from ..report import Finding, ParityReport
from ..tolerances import tolerance_for
from .rounding import allowance, step_bounds


def torch_forward_backward(model: torch.nn.Sequential, loss_fn, X: np.ndarray, y: np.ndarray) -> dict:
    """Run the torch model module by module, keeping every intermediate and its gradient. The model may be on
    another device than the CPU (X and y go there, every result comes back to the CPU; float32 on CUDA in IEEE
    float32, TF32 off: torch_ref.ieee_float32)."""
    model.zero_grad(set_to_none=True)
    device = device_off_cpu(model)
    x = to_tensor(X, device).clone().requires_grad_(True)
    outs, h = [], x
    with ieee_float32(device):
        for mod in model.children():
            h = mod(h)
            h.retain_grad()
            outs.append(h)
        loss = loss_fn(h, target_tensor(y, device=device))
        loss.backward()
    return {
        "outputs": [to_array(o) for o in outs],
        "deltas": [to_array(o.grad) for o in outs],
        "loss": loss.item(),
        "input_grad": to_array(x.grad),
        "grads": {n: to_manual_layout(n, to_array(p.grad), model) for n, p in model.named_parameters()},
    }


def check_data(net: manual.Sequential, X: np.ndarray, y: np.ndarray) -> None:
    """Named errors for data that cannot be compared: wrong dtype, shape, NaN/Inf."""
    check_array("X", X, dtype=net.dtype, shape=net.input_shape)
    if isinstance(y, np.ndarray) and y.dtype.kind in "iu":   # class indices, for CrossEntropyLoss / NLLLoss
        check_array("y (class indices)", y, shape=(X.shape[0],))
    else:
        check_array("y", y, dtype=net.dtype, shape=(X.shape[0], net.sizes[-1]))
    check_array("initial weights", np.concatenate([p.ravel() for p in net.params.values()]))


def compare_step(net: manual.Sequential, loss, X: np.ndarray, y: np.ndarray, *,
                 model: torch.nn.Sequential | None = None, rtol: float | None = None,
                 device: Device = None) -> ParityReport:
    """Forward (every layer), loss, backward (every delta, every parameter grad, dL/dx) in one report.

    The torch twin is `model` if given (its weights must equal net's; on any one device), else
    mirror(net, device) (the CPU if no device is given).
    """
    check_data(net, X, y)
    rtol = tolerance_for(net.dtype).step if rtol is None else rtol
    if model is not None and device is not None:
        raise ParityInputError("give either model= (on its own device) or device= (for the mirror built here), "
                               "not both")
    model = mirror(net, device) if model is None else model
    check_same_architecture(net, model)
    ref = torch_forward_backward(model, mirror_loss(loss), X, y)
    report = ParityReport(f"parity of {net.describe()} with {loss.describe()}, {net.dtype}")

    out = net.forward(X)
    value = loss.forward(out, y)
    dx = net.backward(loss.backward())
    labels = [net.layer_label(i) for i in range(len(net.layers))]

    fwd = [report.add(compare_arrays(o, t, name=f"output {i}", kind="layer output", rtol=rtol, layer=lab))
           for i, (o, t, lab) in enumerate(zip(net.outputs, ref["outputs"], labels))]
    report.add(compare_arrays(value, ref["loss"], name="loss", kind="loss", rtol=rtol))
    bwd = [report.add(compare_arrays(d, t, name=f"delta {i}", kind="delta", rtol=rtol, layer=lab))
           for i, (d, t, lab) in reversed(list(enumerate(zip(net.deltas, ref["deltas"], labels))))]
    bwd.append(report.add(compare_arrays(dx, ref["input_grad"], name="dL/dx", kind="input grad", rtol=rtol)))
    bounds = None     # each gradient's first-order rounding bound, computed once if some gradient needs it
    for name, g in net.grads.items():
        layer = labels[int(name.split(".")[0])]
        d = compare_arrays(g, ref["grads"][name], name=name, kind="grad", rtol=rtol, layer=layer)
        if not d.passed and d.problem is None:
            bounds = bounds or step_bounds(net, net.get_params(), loss, X, y).grads
            d = within_rounding(d, g, ref["grads"][name], bounds[name], rtol) or d
        report.add(d)
    report.findings = locate(fwd, bwd, report.diffs, labels)
    return report


def within_rounding(d: TensorDiff, mine: np.ndarray, theirs: np.ndarray, bound: np.ndarray,
                    rtol: float) -> TensorDiff | None:
    """The same comparison, judged against max(rtol * scale, 2 x the rounding bound) element by element, or
    None if it still fails. A gradient that is exactly zero in exact arithmetic (the bias of a Linear feeding
    BatchNorm1d, whose backward removes the batch mean) is rounding noise on both sides: relative to its own
    magnitude it differs by ~100%, yet both sides are within rounding of the exact 0."""
    floor = np.maximum(rtol * float(np.abs(theirs).max(initial=0.0)), allowance(bound))
    again = compare_arrays(mine, theirs, name=d.name, kind=d.kind, rtol=d.rtol, layer=d.layer, allowance=floor)
    return again if again.passed else None


def locate(forward: list[TensorDiff], backward: list[TensorDiff], every: list[TensorDiff],
           labels: list[str]) -> list[Finding]:
    """Findings that point at the culprit.

    Forward: the first layer (from the input) whose output differs. Backward, given `backward` ordered
    from the loss (dL/d(output of layer n-1), ..., dL/d(output of layer 0), dL/dx): the first that
    differs was produced by the layer just after it (or by the loss, for the network's output). Then
    every failing parameter gradient; failures downstream of the first are consequences.
    """
    first_fwd = next((d for d in forward if not d.passed), None)
    if first_fwd is not None:
        later = sum(not d.passed for d in every) - 1
        return [Finding(first_fwd, note=f"first layer whose forward output differs; {later} later tensor(s) "
                                         "fail as a consequence")]
    findings = []
    k = next((k for k, d in enumerate(backward) if not d.passed), None)
    if k is not None:
        if k == 0:
            culprit = "the loss's gradient dL/d(prediction)"
        else:
            culprit = f"the backward of {labels[len(labels) - k]}: its dL/d(output) matches, its dL/d(input) does not"
        findings.append(Finding(backward[k], note=f"forward matches; first gradient that differs, counting from "
                                                  f"the loss, so the likely culprit is {culprit}"))
    findings += [Finding(d) for d in every if d.kind in ("grad", "loss") and not d.passed]
    return findings
