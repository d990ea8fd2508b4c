"""Checks only some layers need: batch norm's running statistics written back into bn_param, and dropout's
share of kept units (CS231n's p is the probability of keeping; torch's Dropout(p) drops with probability p)."""
from __future__ import annotations

import numpy as np

from ..compare import compare_arrays
from ..report import Diagnosis
from .case import Skip
from .checks import call_finding, check, failed
from .labels import UNKNOWN, WRONG_SCALE, produces
from .layer_check_case import LayerCase
from .layer_check_checks import usable
from .layer_check_torch import running_stats
from .results import CheckResult, LearnerFinding

produces(__name__, UNKNOWN, WRONG_SCALE)

RATE_SIGMAS = 5.0      # the keep rate may be this many binomial standard deviations from p
RATE_MIN_UNITS = 1000  # probes with fewer units say too little about the rate


def _stats_diagnosis(call, cfg: dict, name: str, rtol: float) -> Diagnosis:
    yours, old = np.asarray(call.config.get(name), np.float64), np.asarray(cfg[name], np.float64)
    x, m = np.asarray(call.probe.arrays["x"], np.float64), cfg["momentum"]
    batch = x.mean(0) if name == "running_mean" else x.var(0)
    if yours.shape == old.shape and np.allclose(yours, old, rtol=rtol, atol=0):
        return Diagnosis(UNKNOWN, f"{name} is not updated: write it back, bn_param['{name}'] = m * old + (1 - m) "
                                    f"* batch")
    if yours.shape == old.shape and np.allclose(yours, (1 - m) * old + m * batch, rtol=rtol, atol=0):
        return Diagnosis(UNKNOWN, f"momentum applied the wrong way round: {name} = (1 - m) * old + m * batch; "
                                    f"CS231n keeps m of the old value (torch's momentum is CS231n's 1 - m)")
    return Diagnosis(UNKNOWN, f"{name} is neither CS231n's m * old + (1 - m) * batch (biased variance) nor torch's")


@check
def check_running_stats(name, fn, case: LayerCase) -> CheckResult:
    """After a train-mode forward, bn_param holds the new running statistics: CS231n's momentum * old +
    (1 - momentum) * batch (biased variance), or torch's (unbiased variance) — either is accepted."""
    calls = [c for c in usable(case, "forward") if c.config and c.config.get("mode") == "train"]
    if not calls:
        raise Skip("no train-mode forward returned usable values")
    findings, diffs, used, var_forms = [], [], set(), set()
    for stat in ("running_mean", "running_var"):
        for c in calls:
            want = running_stats(c.probe.arrays, c.probe.config)
            yours = np.asarray(c.config.get(stat, np.nan), np.float64)
            tried = {k: compare_arrays(yours, v[stat], name=stat, kind="param", layer="bn_param", rtol=case.rtol)
                     for k, v in want.items()}
            ok = [k for k, d in tried.items() if d.passed]
            used.update(ok)
            if stat == "running_var":
                var_forms.add(tuple(ok))
            diffs.append(tried[ok[0]] if ok else tried["cs231n"])
            if not ok:
                findings.append(LearnerFinding(tried["cs231n"], _stats_diagnosis(c, c.probe.config, stat, case.rtol),
                                               wrong_on=(c.probe.name,), probe=c.probe.name,
                                               yours=f"bn_param['{stat}'] after {case.names[0]}"))
                break
    conv = ", ".join(sorted(used))
    result = failed(findings, f"running statistics as {conv or 'nobody'}'s convention" if not findings
                    else "running statistics differ")
    result.diffs = diffs
    if ("torch",) in var_forms:   # running_mean is the same in both conventions: only the variance tells
        result.note = "running_var uses the unbiased variance (torch's convention; CS231n's uses np.var, biased)"
    return result


@check
def check_keep_rate(name, fn, case: LayerCase) -> CheckResult:
    """In train mode about p of the units are kept (nonzero), p the probability of keeping (CS231n)."""
    calls = [c for c in usable(case, "forward") if c.config and c.config.get("mode") == "train"
             and c.out.size >= RATE_MIN_UNITS]
    if not calls:
        raise Skip(f"no train-mode forward on {RATE_MIN_UNITS}+ units returned usable values")
    findings = []
    for c in calls:
        p, n = c.probe.config["p"], c.out.size
        rate, sd = float(np.count_nonzero(c.out)) / n, np.sqrt(p * (1 - p) / n)
        if abs(rate - p) <= RATE_SIGMAS * sd:
            continue
        drop = c.probe.to_learner is not None   # the learner's p is the probability of dropping
        if abs(rate - (1 - p)) <= RATE_SIGMAS * sd:
            diag = Diagnosis(WRONG_SCALE, "p taken as the probability of keeping (CS231n's); with p='drop' it is "
                                          "the probability of dropping (torch's nn.Dropout(p)): mask = "
                                          "np.random.rand(*x.shape) >= p" if drop else
                             "p taken as the probability of dropping (torch's nn.Dropout(p)); in CS231n's "
                             "dropout_param p is the probability of keeping: mask = np.random.rand(*x.shape) < p "
                             "(or check with p='drop')")
        else:
            diag = Diagnosis(UNKNOWN, f"the share of kept units is neither {'1 - p' if drop else 'p'} nor "
                                      f"{'p' if drop else '1 - p'}")
        shown = f"p={1 - p:g} (drop)" if drop else f"p={p}"
        findings.append(call_finding(case, diag, f"kept {rate:.1%} of {n} units with {shown} (expected {p:.0%} +- "
                                     f"{RATE_SIGMAS * sd:.1%})", "dropout keeps the wrong share of units", wrong=[c],
                                     name="keep rate"))
    return failed(findings, f"keep rate within {RATE_SIGMAS:g} sd of p on {len(calls)} probe(s)")


EXTRA_CHECKS = {"batchnorm": (check_running_stats,), "dropout": (check_keep_rate,)}
