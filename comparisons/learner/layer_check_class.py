"""A learner's layer object (the Layer-list style: forward(x) -> out, backward(dout) -> dx, parameters and
gradients kept as attributes) checked as the layer functions are:

    report = check_layer_class(Dense(8, 5), layer="affine")                       # W/b, dW/db guessed
    report = check_layer_class(Dense(8, 5), layer="affine", names={"w": "kernel", "dw": "kernel_grad"})

Before each forward the probe's parameters are written into the object's attributes; after backward the
gradients are read from attributes (dW, grad_W, W_grad, ...) or from a dict attribute (grads["W"]). An
affine weight may be kept as (in, out), used as x @ W, or as torch's (out, in), used as x @ W.T: the first
probe tells which (layout="auto"), or say layout="row" / "column".
"""
from __future__ import annotations

import inspect

import numpy as np

from ..compare import compare_arrays
from ..report import Diagnosis
from .case import Skip
from .checks import check, failed
from .class_adapter import LearnerSetupError, _build
from .labels import GRAD_ACCUMULATION, UNKNOWN, produces
from .layer_check_bugs import SELF_STEP_LR   # backward(dout, lr) stepping its own weights: dW = (W - W_new) / lr
from .layer_check_calls import call_backward, call_forward
from .layer_check_case import LayerCase
from .layer_check import make_layer_case, run_layer_checks
from .layer_check_ops import LayerOp, layer_op
from .results import CheckResult, LearnerFinding, LearnerReport
from .spec import LearnerSpecError

produces(__name__, GRAD_ACCUMULATION, UNKNOWN)

PARAM_NAMES = {"w": ("W", "w", "weight", "weights", "kernel"), "b": ("b", "bias", "biases"),
               "gamma": ("gamma", "weight", "scale"), "beta": ("beta", "bias", "shift")}
GRAD_FORMS = ("d{}", "grad_{}", "{}_grad", "d_{}", "grad{}")
GRAD_DICTS = ("grads", "gradients", "grad")
CLASS_LAYERS = ("affine", "relu", "batchnorm")   # layers whose settings the probes do not vary


def _attr(obj, name: str, names: dict) -> str:
    if name in names:
        return names[name]
    found = next((a for a in PARAM_NAMES.get(name, (name,)) if hasattr(obj, a)), None)
    if found is None:
        raise LearnerSetupError(f"{type(obj).__name__} has none of the attributes {list(PARAM_NAMES[name])} for "
                                f"{name}; name it: names={{{name!r}: 'your_attribute'}}")
    return found


def _grad(obj, attr: str, key: str, names: dict) -> np.ndarray:
    if key in names:
        return getattr(obj, names[key])
    for form in GRAD_FORMS:
        for a in (form.format(attr), form.format(attr.lower()), form.format(attr.upper())):
            if hasattr(obj, a):
                return getattr(obj, a)
    for d in GRAD_DICTS:
        if isinstance(getattr(obj, d, None), dict) and attr in getattr(obj, d):
            return getattr(obj, d)[attr]
    attrs = sorted(k for k in vars(obj) if not k.startswith("_")) if hasattr(obj, "__dict__") else []
    raise LearnerSetupError(f"after backward, {type(obj).__name__} has no gradient for {attr} (looked for "
                            f"{', '.join(f.format(attr) for f in GRAD_FORMS)} and grads[{attr!r}]); its attributes: "
                            f"{', '.join(attrs)}; name it: names={{{key!r}: 'your_attribute'}}")


OUTPUT_ATTRS = ("output", "out")                                   # forward returned None (nnfs: self.output)
DX_ATTRS = ("dinputs", "dinput", "dx", "grad_input", "input_gradient")   # backward returned None (nnfs: self.dinputs)


def _from_attrs(obj, returned, attrs: tuple[str, ...]):
    """What a method returned, or, where it returned None, the first of `attrs` the object holds."""
    if returned is not None:
        return returned
    return next((getattr(obj, a) for a in attrs if getattr(obj, a, None) is not None), None)


