"""python -m comparisons check PATH.py:FUNCTION [PATH.py:FUNCTION ...] --sizes 2,4,1 --activations relu --loss mse

Checks FUNCTION from the Python file PATH.py as a grad_fn(params, X, y) or a step_fn(params, X, y, lr)
(--kind, else from its signature), or, for a class whose backward(X, y, lr) updates its own weights
(seed 000), as one step per forward + backward with --weights naming its attributes: PATH.py:CLASS
--weights W1:b1,W2:b2. The learner's file is loaded and called in a worker process (process.py):
this process keeps the probes, torch and the diagnoses, so nothing the learner's code does (exit, hang,
crash, print) decides the exit code. Prints the report; the exit codes are in EPILOG. Several targets (or a
glob pattern, 'submissions/*.py:grad_fn'), --json or --junit-xml grade each file in its own process and
add a summary table (grading.py).
"""
from __future__ import annotations

import argparse
import sys

from .events import CheckInterrupted
from .source import UsageError, load_function, parse_target  # noqa: F401 (load_function re-exported)
from ..wording import speaking_cli

PASSED, FAILED, USAGE_ERROR, INTERRUPTED = 0, 1, 2, 130
DEFAULT_TIMEOUT = 60.0     # seconds per call of the learner
DEFAULT_MEMORY_MB = 4096   # address space of the learner's process
DEFAULT_ACTIVATION = "relu"   # hidden layers when --activations is left out (the header says so)

EPILOG = """\
what is checked:
  grad_fn(params, X, y) -> (loss, grads)
      params  [(W, b), ...], one pair per Linear layer, input layer first: W (fan_in, fan_out), b (fan_out,)
      X (N, sizes[0]), y (N, sizes[-1]); the network is X @ W + b, then the activation, layer by layer
      returns the loss (a number, or None) and grads [(dW, db), ...] shaped as params (db may be (1, fan_out))
      a classifier (--loss cross_entropy or cross_entropy_sum: softmax cross-entropy on the last layer's
      logits, so --output identity): y one-hot rows (N, K), or class indices (N,) (int64) with --targets index;
      softmax inside your code and a returned gradient (p - y) / N is the usual way, and right
  step_fn(params, X, y, lr) -> new_params
      one plain SGD step, p - lr * dL/dp; returns [(W, b), ...] (or None after updating params in place)
  --layout column: W (fan_out, fan_in), b (fan_out, 1), X (sizes[0], N), y (sizes[-1], N), as W @ x + b
  PATH.py:CLASS --weights W1:b1,W2:b2: built as CLASS() or CLASS(*sizes); each step writes the params into
      those attributes, calls forward(X), then backward(X, y, lr) (which updates them), and reads them back

the learner's code runs in its own process, one per check: each call (and the loading of the file) may
take --timeout seconds; the process may use --memory-mb MiB; its stdin is empty, so input() raises
EOFError; what it prints is captured, and the report shows the line count and the first 5 lines. An exit
(sys.exit, os._exit), a hang, a crash, running out of memory or a KeyboardInterrupt is a finding
(exited, timed_out, crashed, out_of_memory, interrupted): the learner is not called again and the check
fails.

grading several files (several targets, a glob pattern such as 'submissions/*.py:grad_fn', --json or
--junit-xml): each file is checked in its own process, its report printed, then a table with one row per
file (verdict passed, failed or error, the first finding's label and layer, seconds). --json PATH and
--junit-xml PATH write the rows (JUnit: one testcase per file, a <failure> or an <error> element when it
did not pass); their folders must exist. The exit code is 0 only when every file passed; a file that
cannot be loaded is an error row (exit 1), not the end of the grading.

exit codes:
  0    every check ran and passed
  1    a check failed: a wrong gradient or update, an exception, or the learner exited, hung, crashed
       or ran out of memory while being checked
  2    nothing was checked: no such file or function, a file that fails while loading (by an
       exception, sys.exit or os._exit, a hang or a crash), options that disagree with each other
  130  interrupted by Ctrl-C
"""


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value


def _memory(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"must be a whole number of MiB (0: no limit), got {text!r}")
    return int(text)


def activations_help() -> str:
    """--activations' help: every registered name with its parameters and defaults, and the spelling."""
    from manual import ACTIVATION_REGISTRY

    names = ", ".join(op.name + (f" ({', '.join(f'{k}={v!r}' for k, v in op.params.items())})" if op.params else "")
                      for op in ACTIVATION_REGISTRY.values())
    return (f"hidden activation(s): one, or one per hidden layer separated by commas; parameters after colons "
            f"in declared order (leaky_relu:0.05, softplus:2:20, gelu:tanh, hardtanh:-2:2) or as keywords "
            f"(leaky_relu(negative_slope=0.05)), torch's defaults when left out; {names} (default "
            f"{DEFAULT_ACTIVATION}); left out, the report's header says so")


