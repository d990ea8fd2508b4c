"""Layer checks, one function per property, check_<property>(name, fn, case) -> CheckResult, cheapest first:
the functions run, return the documented structure and shapes, finite values, the forward output and every
gradient equal torch's, the inputs are left alone; batch norm's running statistics and dropout's keep rate
are checked where the layer has them. Findings and results are the grad_fn checks' own (results.py)."""
from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from ..compare import compare_arrays
from ..report import Diagnosis
from .case import Skip
from .checks import call_finding, check, failed, grouped, probes_of
from .calls import LearnerSetupError
from .events import LearnerEvent
from .labels import BAD_STRUCTURE, MUTATES_INPUT, NON_FINITE, RAISED, UNKNOWN, produces
from .layer_check_case import LayerCase
from .layer_check_diagnose import Seen, shape_diagnosis, value_diagnosis
from .results import CheckResult, LearnerFinding

produces(__name__, BAD_STRUCTURE, MUTATES_INPUT, NON_FINITE, RAISED, UNKNOWN)


def _what(case: LayerCase, stage: str) -> str:
    return case.names[0] if stage == "forward" else case.names[1]


def _finite(a: np.ndarray) -> bool:
    return a.dtype.kind != "f" or bool(np.isfinite(a).all())


def _shapes(case: LayerCase, i: int, call) -> list[tuple[str, tuple, tuple]]:
    """(output, yours, wanted) for every returned array whose shape is wrong."""
    out = []
    if call.stage == "forward" and not case.op.is_loss and call.out.shape != case.answer(i).out.shape:
        out.append(("out", call.out.shape, case.answer(i).out.shape))
    for name, a in (call.grads or {}).items():
        if a.shape != case.probes[i].arrays[name].shape:
            out.append((name, a.shape, case.probes[i].arrays[name].shape))
    return out


def _returned(call) -> list[np.ndarray]:
    return ([call.out] if call.out is not None else []) + list((call.grads or {}).values())


def _index(case: LayerCase, call) -> int:
    return case.probes.index(call.probe)


def usable(case: LayerCase, stage: str) -> list:
    """Calls of a stage that returned the right structure and shapes, all finite."""
    calls = case.forward_calls if stage == "forward" else list(case.backward_calls.values())
    return [c for c in calls if c.ok and not _shapes(case, _index(case, c), c) and all(map(_finite, _returned(c)))]


@check
def check_layer_runs(name, fn, case: LayerCase) -> CheckResult:
    """forward runs on every probe, and backward on every probe's cache, without raising."""
    calls = case.all_calls()
    ran = [c for c in calls if c.error is None]
    findings = []
    for group in grouped(calls, lambda c: (c.stage, type(c.error).__name__, c.where) if c.error else None).values():
        c, what = group[0], _what(case, group[0].stage)
        if isinstance(c.error, LearnerEvent):
            diag, headline = Diagnosis(c.error.label, c.error.hint), f"{what} {c.error.headline}"
        elif isinstance(c.error, LearnerSetupError):
            diag, headline = Diagnosis(BAD_STRUCTURE, str(c.error)), "the adapter cannot drive the learner's object"
        else:
            only = f" on {', '.join(probes_of(group))} only" if any(r.stage == c.stage for r in ran) else ""
            diag, headline = Diagnosis(RAISED, f"your code raised {type(c.error).__name__}{only}"), f"{what} raised"
        findings.append(call_finding(case, diag, f"{type(c.error).__name__}: {c.error}", headline, wrong=group,
                                     right=[r for r in ran if r.stage == c.stage], at=c.where))
    return failed(findings, f"ran on {len(case.forward_calls)} probes" if not findings else "raised")


@check
def check_layer_structure(name, fn, case: LayerCase) -> CheckResult:
    """forward returns (out, cache) (a loss: (loss, dx)); backward returns its gradients in documented order."""
    calls = [c for c in case.all_calls() if c.error is None]
    if not calls:
        raise Skip("the learner raised on every probe")
    right = [c for c in calls if c.problem is None]
    findings = [call_finding(case, Diagnosis(BAD_STRUCTURE, g[0].problem), g[0].problem,
                             f"{_what(case, g[0].stage)} returned the wrong structure", wrong=g, right=right)
                for g in grouped(calls, lambda c: c.problem).values()]
    return failed(findings, "structure as documented")


