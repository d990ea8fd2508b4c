"""Grading several learners' files with one check command, for teachers:

    python -m comparisons check 'submissions/*.py:grad_fn' --sizes 2,4,1 ... --json results.json --junit-xml results.xml

A target's path may be a glob pattern (quoted, or as the shell leaves a pattern with ':FUNCTION' after it);
each file is checked in its own worker process, so one submission cannot affect another. One row per file
(verdict passed | failed | error, the first finding's label and layer, seconds), a summary table on stdout,
and the rows as JSON and as JUnit XML (one testcase per file, a failure or an error element when it did not
pass), each written atomically (a temporary file in the same folder, then renamed). The folders of both
outputs must exist: that is checked before any learner runs.
"""
from __future__ import annotations

import glob
import json
import os
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass
from pathlib import Path

from .results import LearnerReport
from .source import UsageError

_GLOB = set("*?[")


@dataclass
class GradeRow:
    """One graded file. verdict: passed | failed | error (nothing could be checked: a file that does not load)."""

    target: str
    verdict: str
    label: str = ""
    layer: str = ""
    seconds: float = 0.0
    message: str = ""
    report: str = ""


def has_pattern(target: str) -> bool:
    """Whether a target's path is a glob pattern."""
    return bool(_GLOB & set(target.rpartition(":")[0]))


def expand_targets(patterns: list[str]) -> list[str]:
    """'dir/*.py:grad_fn' -> every matching file, sorted, as 'dir/a.py:grad_fn'; plain targets are kept."""
    out = []
    for pattern in patterns:
        path, sep, name = pattern.rpartition(":")
        if not sep or not has_pattern(pattern):
            out.append(pattern)
            continue
        files = sorted(f for f in glob.glob(path) if f.endswith(".py"))
        if not files:
            raise UsageError(f"no Python file matches {path!r}")
        out += [f"{f}:{name}" for f in files]
    return list(dict.fromkeys(out))


def check_output_path(path: str | None, flag: str) -> None:
    """UsageError unless the path's folder exists and the path is no folder itself."""
    if path is None:
        return
    p = Path(path)
    if p.is_dir():
        raise UsageError(f"{flag} {path} is a folder: give a file name, e.g. {p / 'results'}{Path(flag[2:]).suffix}")
    if not p.resolve().parent.is_dir():
        raise UsageError(f"{flag} {path}: no such folder {p.parent}; create it first (nothing was checked)")


def row_from_report(target: str, report: LearnerReport, seconds: float) -> GradeRow:
    first = report.findings[0] if report.findings else None
    message = str(report).split("\n")[0]
    layer = (first.layer or first.parameter or "") if first else ""
    return GradeRow(target, "passed" if report.passed else "failed", (first.label or "") if first else "", layer,
                    round(seconds, 3), message, str(report))


def row_from_error(target: str, message: str, seconds: float) -> GradeRow:
    return GradeRow(target, "error", "", "", round(seconds, 3), message, f"error: {message}")


def summary_table(rows: list[GradeRow]) -> str:
    """A fixed-width table, one line per file, then the counts."""
    head = ("file", "verdict", "first label", "layer", "seconds")
    cells = [(r.target, r.verdict, r.label or "-", r.layer or "-", f"{r.seconds:.1f}") for r in rows]
    widths = [max(len(c[i]) for c in [head, *cells]) for i in range(len(head))]
    line = lambda c: "  ".join(v.ljust(w) for v, w in zip(c, widths)).rstrip()
    counts = {v: sum(r.verdict == v for r in rows) for v in ("passed", "failed", "error")}
    total = f"{len(rows)} file(s): " + ", ".join(f"{n} {v}" for v, n in counts.items())
    return "\n".join([line(head), line(["-" * w for w in widths]), *map(line, cells), total])


def _atomic_write(path: str, text: str) -> None:
    folder = str(Path(path).resolve().parent)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".grading-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_json(path: str, rows: list[GradeRow], command: str) -> None:
    counts = {v: sum(r.verdict == v for r in rows) for v in ("passed", "failed", "error")}
    _atomic_write(path, json.dumps({"command": command, "counts": counts, "rows": [asdict(r) for r in rows]},
                                   indent=2) + "\n")


def junit_xml(rows: list[GradeRow], name: str = "comparisons check") -> str:
    """JUnit XML: one testsuite, one testcase per file; <failure> for failed, <error> for error."""
    suite = ET.Element("testsuite", name=name, tests=str(len(rows)),
                       failures=str(sum(r.verdict == "failed" for r in rows)),
                       errors=str(sum(r.verdict == "error" for r in rows)),
                       time=f"{sum(r.seconds for r in rows):.3f}")
    for r in rows:
        case = ET.SubElement(suite, "testcase", classname="comparisons.check", name=r.target, time=f"{r.seconds:.3f}")
        if r.verdict != "passed":
            kind = "failure" if r.verdict == "failed" else "error"
            summary = f"[{r.label}] {r.message}" if r.label else r.message
            ET.SubElement(case, kind, message=summary, type=r.label or kind).text = r.report
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(path: str, rows: list[GradeRow]) -> None:
    _atomic_write(path, junit_xml(rows))
