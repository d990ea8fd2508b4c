"""python -m comparisons seeds: its options, and its start. The command forks the worker for the float32 rows'
float64 twins (NumPy only, seed_twins.py) first, then imports torch and the rest (seed_table.py) while they run.
Nothing here imports torch."""
from __future__ import annotations

import argparse
import contextlib
import os
import sys

import numpy as np

from manual.errors import UnknownNameError
from manual.seeds import get_systems

DTYPES = {"float64": (np.float64,), "float32": (np.float32,), "both": (np.float64, np.float32)}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", metavar="NAME", help="one seed: a system key, module name or seed number "
                        "(relu_regression, quadratic_fit, 004, ...); default: all")
    parser.add_argument("--dtype", choices=sorted(DTYPES), default="both", help="default: both")
    parser.add_argument("--no-variants", action="store_true", help="skip the seeds' own (as-written) code")
    parser.add_argument("--jobs", type=int, default=min(os.cpu_count() or 1, 4), metavar="N",
                        help="worker processes (default: the number of cores, at most 4); 1 runs in this process")
    parser.add_argument("--verbose", action="store_true", help="print the full report of every failure "
                        "and every flagged variant")
    parser.add_argument("--json", metavar="PATH", help="also write every row's figures, verdict and margin, and "
                        "the machine's BLAS kernel, to PATH (JSON)")
    parser.add_argument("--kernels", metavar="all|NAME,...", help="run the table once per OpenBLAS kernel "
                        "(OPENBLAS_CORETYPE set for a child process each, e.g. Haswell,Zen,SkylakeX) and print "
                        "every row's margin per kernel; x86-64 only")
    parser.add_argument("--report", metavar="DIR", help="also write the parity report (HTML page and Markdown, "
                        "with figures and a tiny benchmark) into DIR, as `python -m comparisons report` does")


def run(args: argparse.Namespace) -> int:
    """The seeds command: the twins started, then seed_table.run (its exit status; 130 after Ctrl-C)."""
    from .seed_twins import start_twins

    twins = None
    try:
        if not args.kernels:        # (bad options: no twins; seed_table says what is wrong)
            with contextlib.suppress(UnknownNameError, ValueError, KeyError):
                twins = start_twins(list(get_systems(args.seed)), DTYPES[args.dtype], args.jobs)
        from . import seed_table    # imports torch, while the twins run

        return seed_table.run(args, twins=twins)
    except KeyboardInterrupt:
        print("interrupted: no table is printed for a run cut short (its rows run in parallel and are joined at "
              "the end); nothing was written", file=sys.stderr)
        return 130
    finally:
        if twins is not None:
            twins.close(cancel=True)    # (joined by then, unless the run stopped early)
