"""The parity harness: forward, gradient and trajectory comparisons of manual nets against torch, and
checks of a learner's own backprop (check_grad_fn, check_step_fn) that find the bug and name it.

Names are imported on first use (PEP 562), so `import comparisons` and the pytest plugin stay light.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "check_grad_fn": "learner.api", "check_step_fn": "learner.api", "assert_grad_fn_correct": "learner.api",
    "assert_step_fn_correct": "learner.api", "parametrize_with_checks": "learner.api", "run_checks": "learner.api",
    "check_grad_fn_column_major": "learner.adapters", "check_step_fn_column_major": "learner.adapters",
    "step_fn_from_class": "learner.adapters", "check_class": "learner.adapters",
    "CheckResult": "learner.results", "LearnerReport": "learner.results", "LearnerFinding": "learner.results",
    "LearnerSpec": "learner.spec", "LearnerSpecError": "learner.spec", "LearnerSetupError": "learner.calls",
    "check_layer_fn": "learner.layer_check", "assert_layer_fn_correct": "learner.layer_check",
    "check_layer_class": "learner.layer_check_class", "check_dict_net": "learner.layer_check_net",
    "LAYER_OPS": "learner.layer_check_ops", "Probe": "learner.probes", "design_probes": "learner.probes",
    "Observation": "learner.diagnose", "diagnose_tensors": "learner.diagnose",
    "LABELS": "learner.labels", "Diagnosis": "report", "Finding": "report", "ParityReport": "report",
    "TensorDiff": "compare", "compare_arrays": "compare", "compare_step": "parity.step",
    "compare_trajectory": "parity.trajectory", "TrajectoryReport": "parity.trajectory",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'comparisons' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
