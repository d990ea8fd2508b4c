"""The parity check of one NetCase against its torch mirror, with the project's own comparison functions.

float64: compare_step (every layer's output, the loss, every delta, every gradient and dL/dx, rtol 1e-10 of
each tensor's scale) and then compare_trajectory over `case.steps` optimizer steps (loss and every parameter,
rtol 1e-8 of each tensor's largest magnitude so far).
float32: compare_trajectory judged by the shadow check (each step's loss, every gradient, every updated parameter
and optimizer state within the derived rounding bound, from the NumPy run's own weights); no fixed ratio.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from net_cases import NetCase

import manual
from comparisons.parity.shadow import ShadowCheck
from comparisons.parity.step import compare_step
from comparisons.parity.trainers import ManualTrainer, TorchTrainer
from comparisons.parity.trajectory import compare_trajectory
from comparisons.tolerances import tolerance_for
from torch_ref import mirror, mirror_loss, mirror_optimizer


def _fail(what: str, case: NetCase, net: manual.Sequential, report) -> None:
    __tracebackhide__ = True
    raise AssertionError(f"{what} of {net.describe()} differs from torch\n  case  {case}\n{report}\n"
                         f"  rerun check_case({case!r})")


def _mirror(case: NetCase, net: manual.Sequential, patch: Callable | None):
    """torch's twin of `net` before its first step; of the unpatched network where a layer was patched."""
    return mirror(case.build_net() if patch else net)


def check_case(case: NetCase, patch: Callable | None = None) -> None:
    """Raise AssertionError, naming the network and the case, where manual and its mirror disagree. `patch`
    (a function of a built layer) lets a test swap a layer for a buggy subclass: torch mirrors the unpatched
    network, which starts from the same weights."""
    __tracebackhide__ = True
    dtype = np.dtype(case.dtype)
    net = case.build_net(patch)
    batches = case.data(net.sizes[-1])
    if dtype == np.float64:
        report = compare_step(net, manual.make_loss(case.loss), *batches[0], model=_mirror(case, net, patch))
        if not report.passed:
            _fail("one step", case, net, report)
        net = case.build_net(patch)          # afresh: dropout masks and running statistics start over
    loss, opt = manual.make_loss(case.loss), case.build_optimizer()
    model = _mirror(case, net, patch)
    reference = TorchTrainer(model, mirror_loss(loss), mirror_optimizer(opt, model))
    shadow = None if dtype == np.float64 else ShadowCheck(case.build_net() if patch else net, loss, opt,
                                                         layer_of=net.param_layer)
    report = compare_trajectory(ManualTrainer(net, loss, opt), reference, lambda k: batches[k], steps=case.steps,
                                rtol=tolerance_for(dtype).trajectory, shadow=shadow, layer_of=net.param_layer,
                                title=f"{case.steps} steps of {net.describe()}")
    if not report.passed:
        _fail(f"{case.steps}-step trajectory", case, net, report)
