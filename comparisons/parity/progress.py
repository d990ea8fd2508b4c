"""Progress while a long command runs: a tqdm bar on a terminal (with the unit being measured and an estimate
of the time left), one line per unit anywhere else (a log, a pipe, a terminal of unknown width), where a
redrawn bar would be noise or nothing."""
from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")


def progress(units: Sequence[T], describe: Callable[[T], str], what: str) -> Iterator[T]:
    """Yield each unit after showing it as `what [k/n] describe(unit)`, on stderr. Close the iterator when
    stopping early (Ctrl-C), so that the bar is finished before anything else is printed."""
    if sys.stderr.isatty() and _width() > 0:
        from tqdm import tqdm

        tqdm.monitor_interval = 0       # no monitor thread waking up while something is being timed
        with tqdm(units, desc=what, unit=" unit", file=sys.stderr, dynamic_ncols=True) as bar:
            for unit in bar:
                bar.set_postfix_str(describe(unit))
                yield unit
        return
    for k, unit in enumerate(units, 1):
        print(f"{what} [{k}/{len(units)}] {describe(unit)}", file=sys.stderr, flush=True)
        yield unit


def _width() -> int:
    """stderr's terminal width; 0 when unknown (a pseudo-terminal nobody sized draws an empty bar)."""
    try:
        return os.get_terminal_size(sys.stderr.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return 80       # a stream that says it is a terminal but has no descriptor (a test's stand-in)
