"""Command line: python -m comparisons {seeds, check, tolerances, bench, zoo, report} ... (each in its own module).

Only the module of the command being run is imported (to add its options), so `--help` and a usage
error answer at once: the other commands' modules import torch.
"""
from __future__ import annotations

import argparse
import importlib
import sys
import time

# subcommand -> (module that owns it, one-line help). Each module defines add_arguments(parser) and
# run(args) -> exit code.
COMMANDS = {
    "seeds": ("comparisons.parity.seeds_command",
              "train every seed network in NumPy and torch and print the parity table"),
    "check": ("comparisons.learner.check_cli", "check a learner's grad_fn/step_fn in PATH.py:FUNCTION against torch"),
    "tolerances": ("comparisons.parity.tolerance_report", "re-measure the errors the tolerances were chosen from"),
    "bench": ("comparisons.parity.bench", "time NumPy vs torch forward/backward/step and print the ratios"),
    "zoo": ("comparisons.parity.zoo",
            "train the zoo (mini-batches, sklearn data, optimizers) in NumPy and torch, one table"),
    "report": ("comparisons.parity.report_cli",
               "write the parity report (HTML page and Markdown, with figures) to a folder"),
}


def _add_arguments(parser: argparse.ArgumentParser, module: str) -> None:
    try:
        importlib.import_module(module).add_arguments(parser)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        parser.set_defaults(_missing=True)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser, with the options of `command` (every command's when None; that imports them all)."""
    parser = argparse.ArgumentParser(prog="python -m comparisons", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(_module=module)
        if command is None or name == command:
            _add_arguments(p, module)
    return parser


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()       # before the command's module imports torch: a run's time counts it
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((a for a in argv if not a.startswith("-")), "")   # "" builds no command's options
    args = build_parser(command).parse_args(argv)
    if getattr(args, "_missing", False):
        print(f"error: command {args.command!r} is not available in this version", file=sys.stderr)
        return 2
    args._started = started
    return int(importlib.import_module(args._module).run(args) or 0)