def targets_help() -> str:
    """--targets' help: the losses that take either form, from the loss registry."""
    from manual.losses.registry import REGISTRY

    both = [op.name for op in REGISTRY.values() if {"one_hot", "index"} <= set(op.targets)]
    only = [op.name for op in REGISTRY.values() if op.targets == ("index",)]
    return (f"the form of y for {' and '.join(both)}: one_hot, rows (N, K) (the default), or index, class "
            f"indices (N,) as int64 ({' and '.join(only)}: indices only)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from .spec import LOSSES, OUTPUTS   # here, not at the top: numpy stays unloaded for other commands
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("target", metavar="PATH.py:FUNCTION", nargs="+",
                        help="file and function (or class) to check; several, or a glob pattern in the path "
                             "('submissions/*.py:grad_fn'), to grade each file")
    parser.add_argument("--sizes", required=True, help="layer widths, input to output, e.g. 2,4,1 (required)")
    parser.add_argument("--activations", help=activations_help())
    parser.add_argument("--output", default="identity",
                        help=f"output activation: {' or '.join(OUTPUTS)}, or any other of --activations' names "
                             "with its parameters (tanh, leaky_relu:0.2, ...) (default identity)")
    parser.add_argument("--loss", default="mse",
                        help="the loss the code computes (default mse): " + "; ".join(LOSSES.values()))
    parser.add_argument("--targets", choices=("one_hot", "index"), help=targets_help())
    parser.add_argument("--kind", choices=("grad", "step"),
                        help="grad_fn or step_fn (default: from the signature, 3 or 4 arguments)")
    parser.add_argument("--lr", type=float, default=0.1, help="learning rate for a step_fn or class (default 0.1)")
    parser.add_argument("--steps", type=int, default=5, help="steps in a row for a step_fn or class (default 5)")
    parser.add_argument("--inplace", action="store_true",
                        help="for a step_fn whose contract is an in-place update (W -= lr * dW on the params "
                             "passed): judge the params passed as it leaves them; without it, writing into them "
                             "is reported (mutates_input)")
    parser.add_argument("--weights", metavar="W1:b1,W2:b2",
                        help="for a class: its weight and bias attributes, one W:b pair per Linear layer")
    parser.add_argument("--layout", choices=("row", "column"), default="row",
                        help="row: X @ W, W (in, out); column: W @ x, W (out, in), x (features, N) (default row)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the probe draws (default 0)")
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                        help="dtype of the probes (default float64)")
    parser.add_argument("--timeout", type=_positive_float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"time limit for each call of the learner, and for loading its file "
                             f"(default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--json", metavar="PATH", help="grading: write one row per file as JSON (atomically)")
    parser.add_argument("--junit-xml", metavar="PATH",
                        help="grading: write JUnit XML, one testcase per file (atomically)")
    parser.add_argument("--memory-mb", type=_memory, default=DEFAULT_MEMORY_MB, metavar="MIB",
                        help=f"memory limit of the learner's process (its address space, RLIMIT_AS; the "
                             f"check's own process is not limited; 0: none) (default {DEFAULT_MEMORY_MB})")


def _weights(text: str) -> list[tuple[str, str]]:
    pairs = [tuple(p.strip() for p in item.split(":")) for item in text.split(",") if item.strip()]
    if not pairs or any(len(p) != 2 or not all(p) for p in pairs):
        raise UsageError(f"--weights must be W:b attribute pairs separated by commas, e.g. W1:b1,W2:b2; got {text!r}")
    return pairs


def _sizes(text: str) -> list[int]:
    items = [s.strip() for s in text.split(",")]
    if not all(items):
        raise UsageError(f"--sizes has an empty item: give every layer width, separated by single commas, "
                         f"e.g. 2,4,1; got {text!r}")
    try:
        return [int(s) for s in items]
    except ValueError:
        raise UsageError(f"--sizes must be integers separated by commas, e.g. 2,4,1; got {text!r}") from None


def _rerun(args: argparse.Namespace, target: str, spec, kind: str, weights) -> str:
    """The command that reruns this check, every setting spelled out."""
    from .api import cli_flags

    flags = cli_flags(spec, kind, args.lr, args.steps, layout=args.layout, inplace=args.inplace)
    if weights:
        flags += " --weights " + ",".join(f"{w}:{b}" for w, b in weights)
    if args.timeout != DEFAULT_TIMEOUT:
        flags += f" --timeout {args.timeout:g}"
    if args.memory_mb != DEFAULT_MEMORY_MB:
        flags += f" --memory-mb {args.memory_mb}"
    return f"python -m comparisons check {target} {flags}"