@check
def check_layer_shapes(name, fn, case: LayerCase) -> CheckResult:
    """out has torch's shape and every gradient its input's shape (dx as x, not x.reshape(N, D))."""
    calls = [c for c in case.all_calls() if c.ok]
    if not calls:
        raise Skip("no call returned a readable result")
    found: dict = {}
    for c in calls:
        for output, got, want in _shapes(case, _index(case, c), c):
            diag = shape_diagnosis(case.op, c.probe, output, got, want)
            found.setdefault((output, diag.label), []).append((c, diag))
    for (output, label), items in list(found.items()):   # N = 1 cannot tell (1, M) with keepdims from unsummed:
        other = next((key for key in found if key[0] == output and key[1] != label), None)   # other probes decide
        if other and all(c.probe.N == 1 for c, _ in items):
            found[other] += [(c, found[other][0][1]) for c, _ in found.pop((output, label))]
    findings = []
    for (output, _), items in found.items():
        wrong = [c for c, _ in items]
        diag = next((d for c, d in items if c.probe.N > 1), items[0][1])   # N = 1 tells least
        what = "output" if output == "out" else f"d{output}"
        findings.append(call_finding(case, diag, diag.summary, f"{_what(case, items[0][0].stage)} returned the wrong "
                                     f"shape of {what}", wrong=wrong,
                                     right=[c for c in calls if c not in wrong and c.stage == wrong[0].stage],
                                     name=what))
    return failed(findings, "shapes as documented")


@check
def check_layer_finite(name, fn, case: LayerCase) -> CheckResult:
    """No NaN or Inf where torch's values are finite (logits near 800 included)."""
    calls = [c for c in case.all_calls() if c.ok and not _shapes(case, _index(case, c), c)]
    if not calls:
        raise Skip("no call returned arrays of the right shapes")
    bad = [c for c in calls if not all(map(_finite, _returned(c)))]
    if not bad:
        return failed([], "all values finite")
    large = any(c.probe.extra.get("large") for c in bad)
    hint = ("exp overflows on logits near 800: subtract each row's max before exp (softmax is unchanged by it)"
            if large else "look for log(0), 0/0, exp overflow")
    diag = Diagnosis(NON_FINITE, f"NaN or Inf returned on finite input (torch's values are finite): {hint}")
    c = bad[0]
    names = [n for n, a in zip(["out"] + [f"d{k}" for k in (c.grads or {})], _returned(c)) if not _finite(a)]
    return failed([call_finding(case, diag, f"non-finite {', '.join(names)} on {c.probe.name}",
                                f"{_what(case, c.stage)} returned non-finite values", wrong=bad,
                                right=[r for r in calls if r not in bad])], "non-finite values")


def _expected_dx(case: LayerCase, i: int, yours: np.ndarray, torch: np.ndarray) -> tuple[np.ndarray, str]:
    """torch's dx, except where x == 0 exactly on a ReLU probe: there dout (the mask x >= 0) is as good a
    subgradient as torch's 0, and is accepted with a note."""
    kinks = case.probes[i].kinks
    if kinks is None:
        return torch, ""
    dout = case.dout(i)
    took = kinks & np.isclose(yours, dout, rtol=case.rtol, atol=0) & (dout != 0)
    if not took.any():
        return torch, ""
    expected = torch.copy()
    expected[took] = dout[took]
    return expected, (f"where x == 0 exactly ({int(took.sum())} element(s)) your dx passes dout on: a mask x >= 0; "
                      "torch's ReLU gives 0 there; both are subgradients, accepted")


def _judge(case: LayerCase, output: str, calls: list, get: Callable, kind: str, yours_text: str):
    """(diffs, finding or None, note) for one output over the calls that returned it."""
    diffs, seen, notes = [], [], set()
    for c in calls:
        i = _index(case, c)
        yours, torch = get(c, i)
        if output == "x" and kind == "grad":
            torch, note = _expected_dx(case, i, yours, torch)
            notes.add(note)
        diff_name, layer = (output, None) if kind != "layer output" else (output, _what(case, "forward"))
        diffs.append(compare_arrays(yours, torch, name=diff_name, kind=kind, rtol=case.rtol, layer=layer))
        seen.append(Seen(c.probe, np.asarray(yours, np.float64), torch, case.context(i)))
    note = " ".join(n for n in notes if n)
    if all(d.passed for d in diffs):
        return diffs, None, note
    key = "loss" if kind == "loss" else ("out" if kind == "layer output" else f"d{output}")
    diag = value_diagnosis(case.op, key, seen, case.rtol) or Diagnosis(
        UNKNOWN, f"no known mistake of {case.op.name} reproduces {key}: compare the figures")
    worst = max(range(len(diffs)), key=lambda k: diffs[k].rel)
    finding = LearnerFinding(diffs[worst], diag, wrong_on=tuple(c.probe.name for c, d in zip(calls, diffs)
                                                                if not d.passed),
                             right_on=tuple(c.probe.name for c, d in zip(calls, diffs) if d.passed),
                             probe=calls[worst].probe.name, yours=yours_text)
    return diffs, finding, note


