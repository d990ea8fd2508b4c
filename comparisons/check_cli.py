"""python -m comparisons check PATH.py:FUNCTION --sizes 2,4,1 --activations relu --output sigmoid --loss mse

Loads FUNCTION from the Python file PATH.py (by running the file as a module: nothing is unpickled),
checks it as a grad_fn(params, X, y) or a step_fn(params, X, y, lr) (--kind, else from its signature),
or, for a class whose backward(X, y, lr) updates its own weights (seed 000), as one step per
forward + backward with --weights naming its attributes: PATH.py:CLASS --weights W1:b1,W2:b2,
prints the report, and exits 0 when every check passes, 1 when one fails, 2 when the input is unusable
(no such file or function, a file that does not load, sizes and activations that disagree, ...).
"""
from __future__ import annotations

import argparse
import importlib.machinery
import importlib.util
import inspect
import sys
from pathlib import Path

USAGE_ERROR = 2


class UsageError(Exception):
    """The command line points at something that cannot be checked; the message says what."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", metavar="PATH.py:FUNCTION", help="file and function (or class) to check")
    parser.add_argument("--sizes", required=True, help="layer widths, input to output, e.g. 2,4,1")
    parser.add_argument("--activations", default="relu",
                        help="hidden activation(s): one name, or one per hidden layer separated by commas "
                             "(relu, leaky_relu, sigmoid, tanh)")
    parser.add_argument("--output", default="identity", help="output activation: identity or sigmoid")
    parser.add_argument("--loss", default="mse", help="mse, sum, half_sum, bce or bce_sum")
    parser.add_argument("--kind", choices=("grad", "step"), help="grad_fn or step_fn (default: from the signature)")
    parser.add_argument("--lr", type=float, default=0.1, help="learning rate for a step_fn (default 0.1)")
    parser.add_argument("--steps", type=int, default=5, help="steps in a row for a step_fn (default 5)")
    parser.add_argument("--weights", metavar="W1:b1,W2:b2",
                        help="for a class: its weight and bias attributes, one W:b pair per Linear layer")
    parser.add_argument("--layout", choices=("row", "column"), default="row",
                        help="row: X @ W, W (in, out); column: W @ x, W (out, in), x (features, N)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the probe draws (default 0)")
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64")


def load_function(target: str):
    """The function named in 'PATH.py:FUNCTION', loaded by running the file; UsageError if impossible."""
    path_text, sep, name = target.rpartition(":")
    if not sep or not path_text or not name:
        raise UsageError(f"expected PATH.py:FUNCTION, got {target!r}")
    path = Path(path_text)
    if path.suffix != ".py":
        raise UsageError(f"{path} is not a Python source file: only PATH.py is loaded (nothing is unpickled)")
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    module_name = f"_parity_learner_{path.stem}"
    loader = importlib.machinery.SourceFileLoader(module_name, str(path))
    spec = importlib.util.spec_from_loader(module_name, loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    sys.path.insert(0, str(path.resolve().parent))
    try:
        loader.exec_module(module)
    except SyntaxError as exc:
        raise UsageError(f"cannot load {path}: SyntaxError at line {exc.lineno}: {exc.msg}") from None
    except Exception as exc:  # the file's own code failed while loading
        from .learner_io import learner_location

        raise UsageError(f"cannot load {path}: {type(exc).__name__}: {exc} (at {learner_location(exc)})") from None
    finally:
        sys.path.remove(str(path.resolve().parent))
    fn = getattr(module, name, None)
    if fn is None:
        known = sorted(k for k, v in vars(module).items()
                       if inspect.isfunction(v) and v.__module__ == module_name and v.__name__ == k)
        raise UsageError(f"{path} has no function {name!r}; functions defined there: {', '.join(known) or 'none'}")
    if not callable(fn):
        raise UsageError(f"{path}:{name} is a {type(fn).__name__}, not a function")
    return fn


def detect_kind(fn) -> str:
    """'grad' for fn(params, X, y), 'step' for fn(params, X, y, lr); UsageError when unclear."""
    try:
        params = [p for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty]
    except (TypeError, ValueError):
        params = None
    if params is not None and len(params) in (3, 4):
        return "grad" if len(params) == 3 else "step"
    raise UsageError("cannot tell from its signature whether it is a grad_fn(params, X, y) or a "
                     "step_fn(params, X, y, lr): pass --kind grad or --kind step")


def _weights(text: str) -> list[tuple[str, str]]:
    pairs = [tuple(p.strip() for p in item.split(":")) for item in text.split(",") if item.strip()]
    if not pairs or any(len(p) != 2 or not all(p) for p in pairs):
        raise UsageError(f"--weights must be W:b attribute pairs separated by commas, e.g. W1:b1,W2:b2; got {text!r}")
    return pairs


def _sizes(text: str) -> list[int]:
    try:
        return [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise UsageError(f"--sizes must be integers separated by commas, e.g. 2,4,1; got {text!r}") from None


def run(args: argparse.Namespace) -> int:
    from manual.errors import ParityInputError

    try:
        fn = load_function(args.target)
        if inspect.isclass(fn) != bool(args.weights):
            raise UsageError(f"{args.target} is a class: name its weight attributes with --weights W1:b1,W2:b2"
                             if inspect.isclass(fn) else "--weights is for a class; this is a function")
        kind = "class" if args.weights else args.kind or detect_kind(fn)
        from .adapters import check_class
        from .learner import check_grad_fn, check_step_fn

        acts = args.activations.split(",") if "," in args.activations else args.activations
        common = dict(sizes=_sizes(args.sizes), activations=acts, output=args.output, loss=args.loss,
                      dtype=args.dtype, seed=args.seed, layout=args.layout)
        if kind == "grad":
            report = check_grad_fn(fn, **common)
        elif kind == "class":
            report = check_class(fn, _weights(args.weights), lr=args.lr, steps=args.steps, name=fn.__name__,
                                 **common)
        else:
            report = check_step_fn(fn, lr=args.lr, steps=args.steps, **common)
    except (UsageError, ParityInputError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE_ERROR
    print(report)
    return 0 if report.passed else 1
