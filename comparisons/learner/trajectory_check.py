"""The learner's step_fn for a few SGD steps in a row against torch, each step from the learner's own
weights: the first step that differs, what is new at it, and whether training itself diverges."""
from __future__ import annotations

import numpy as np

from .checks import call_finding, check, failed, stopped, tensor_findings
from .diagnose import best_diagnosis, diagnose_tensors, explain_exception
from .hypotheses import tensor_error
from .labels import BAD_STRUCTURE, NON_FINITE, UNKNOWN, produces
from .case import Case
from .calls import canonical, shape_problems
from .results import CheckResult, LearnerFinding
from ..report import Diagnosis

produces(__name__, UNKNOWN, BAD_STRUCTURE, NON_FINITE)

RUNAWAY = 1e4  # parameters this many times larger than at the start: training itself diverges


def _runaway(arrays, start) -> bool:
    """Training diverged (lr too large): non-finite values, or grown RUNAWAY-fold. Rounding then differs
    wildly between any two implementations, so nothing is concluded from it."""
    size = max(float(np.abs(a).max()) for pair in start for a in pair)
    return any(not np.isfinite(a).all() or float(np.abs(a).max()) > RUNAWAY * max(size, 1.0) for a in arrays)


@check
def check_trajectory_matches_torch(name, fn, case: Case) -> CheckResult:
    """`steps` SGD steps in a row on the N=8 probe, each compared with torch's step from the same (the
    learner's own) parameters: rounding never piles up into a false alarm, while state carried from one
    step to the next (accumulating gradients) shows at the first step it changes."""
    case.usable()
    probe, spec = case.probes[2], case.spec
    params, diffs = probe.params, []
    for k in range(case.steps):
        c = case.call(probe, params=params, lr=case.lr)
        if (result := stopped(case, [c])) is not None:
            return result
        if not c.ok or shape_problems(c, spec, case.kind):
            diag = explain_exception(spec, c.error, probe.N) if c.error is not None else Diagnosis(
                BAD_STRUCTURE, c.problem.message if c.problem else "the new params have wrong shapes")
            return failed([call_finding(case, diag, diag.summary, f"step {k} of the trajectory failed",
                                        at=c.where)], "failed")
        torch_next = [a - case.lr * g for pair, gs in zip(params, case.reference(c.probe).grads)
                      for a, g in zip(pair, gs)]
        if _runaway(torch_next, probe.params):
            return CheckResult("", "passed", f"steps 0..{k - 1} on {probe.name} match torch; at step {k} torch "
                                             f"diverges (lr {case.lr:g} is too large here), so no more is compared",
                               diffs=diffs)
        new = canonical(c.pairs, spec)
        if _runaway([a for pair in new for a in pair], probe.params):
            diag = Diagnosis(NON_FINITE, f"your update blew up at step {k} while torch's stayed finite and small")
            return failed([call_finding(case, diag, diag.summary, f"step {k} of the trajectory failed")], "failed")
        judged = case.judge(c, step=k)
        diffs += judged.values()
        if any(not d.passed for d in judged.values()):
            return _trajectory_failure(case, c, k, judged, diffs)
        params = new
    worst = max(d.rel for d in diffs)
    return CheckResult("", "passed", f"{case.steps} steps on {probe.name} match torch's step from the same "
                                     f"parameters (max rel {worst:.1e})", diffs=diffs)


def _repeats_probe(case: Case, call) -> bool:
    """Step 0 is the learner's first call on the same probe again (same params, lr): the same numbers?"""
    first = next(c for c in case.first_calls if c.probe.index == call.probe.index)
    if first.lr != call.lr:
        return False
    obs, before = case.observation(call), case.yours(first)
    return all(tensor_error(obs.yours[k][w], before[k][w], obs.scale((k, w))) <= case.rtol
               for k in range(case.spec.n_linear) for w in (0, 1))


def _as_above(case: Case, call, k: int, judged: dict, diags: dict, why: str) -> LearnerFinding:
    """One finding for a failing step that check_step_matches_torch has already explained."""
    bad = [d for d in judged.values() if not d.passed]
    worst = max(bad, key=lambda d: d.rel)
    labels = [d.label for d in diags.values()]
    names = ", ".join(sorted(dict.fromkeys(labels), key=lambda x: -labels.count(x)))
    diag = Diagnosis(best_diagnosis(diags).label, f"as check_step_matches_torch found ({names})")
    problem = f"{len(bad)} of {len(judged)} tensors off (worst {worst.label}, rel {worst.rel:.1e}); {why}"
    finding = call_finding(case, diag, problem, f"step {k} of {case.steps} on {call.probe.name} fails as above",
                           name=worst.name)
    finding.diff.step = k
    return finding


def _trajectory_failure(case: Case, call, k: int, judged: dict, diffs: list) -> CheckResult:
    """The first failing step. What check_step_matches_torch already found is not repeated: a step 0 that
    repeats the probe's call, or tensors whose labels it already gave, get one finding pointing back; only
    what is new here (state kept between calls, a label it did not find) is shown tensor by tensor."""
    above = case.first_diagnoses
    if k == 0 and _repeats_probe(case, call):
        diags = above
        findings = [_as_above(case, call, k, judged, above, f"the same numbers as your call on {call.probe.name} "
                                                            "above; later steps are not compared")]
    else:
        diags, findings = _new_at_step(case, call, k, judged, {d.label for d in above.values()} - {UNKNOWN})
    result = failed(findings, f"differs at step {k}", best_diagnosis(diags))
    result.diffs = diffs
    return result


def _new_at_step(case: Case, call, k: int, judged: dict, known: set) -> tuple[dict, list[LearnerFinding]]:
    """Diagnose the failing step alone; what no single step explains is state kept between calls."""
    diags = diagnose_tensors(case.spec, [case.observation(call)], rtol=case.rtol, step=True)
    since = (f"steps 0..{k - 1} match and step {k} does not" if k else
             f"step 0 differs from your call on the same {call.probe.name} probe before it")
    state = Diagnosis(UNKNOWN, f"{since}: the update depends on earlier calls (state kept between calls)")
    diags = {t: (state if d.label == UNKNOWN else d) for t, d in diags.items()}
    old = {t: d for t, d in diags.items() if d.label in known}
    before = (f"the first step, yet not the numbers of your call on {call.probe.name} above: state kept between "
              "calls" if k == 0 else f"steps 0..{k - 1} matched")
    why = f"not the numbers of your call on {call.probe.name} above, but the same bug" if k == 0 else "the same bug"
    findings = [_as_above(case, call, k, {t: judged[t] for t in old}, old, why)] if old else []
    findings += tensor_findings(case, [call], [{t: d for t, d in judged.items() if t not in old}], diags,
                                f"step {k} of {case.steps} in a row on {call.probe.name} ({before}); g implied by "
                                "your update")
    for f in findings:
        f.wrong_on = ()
    return diags, findings
