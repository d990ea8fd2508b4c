"""The README shows real output: every console block marked <!-- readme-check --> is rerun here and must
print exactly what the README says."""
import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest

from comparisons.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"<!-- readme-check -->\n```console\n\$ python -m comparisons (?P<args>[^\n]+)\n(?P<out>.*?)```",
                   re.S)


# rounding-level figures (1e-9 and below, e.g. "rel 4e-15", "0e+00") depend on the machine's BLAS and
# summation order; everything else the tool prints must match the README exactly
ROUNDING = re.compile(r"\b\d(?:\.\d+)?e-(?:09|[1-9]\d)\b|(?<![\d.])0(?:\.0+)?e\+00\b")


def normalised(text: str) -> str:
    return ROUNDING.sub("<rounding>", text.rstrip())


def checked_blocks() -> list[tuple[str, str]]:
    return [(m["args"], m["out"]) for m in BLOCK.finditer(README.read_text(encoding="utf-8"))]


def test_the_readme_has_checked_examples():
    assert len(checked_blocks()) >= 3


def test_only_rounding_level_figures_are_normalised():
    assert normalised("rel 4e-15 | 2.6e-10 | 0e+00 | 1.0e-08 | 5.2e+02 | 1e-07") == (
        "rel <rounding> | <rounding> | <rounding> | 1.0e-08 | 5.2e+02 | 1e-07")


@pytest.mark.parametrize("args,expected", checked_blocks(), ids=lambda v: v.split()[1] if " " in v else None)
def test_readme_output_is_what_the_tool_prints(args, expected, monkeypatch):
    monkeypatch.chdir(README.parent)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(shlex.split(args))
    assert normalised(out.getvalue()) == normalised(expected), (
        f"README.md is out of date for `python -m comparisons {args}`: paste the tool's output")