def _setup(args: argparse.Namespace) -> tuple[dict, list | None]:
    """The check's settings, validated before any learner runs (UsageError or ParityInputError)."""
    from manual.activation_spelling import split_activations

    from .spec import LearnerSpec

    weights = _weights(args.weights) if args.weights else None
    acts = split_activations(args.activations or DEFAULT_ACTIVATION)
    acts = acts[0] if len(acts) == 1 else acts
    common = dict(sizes=_sizes(args.sizes), activations=acts, output=args.output, loss=args.loss,
                  dtype=args.dtype, seed=args.seed, targets=args.targets)
    common["spec"] = LearnerSpec.create(layout=args.layout, **common)
    return common, weights


def _default_note(args: argparse.Namespace, spec) -> list[str]:
    """A header line when the hidden activations are the default because --activations was left out."""
    if args.activations is not None or not spec.activations:
        return []
    return [f"note      --activations left out: every hidden layer is {DEFAULT_ACTIVATION}, the default"]


def _report(args: argparse.Namespace, target: str, worker, common: dict, weights):
    """Check one target in its worker process; the report, with what the learner printed."""
    common = dict(common)
    spec = common.pop("spec")
    with worker:
        from .api import check_grad_fn, check_step_fn         # torch, while the worker starts

        learner = worker.load(target, kind=args.kind, weights=weights, layout=args.layout)
        common.update(name=learner.name, rerun=_rerun(args, target, spec, learner.kind, weights))
        if args.inplace and learner.kind != "step":
            raise UsageError(f"--inplace is for a step_fn that updates the params passed; {target} is checked as "
                             f"a {'grad_fn' if learner.kind == 'grad' else 'class (its weights are read back)'}")
        if learner.kind == "grad":
            report = check_grad_fn(learner, layout=args.layout, **common)
        else:   # a class's adapter (in the worker) already speaks row-major
            layout = "row" if learner.kind == "class" else args.layout
            report = check_step_fn(learner, lr=args.lr, steps=args.steps, layout=layout, inplace=args.inplace,
                                   **common)
    report.header[1:1] = _default_note(args, spec)
    report.header += worker.captured.report_lines()
    return report


def _check(args: argparse.Namespace, worker) -> int:
    target = args.target[0]
    common, weights = _setup(args)
    parse_target(target)
    report = _report(args, target, worker, common, weights)
    print(report)
    return PASSED if report.passed else FAILED


def _grade(args: argparse.Namespace) -> int:
    """Each target in its own worker process: its report, then the table, the JSON and the JUnit XML."""
    import time

    from manual.errors import ParityInputError

    from . import grading
    from .process import LearnerProcess

    targets = grading.expand_targets(args.target)
    grading.check_output_path(args.json, "--json")
    grading.check_output_path(args.junit_xml, "--junit-xml")
    common, weights = _setup(args)
    rows = []
    for target in targets:
        start, worker = time.monotonic(), LearnerProcess(timeout=args.timeout, memory_mb=args.memory_mb)
        try:
            parse_target(target)
            rows.append(grading.row_from_report(target, _report(args, target, worker, common, weights),
                                                time.monotonic() - start))
        except (UsageError, ParityInputError) as exc:
            rows.append(grading.row_from_error(target, str(exc), time.monotonic() - start))
        print(rows[-1].report + "\n")
    print(grading.summary_table(rows))
    if args.json:
        grading.write_json(args.json, rows, "python -m comparisons check " + " ".join(args.target))
    if args.junit_xml:
        grading.write_junit(args.junit_xml, rows)
    return PASSED if all(r.verdict == "passed" for r in rows) else FAILED


def run(args: argparse.Namespace) -> int:
    from manual.errors import ParityInputError

    from .grading import has_pattern
    from .process import LearnerProcess

    worker = LearnerProcess(timeout=args.timeout, memory_mb=args.memory_mb)
    grading = len(args.target) > 1 or args.json or args.junit_xml or any(map(has_pattern, args.target))
    try:
        with speaking_cli():
            return _grade(args) if grading else _check(args, worker)
    except (UsageError, ParityInputError) as exc:
        print("\n".join([f"error: {exc}"] + [f"  {line}" for line in worker.captured.report_lines()]),
              file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt as exc:
        lines = exc.lines() if isinstance(exc, CheckInterrupted) else []
        print("\n".join(["interrupted (Ctrl-C): the learner's process was stopped; no verdict"]
                        + [f"  {line}" for line in lines]), file=sys.stderr)
        return INTERRUPTED
