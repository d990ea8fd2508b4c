"""Result objects: a report holds every TensorDiff it measured, and the findings it drew from them."""
from __future__ import annotations

from dataclasses import dataclass, field

from .compare import TensorDiff
from .learner.labels import LABELS


@dataclass
class Diagnosis:
    """A named hypothesis about the bug, tested on data we hold. `label` is one of learner.labels.LABELS."""

    label: str
    summary: str          # one line: "likely gradients accumulate across steps"
    evidence: str = ""    # the figures that support it: "manual = torch(step 1) + torch(step 0), residual 3e-16"

    def __post_init__(self):
        if self.label not in LABELS:
            raise ValueError(f"undeclared diagnosis label {self.label!r}: declare it in comparisons/learner/labels.py")

    def __str__(self) -> str:
        ev = f"\n            {self.evidence}" if self.evidence else ""
        return f"likely    [{self.label}] {self.summary}{ev}"


@dataclass
class Finding:
    """One failed tensor with its location and, when a hypothesis fits, a diagnosis."""

    diff: TensorDiff
    diagnosis: Diagnosis | None = None
    note: str = ""        # context, e.g. "forward output and loss at step 1 match, so the bug is in backward"
    check: str = ""       # the learner check that produced it, if any

    @property
    def parameter(self) -> str:
        return self.diff.name

    @property
    def layer(self) -> str | None:
        return self.diff.layer

    @property
    def step(self) -> int | None:
        return self.diff.step

    @property
    def label(self) -> str | None:
        return self.diagnosis.label if self.diagnosis else None

    def __str__(self) -> str:
        step = f" at step {self.diff.step}" if self.diff.step is not None else ""
        lines = [f"{self.diff.label}{step}", self.diff.details()]
        if self.note:
            lines.append(f"  note      {self.note}")
        if self.diagnosis:
            lines.append("  " + str(self.diagnosis))
        return "\n".join(lines)


@dataclass
class ParityReport:
    """Everything one comparison measured. `passed` is True only when no finding was recorded."""

    title: str
    diffs: list[TensorDiff] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    rerun: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.findings and all(d.passed for d in self.diffs)

    def max_rel(self, *kinds: str) -> float:
        """Largest relative error over diffs of the given kinds (all kinds if none given)."""
        vals = [d.rel for d in self.diffs if not kinds or d.kind in kinds]
        return max(vals, default=0.0)

    def add(self, diff: TensorDiff) -> TensorDiff:
        self.diffs.append(diff)
        return diff

    def __str__(self) -> str:
        if self.passed:
            return (f"{self.title}: PASSED ({len(self.diffs)} tensors, max rel error "
                    f"{self.max_rel():.1e})" + "".join(f"\n  {n}" for n in self.notes))
        lines = [f"{self.title}: FAILED ({len(self.findings)} finding(s))"]
        lines += [f"  {n}" for n in self.notes]
        for i, f in enumerate(self.findings, 1):
            lines.append(f"[{i}] " + str(f).replace("\n", "\n    "))
        if self.rerun:
            lines.append(f"rerun     {self.rerun}")
        return "\n".join(lines)

    def raise_if_failed(self) -> None:
        """Raise AssertionError carrying the report's text when it failed."""
        __tracebackhide__ = True
        if not self.passed:
            raise AssertionError(str(self))
