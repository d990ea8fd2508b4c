"""Results of a learner check: one CheckResult per check, LearnerFindings for what failed, and a
LearnerReport (a ParityReport) that reads top-down: what failed, where, how badly, the likely bug, rerun."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..compare import TensorDiff
from .labels import UNKNOWN
from ..report import Diagnosis, Finding, ParityReport

STATUSES = ("passed", "failed", "skipped", "waived")
TENSOR_KINDS = ("grad", "param", "loss", "layer output")


@dataclass
class CheckResult:
    """One check's outcome. status: passed | failed | skipped | waived (failed, but waived by the caller)."""

    check: str
    status: str
    message: str = ""
    diagnosis: Diagnosis | None = None
    findings: list[Finding] = field(default_factory=list)
    diffs: list[TensorDiff] = field(default_factory=list)
    note: str = ""        # a line for the report's header, e.g. what a passed finite-difference check means

    def __str__(self) -> str:
        return f"{self.status:<8}  {self.check}" + (f": {self.message}" if self.message else "")


@dataclass
class LearnerFinding(Finding):
    """A Finding with the learner's view: which probes fail, which tensor in its own return value."""

    wrong_on: tuple[str, ...] = ()
    right_on: tuple[str, ...] = ()
    probe: str = ""               # the probe the worst figures come from
    yours: str = ""               # 'grads[1][0]'
    headline: str = ""            # for findings that are no tensor: 'grad_fn raised on N=1'
    at: str = ""                  # the learner's file:line, for exceptions

    @property
    def parameter(self) -> str | None:
        return self.diff.name or None

    def subject(self) -> str:
        if self.headline:
            return self.headline
        step = f" at step {self.diff.step}" if self.diff.step is not None else ""
        yours = f", your {self.yours}" if self.yours else ""
        return f"{self.diff.label}{step}{yours}"

    def lines(self) -> list[str]:
        d, out = self.diff, []
        if self.wrong_on:
            right = f"; right on {', '.join(self.right_on)}" if self.right_on else ""
            out.append(f"probes    wrong on {', '.join(self.wrong_on)}{right}")
        if d.problem and not (self.diagnosis and self.diagnosis.summary == d.problem):
            out.append(f"problem   {d.problem}")
        if self.at:
            out.append(f"at        {self.at}")
        elif d.kind in TENSOR_KINDS:
            idx = list(d.worst_index) if d.worst_index else "scalar"
            on = f" on {self.probe}" if self.probe else ""
            out.append(f"worst     {idx}{on}  yours={d.manual_value:+.6g}  torch={d.torch_value:+.6g}")
            out.append(f"error     abs {d.max_abs:.2e} | rel {d.rel:.2e} > rtol {d.rtol:.0e} | "
                       f"{d.bad}/{d.total} elements off")
        if self.note:
            out.append(f"note      {self.note}")
        if self.diagnosis:
            first, *more = self.diagnosis.summary.split("\n")
            out.append(f"likely    [{self.diagnosis.label}] {first}")
            out += [f"          {line}" for line in more]
            out += [f"          {line}" for line in self.diagnosis.evidence.split("\n") if line]
        return out

    def __str__(self) -> str:
        return "\n".join([self.subject()] + ["  " + line for line in self.lines()])


def _same(a: Finding, b: Finding) -> bool:
    """Same check and same diagnosis (label and summary; the evidence's figures are per tensor)."""
    if a.check != b.check or a.diagnosis is None or b.diagnosis is None:
        return False
    return (a.diagnosis.label, a.diagnosis.summary) == (b.diagnosis.label, b.diagnosis.summary)


@dataclass
class LearnerReport(ParityReport):
    """A ParityReport over learner checks: .passed, .findings (each with .check and .label), str(), and
    raise_if_failed() work as for any report; .results has one CheckResult per check."""

    results: list[CheckResult] = field(default_factory=list)
    header: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.findings and not any(r.status == "failed" for r in self.results)

    @property
    def labels(self) -> list[str]:
        """Diagnosis labels of the findings, in order, without repeats."""
        return list(dict.fromkeys(f.label for f in self.findings if f.label))

    @property
    def diagnosis(self) -> Diagnosis | None:
        """The first finding's diagnosis that names a bug (else the first at all)."""
        diags = [f.diagnosis for f in self.findings if f.diagnosis]
        return next((d for d in diags if d.label != UNKNOWN), diags[0] if diags else None)

    def result(self, check: str) -> CheckResult:
        return next(r for r in self.results if r.check == check)

    def _count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    def __str__(self) -> str:
        n = len(self.results)
        if self.passed:
            extra = "".join(f", {self._count(s)} {s}" for s in ("skipped", "waived") if self._count(s))
            worst = self.max_rel("grad", "param", "loss")
            lines = [f"{self.title}: PASSED, {self._count('passed')} of {n} checks passed{extra} "
                     f"(max rel error vs torch {worst:.1e})"]
        else:
            failed = [r.check for r in self.results if r.status == "failed"]
            lines = [f"{self.title}: FAILED, {len(failed)} of {n} checks failed ({', '.join(failed)})"]
        lines += [f"  {h}" for h in self.header] + [f"  {note}" for note in self.notes]
        lines += [f"  {r.status:<8}  {r.check}: {r.message}" for r in self.results
                  if r.status in ("skipped", "waived") and (self.passed or r.status == "waived")]
        lines += self._render_findings()
        if self.rerun and not self.passed:
            lines.append(f"rerun     {self.rerun}")
        return "\n".join(lines)

    def _render_findings(self) -> list[str]:
        """Each group of findings with the same check and diagnosis: the first in full, the rest in one line."""
        lines, i, shown = [], 0, 0
        while i < len(self.findings):
            first = self.findings[i]
            j = i + 1
            while j < len(self.findings) and _same(first, self.findings[j]):
                j += 1
            shown += 1
            head = first.subject() if isinstance(first, LearnerFinding) else f"{first.diff.label}"
            lines.append(f"[{shown}] {first.check}: {head}")
            body = first.lines() if isinstance(first, LearnerFinding) else str(first).split("\n")[1:]
            lines += [f"      {line}" for line in body]
            for other in self.findings[i + 1:j]:
                step = f" at step {other.diff.step}" if other.diff.step is not None else ""
                lines.append(f"      same      {other.diff.label}{step}: rel {other.diff.rel:.1e}")
            i = j
        return lines
