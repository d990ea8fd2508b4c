"""The learner's side of the check command: a process that loads the learner's file and calls it.

    python -P -m comparisons.learner.worker CHANNEL_FD TRACE_FD MEMORY_MB

Started by process.LearnerProcess, one per check, with stdin /dev/null and stdout/stderr going to
a capture file. It answers requests on the channel (a socket, multiprocessing framing, pickled tuples):

    ("load", target, kind, weights, layout) -> ("loaded", kind, name) | ("refused", message)
    ("call", params, X, y, lr)              -> ("returned", value, inputs) | ("raised", type, message,
                                               is_setup_error, where, inputs) | ("event", label, what, hint, where)

`inputs` is (params, X, y) as the call left them, so the check sees in-place changes. Ctrl-C is the
check's business (SIGINT is ignored here); faulthandler writes a traceback to TRACE_FD on a crash or on
SIGUSR1 (sent before a timed-out call is killed), so the check can say which line was running.
"""
from __future__ import annotations

import faulthandler
import os
import pickle
import resource
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection

import numpy as np

from .class_adapter import LearnerSetupError
from .events import event_from
from .source import UsageError, load_function, prepare
from .trace import learner_location, learner_name
from .wire import describe_exception, dumps, plain
from ..wording import speaking_cli

OUTPUT_CAP = 64 * 2 ** 20   # bytes a learner may write to files (its captured output included)
MEMORY_MB = 0               # the learner's memory limit, set by main (0: none)


def _watch_parent(parent: int) -> None:
    """Exit when the check's process is gone, even while the learner loops forever."""
    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(70)

    threading.Thread(target=watch, daemon=True).start()


def _limit(memory_mb: int) -> None:
    """The learner's address space (0: no limit) and the size of any file it writes (SIGXFSZ ignored, so
    a write past the cap fails with an OSError in the learner's code instead of killing the process)."""
    if memory_mb > 0:
        limit = memory_mb * 2 ** 20
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
    resource.setrlimit(resource.RLIMIT_FSIZE, (OUTPUT_CAP if hard == resource.RLIM_INFINITY else min(OUTPUT_CAP, hard),
                                               hard))


def _load(target: str, kind: str | None, weights, layout: str):
    """(answer, callable or None)."""
    try:
        fn = load_function(target, keep_path=True)
        learner, kind = prepare(fn, kind=kind, weights=weights, layout=layout)
    except UsageError as exc:
        return ("refused", str(exc)), None
    name = fn.__name__ if kind == "class" else learner_name(fn)
    return ("loaded", kind, name), learner


def _call(fn, params, X, y, lr):
    """Call the learner once and describe the outcome as plain values."""
    try:
        with np.errstate(all="ignore"):
            value = fn(params, X, y) if lr is None else fn(params, X, y, lr)
    except (SystemExit, KeyboardInterrupt, MemoryError) as exc:
        event = event_from(exc, learner_location(exc), MEMORY_MB)
        return "event", event.label, event.what, event.hint, event.where
    except BaseException as exc:  # the learner's own exception: reported, never fatal here
        setup = isinstance(exc, LearnerSetupError)
        return ("raised", *describe_exception(exc), setup, "" if setup else learner_location(exc),
                plain((params, X, y)))
    return "returned", plain(value), plain((params, X, y))


def serve(channel: Connection) -> None:
    """Answer requests until the check closes the channel."""
    learner = None
    channel.send_bytes(dumps(("ready",)))
    while True:
        try:
            request = pickle.loads(channel.recv_bytes())   # from the check's own process
        except EOFError:
            return
        if request[0] == "load":
            answer, learner = _load(*request[1:])
        else:
            answer = _call(learner, *request[1:])
        sys.stdout.flush()
        sys.stderr.flush()
        channel.send_bytes(dumps(answer))


def main(argv: list[str]) -> None:
    global MEMORY_MB
    channel_fd, trace_fd, MEMORY_MB = map(int, argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    trace = os.fdopen(trace_fd, "w")
    faulthandler.enable(trace, all_threads=True)
    faulthandler.register(signal.SIGUSR1, trace, all_threads=True)
    sys.dont_write_bytecode = True          # no __pycache__ next to the learner's file
    _watch_parent(os.getppid())
    _limit(MEMORY_MB)
    with speaking_cli():
        serve(Connection(channel_fd))


if __name__ == "__main__":
    main(sys.argv[1:])