def _steps_itself(method) -> bool:
    """backward(grad, learning_rate): a second required argument, the object's own update (TheIndependentCode)."""
    try:
        required = [p for p in inspect.signature(method).parameters.values()
                    if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return False
    return len(required) >= 2


def layer_fns_from_class(layer, op: LayerOp, *, names: dict | None = None, layout: str = "auto"):
    """(forward, backward) functions driving the object as op's CS231n functions would be called. The object
    gets copies of the probe's parameters (it owns them: updating them is its business), a bias kept as
    (1, M) stays so, an affine x of more than two axes is flattened to (N, D) if the object takes 2-D only
    (dx is then reshaped back), and results left in attributes (self.output, self.dinputs) are read there."""
    obj = _build(layer, [])[0]
    names = dict(names or {})
    params = [a for a in op.args[1:] if a != "y"]
    state = {"layout": layout, "flat": False, "shape": None}
    row_biases: set[str] = set()   # parameters the object keeps as (1, M), read on the first forward

    def set_params(values, flip: bool):
        if state.get("rows") is None:
            state["rows"] = True
            row_biases.update(n for n in params if n != "w" and np.ndim(g := getattr(obj, _attr(obj, n, names))) == 2
                              and np.shape(g)[0] == 1)
        for name, value in zip(params, values):
            value = value.T if flip and name == "w" else value
            setattr(obj, _attr(obj, name, names), value.reshape(1, -1).copy() if name in row_biases else value.copy())

    def run(x, values):
        if state["layout"] in ("auto", "row"):
            set_params(values, False)
            try:
                out = _from_attrs(obj, obj.forward(x), OUTPUT_ATTRS)
                if state["layout"] == "row" or op.name != "affine" or np.shape(out) == (len(x), values[0].shape[1]):
                    state["layout"] = "row"
                    return out
            except Exception:
                if state["layout"] == "row" or op.name != "affine":
                    raise
        set_params(values, True)
        out = _from_attrs(obj, obj.forward(x), OUTPUT_ATTRS)
        state["layout"] = "column"
        return out

    def forward(x, *values):
        values, state["shape"] = values[:len(params)], x.shape
        if op.name == "affine" and x.ndim > 2 and not state["flat"]:
            before = state["layout"]
            try:
                return run(x, values), obj
            except Exception:   # a 2-D-only layer: give it x.reshape(N, D)
                state["layout"], state["flat"] = before, True
        try:
            return run(x.reshape(len(x), -1) if state["flat"] and x.ndim > 2 else x, values), obj
        except ValueError as exc:
            if state["layout"] != "auto" or op.name != "affine":
                raise
            raise LearnerSetupError(f"{type(obj).__name__}.forward raised on rows x (N, D) with W as (in, out) and as "
                                    f"(out, in) ({exc}): check_layer_class drives a layer with one sample per row; "
                                    "column-vector inputs (x of shape (D, N), out = W @ x + b) are not supported: "
                                    "wrap it, forward(x) = layer.forward(x.T).T, backward(d) = "
                                    "layer.backward(d.T).T") from exc

    def backward(dout, handle):
        own = {n: np.array(getattr(obj, _attr(obj, n, names)), copy=True) for n in params}
        if _steps_itself(obj.backward):
            dx = _from_attrs(obj, obj.backward(dout, SELF_STEP_LR), DX_ATTRS)
        else:
            dx = _from_attrs(obj, obj.backward(dout), DX_ATTRS)
        grads = []
        for name in params:
            try:
                g = np.array(_grad(obj, _attr(obj, name, names), f"d{name}", names), copy=True)
            except LearnerSetupError:
                if not _steps_itself(obj.backward):
                    raise
                g = (own[name] - getattr(obj, _attr(obj, name, names))) / SELF_STEP_LR   # its own step
            g = g.reshape(-1) if name in row_biases and np.ndim(g) == 2 and np.shape(g)[0] == 1 else g
            grads.append(g.T if state["layout"] == "column" and name == "w" and g.ndim == 2 else g)
        if state["flat"] and dx is not None and np.size(dx) == int(np.prod(state["shape"])):
            dx = np.reshape(dx, state["shape"])
        return (dx, *grads) if params else dx

    label = getattr(layer, "__name__", type(layer).__name__)
    forward.__name__, backward.__name__ = f"{label}.forward", f"{label}.backward"
    return forward, backward


def _forward_backward(case: LayerCase):
    f = call_forward(case.forward, case.probes[0], is_loss=False, grads=case.op.grads, what=case.names[0])
    return call_backward(case.backward, f, case.dout(0), grads=case.op.grads, what=case.names[1]) if f.ok else f


@check
def check_layer_repeated_calls(name, fn, case: LayerCase) -> CheckResult:
    """forward and backward twice more on the first probe give the same gradients: nothing accumulates in the
    object between calls (self.dW += ... without a reset)."""
    if case.backward_calls.get(0) is None or case.stopped is not None:
        raise Skip("the first probe's backward was not called")
    first, again = (_forward_backward(case) for _ in range(2))
    if not (first.ok and again.ok):
        raise Skip("the repeated calls did not return usable values")
    findings, torch = [], case.answer(0).grads
    for k, grad in zip(case.op.wrt, case.op.grads):
        same = compare_arrays(again.grads[k], first.grads[k], name=k, kind="grad", rtol=case.rtol)
        if same.passed or np.shape(again.grads[k]) != np.shape(torch[k]):
            continue
        diff = compare_arrays(again.grads[k], torch[k], name=k, kind="grad", rtol=case.rtol)
        summed = compare_arrays(again.grads[k], first.grads[k] + torch[k], name=k, kind="grad", rtol=case.rtol)
        diag = (Diagnosis(GRAD_ACCUMULATION, f"{grad} accumulates across calls: the second call returned the first "
                                               f"call's {grad} + torch's (reset it in backward, or assign, not +=)",
                          f"residual rel {summed.rel:.1e}") if summed.passed else
                Diagnosis(UNKNOWN, f"the second call's {grad} differs from the first's: state is carried between "
                                   "calls"))
        findings.append(LearnerFinding(diff, diag, probe=case.probes[0].name, yours=f"{grad} on the repeated call",
                                       wrong_on=(case.probes[0].name,)))
    return failed(findings, "two more calls give the same gradients" if not findings else "repeated calls disagree")


def check_layer_class(layer, *, layer_kind: str, names: dict | None = None, layout: str = "auto",
                      dtype=np.float64, seed: int = 0, on_fail: str = "report", waivers: dict | None = None,
                      callback=None) -> LearnerReport:
    """Check a layer object (an instance, a class built with no arguments, or a factory) as the layer
    `layer_kind` ('affine', 'relu', or 'batchnorm' in training mode with eps 1e-5).
    names: {'w': attribute, 'b': ..., 'dw': gradient attribute, ...} where they cannot be guessed."""
    op = layer_op(layer_kind)
    if op.name not in CLASS_LAYERS:
        raise LearnerSpecError(f"a layer object can be checked as {', '.join(CLASS_LAYERS)}; check a {op.name!r} "
                               f"with its functions (check_layer_fn): {op.contract()}")
    if layout not in ("auto", "row", "column"):
        raise LearnerSpecError(f"layout must be 'auto', 'row' or 'column', got {layout!r}")
    forward, backward = layer_fns_from_class(layer, op, names=names, layout=layout)
    label = getattr(layer, "__name__", type(layer).__name__)
    case = make_layer_case(forward, backward, op, dtype=dtype, seed=seed, name=label,
                           rerun=f"check_layer_class({label}, layer_kind={op.name!r}, seed={seed})",
                           names=(forward.__name__, backward.__name__))
    if op.config:      # an object keeps its own settings and statistics: train-mode probes, no bn_param to read
        case.probes = [p for p in case.probes if p.config.get("mode") == "train"]
        case.extras = False
    case.more_checks = (check_layer_repeated_calls,)
    return run_layer_checks(case, on_fail=on_fail, waivers=waivers, callback=callback,
                            title=f"check_layer_class({label}, layer_kind={op.name!r})")
