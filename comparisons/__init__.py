"""The parity harness: forward, gradient and trajectory comparisons of manual nets against torch, and
checks of a learner's own backprop (check_grad_fn, check_step_fn) that find the bug and name it.

Names are imported on first use (PEP 562), so `import comparisons` and the pytest plugin stay light.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "check_grad_fn": "learner", "check_step_fn": "learner", "assert_grad_fn_correct": "learner",
    "assert_step_fn_correct": "learner", "parametrize_with_checks": "learner", "run_checks": "learner",
    "check_grad_fn_column_major": "adapters", "check_step_fn_column_major": "adapters",
    "step_fn_from_class": "adapters", "check_class": "adapters",
    "CheckResult": "learner_report", "LearnerReport": "learner_report", "LearnerFinding": "learner_report",
    "LearnerSpec": "learner_spec", "LearnerSpecError": "learner_spec", "LearnerSetupError": "learner_io",
    "Probe": "probes", "design_probes": "probes", "Observation": "diagnose", "diagnose_tensors": "diagnose",
    "LABELS": "diagnose_labels", "Diagnosis": "report", "Finding": "report", "ParityReport": "report",
    "TensorDiff": "compare", "compare_arrays": "compare", "compare_step": "parity",
    "compare_trajectory": "trajectory", "TrajectoryReport": "trajectory",
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
