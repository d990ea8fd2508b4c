"""The float32 shadow check step by step, for the report's plots: every judged step's loss error against torch
from the same weights, its allowance, and the step's smallest margin (shadow.ShadowStep), kept by the shadow
check itself in the trajectory report."""
from __future__ import annotations


def shadow_steps(result) -> list | None:
    """The per-step record of a row (a seed_runs.SystemResult), or None when it was not judged step by step."""
    steps = getattr(result.trajectory, "shadow_steps", None)
    return steps or None