def _result(judged: list, what: str, count: int) -> CheckResult:
    diffs = [d for ds, _, _ in judged for d in ds]
    findings = [f for _, f, _ in judged if f is not None]
    notes = " ".join(n for _, _, n in judged if n)
    if not diffs:
        raise Skip("no call returned usable values")
    msg = (f"{what} match torch on {count} probe(s) (max rel {max(d.rel for d in diffs):.1e})" if not findings
           else f"{len(findings)} output(s) differ from torch")
    result = failed(findings, msg)
    result.diffs, result.note = diffs, notes
    return result


def _grad_judges(case: LayerCase, calls: list, what: str) -> list:
    many = len(case.op.grads) > 1 and not case.op.is_loss
    return [_judge(case, name, calls, lambda c, i, name=name: (c.grads[name], case.answer(i).grads[name]), "grad",
                   f"{grad} = {what}(...)[{k}]" if many else f"{grad} from {what}(...)")
            for k, (name, grad) in enumerate(zip(case.op.wrt, case.op.grads))]


@check
def check_forward_matches_torch(name, fn, case: LayerCase) -> CheckResult:
    """forward's output (a loss: its value and dx) equals torch's on every probe, within the learner rtol."""
    calls = usable(case, "forward")
    what = _what(case, "forward")
    kind = "loss" if case.op.is_loss else "layer output"
    judged = [_judge(case, "loss" if case.op.is_loss else "out", calls, lambda c, i: (c.out, case.answer(i).out), kind,
                     f"{'loss' if case.op.is_loss else 'out'} = {what}(...)[0]")]
    if case.op.is_loss:
        judged += _grad_judges(case, calls, what)
    return _result(judged, "loss and gradient" if case.op.is_loss else "outputs", len(calls))


@check
def check_backward_matches_torch(name, fn, case: LayerCase) -> CheckResult:
    """Every gradient backward returns equals torch autograd's for the same dout, on every probe."""
    if case.op.is_loss:
        raise Skip("a loss returns its gradient with its value: judged by check_forward_matches_torch")
    calls = usable(case, "backward")
    return _result(_grad_judges(case, calls, _what(case, "backward")), "gradients", len(calls))


@check
def check_layer_no_input_mutation(name, fn, case: LayerCase) -> CheckResult:
    """x, the parameters and dout are left as passed (the config dict's running statistics may change)."""
    calls = case.all_calls()
    changed: dict = {}
    for c in calls:
        for n in c.mutated:
            changed.setdefault(n, []).append(c)
    findings = []
    for n, group in changed.items():
        diag = Diagnosis(MUTATES_INPUT, f"{_what(case, group[0].stage)} changes {n} in place",
                         "work on copies (x = x.copy()) or avoid -=, *=, x[mask] = 0 on the arrays you are given")
        findings.append(call_finding(case, diag, f"{n} changed by the call", f"{n} modified in place", wrong=group,
                                     right=[c for c in calls if c not in group and c.stage == group[0].stage]))
    return failed(findings, "inputs left unchanged")


def _yield_layer_checks(case: LayerCase) -> Iterator[Callable]:
    """What applies to this layer, cheapest and most basic first."""
    from .layer_check_extras import EXTRA_CHECKS

    yield from (check_layer_runs, check_layer_structure, check_layer_shapes, check_layer_finite,
                check_forward_matches_torch)
    if not case.op.is_loss:
        yield check_backward_matches_torch
    yield from EXTRA_CHECKS.get(case.op.name, ()) if case.extras else ()
    yield from case.more_checks
    yield check_layer_no_input_mutation


def layer_checks(case: LayerCase) -> list[Callable]:
    return list(_yield_layer_checks(case))

