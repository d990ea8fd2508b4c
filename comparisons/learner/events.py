"""When a call of the learner ends with neither a return value nor an ordinary exception.

The learner's code may exit (sys.exit, os._exit), hang, crash its process, run out of memory or raise
KeyboardInterrupt. Each is a LearnerEvent with its own label (EVENT_LABELS, declared in labels.py). After one,
the learner is not called again: its process is gone or in an unknown state, and nothing it would
return afterwards could be trusted. Standard library only: the learner's worker process builds them too.
"""
from __future__ import annotations

import signal

from .labels import CRASHED, EXITED, INTERRUPTED, OUT_OF_MEMORY, TIMED_OUT, produces

HEADLINES = {EXITED: "exited", TIMED_OUT: "timed out", CRASHED: "crashed", OUT_OF_MEMORY: "ran out of memory",
             INTERRUPTED: "raised KeyboardInterrupt"}   # per event label, what the learner did: 'grad_fn exited'
EVENT_LABELS = produces(__name__, *HEADLINES)


class LearnerEvent(Exception):
    """A call that ended the learner's run. `what` says what happened ('called sys.exit(0)'), `context`
    where in the check ('on N=3, call 1 of grad_fn', set by the Case), `where` the learner's line when known,
    `hint` what to do about it."""

    def __init__(self, label: str, what: str, hint: str, where: str = ""):
        assert label in EVENT_LABELS, label
        super().__init__(what)
        self.label, self.what, self.hint, self.where = label, what, hint, where
        self.context = ""

    @property
    def headline(self) -> str:
        """'exited', 'timed out', ...: 'grad_fn exited'."""
        return HEADLINES[self.label]

    def __str__(self) -> str:
        return f"{self.what} {self.context}".strip()



_EXIT_HINT = ("a checked function must return its result; exiting ends the process, and exit code 0 reads as "
              "success to any script that runs it: remove the exit, or keep script code under "
              "`if __name__ == \"__main__\":`")


def exited(code: object, where: str = "") -> LearnerEvent:
    """SystemExit raised by the learner: sys.exit(code), exit(), raise SystemExit(code)."""
    if code is None or isinstance(code, int):
        what = f"exited (SystemExit, code {code or 0})"
    else:   # sys.exit("message"): the message goes to stderr, the code is 1
        what = f"exited (SystemExit({str(code)[:80]!r}), code 1)"
    return LearnerEvent(EXITED, what, _EXIT_HINT, where)


def process_exited(code: int) -> LearnerEvent:
    """The learner's process ended without answering: os._exit(code), or an exit from C code."""
    return LearnerEvent(EXITED, f"ended its process (exit code {code}, no traceback: os._exit or C code)",
                        _EXIT_HINT)


def interrupted(where: str = "") -> LearnerEvent:
    """KeyboardInterrupt raised inside the learner's code (not a Ctrl-C of the check's own process)."""
    return LearnerEvent(INTERRUPTED, "raised KeyboardInterrupt",
                        "your code raised KeyboardInterrupt (or its own SIGINT): that stops a training loop, so "
                        "the check stops too; remove the raise, the os.kill or the signal handler", where)


def out_of_memory(detail: str, memory_mb: int | None = None, where: str = "") -> LearnerEvent:
    """MemoryError in the learner's code, or its process killed at the memory limit."""
    limit = f"your process may use {memory_mb} MiB (--memory-mb); " if memory_mb else ""
    return LearnerEvent(OUT_OF_MEMORY, f"ran out of memory ({detail})",
                        f"{limit}the check's networks are tiny, so an array far larger than the network (an (N, N) "
                        "broadcast, a loop that keeps every step's arrays) is the likely cause", where)


def timed_out(seconds: float, where: str = "") -> LearnerEvent:
    """No answer within the per-call time limit; the process was killed."""
    return LearnerEvent(TIMED_OUT, f"did not return within {seconds:g} s",
                        "its process was stopped (at the line shown, when known): an endless loop (a while loop "
                        "whose condition never changes) or a wait for something that never comes? If the code "
                        "is only slow, raise the limit with --timeout SECONDS", where)


def crashed(returncode: int, memory_mb: int | None = None, where: str = "") -> LearnerEvent:
    """The process died from a signal (returncode -N, as subprocess reports it)."""
    try:
        sig = signal.Signals(-returncode)
        name = f"{sig.name} ({signal.strsignal(sig)})"
    except ValueError:
        name = f"signal {-returncode}"
    hint = ("a crash inside C code (a ctypes call, a broken extension module) or a signal sent to the "
            "process; the check's own process is unharmed")
    if returncode == -signal.SIGKILL and memory_mb:
        hint = (f"SIGKILL comes from outside: often the system's out-of-memory killer (your process may use "
                f"{memory_mb} MiB, --memory-mb); else an os.kill")
    return LearnerEvent(CRASHED, f"was killed by {name}", hint, where)


def broken(reason: str) -> LearnerEvent:
    """The worker's answer could not be read (the process wrote over the channel, or closed it)."""
    return LearnerEvent(CRASHED, f"sent an answer that could not be read ({reason})",
                        "the learner's process broke the channel the check talks to it through: does your code "
                        "close file descriptors or write to them directly?")


def event_from(exc: BaseException, where: str = "", memory_mb: int | None = None) -> LearnerEvent | None:
    """The event for an exception caught from the learner's code in this process, else None."""
    if isinstance(exc, SystemExit):
        return exited(exc.code, where)
    if isinstance(exc, KeyboardInterrupt):
        return interrupted(where)
    if isinstance(exc, MemoryError):
        return out_of_memory(f"MemoryError: {exc}" if str(exc) else "MemoryError", memory_mb, where)
    return None


class CheckInterrupted(KeyboardInterrupt):
    """Ctrl-C in the check's own process while the learner ran: the check ends, with no verdict.
    `where` is the learner's line at that moment; `context` says what ran ('check_runs', 'on N=3, call 1
    of grad_fn'), filled in on the way up."""

    def __init__(self, where: str = ""):
        super().__init__(where)
        self.where, self.context = where, []

    def lines(self) -> list[str]:
        """['running   check_runs, on N=3, call 1 of grad_fn', 'at        loops.py:4 in grad_fn: while True:']."""
        return ([f"running   {', '.join(self.context)}"] if self.context else []) + (
            [f"at        {self.where}"] if self.where else [])
