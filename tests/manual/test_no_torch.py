"""manual/ is the NumPy side of every comparison: it must never import torch, directly or lazily."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MANUAL_FILES = sorted((ROOT / "manual").rglob("*.py"))


def imported_modules(source: str) -> set[str]:
    """Top-level names of every module an Import or ImportFrom node brings in (anywhere in the file)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("source", ["import torch", "import torch.nn as nn", "from torch import nn",
                                    "def f():\n    from torch.nn import functional"])
def test_import_finder_sees_torch(source):
    assert "torch" in imported_modules(source)


def test_import_finder_ignores_relative_imports():
    assert imported_modules("from .torch import x\nimport numpy") == {"numpy"}


def test_manual_package_found():
    assert (ROOT / "manual" / "__init__.py") in MANUAL_FILES


@pytest.mark.parametrize("path", MANUAL_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_file_in_manual_imports_torch(path):
    assert "torch" not in imported_modules(path.read_text()), f"{path.relative_to(ROOT)} imports torch"


IMPORT_EVERY_MODULE = ("import importlib, pkgutil; "
                       "[importlib.import_module(m.name) for m in pkgutil.walk_packages(manual.__path__, 'manual.')]")


@pytest.mark.parametrize("then", ["pass", IMPORT_EVERY_MODULE], ids=["import manual", "every submodule"])
def test_importing_manual_does_not_load_torch(then):
    code = f"import sys, manual; {then}; print(sorted(m for m in sys.modules if m.split('.')[0] == 'torch'))"
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"
