"""The learner's code runs apart: one worker process per check (worker.py), called through a proxy.

    with LearnerProcess(timeout=60, memory_mb=4096) as worker:
        learner = worker.load("bugs.py:grad_fn", kind=None, weights=None, layout="row")
        report = check_grad_fn(learner, ..., name=learner.name)     # learner(params, X, y) runs there
    worker.captured.report_lines()                                  # what the learner printed, summarised

The check keeps the probes, torch and the diagnoses; it sends arrays and receives arrays. The worker
starts once (its start-up overlaps the check's own imports) and serves every call of the check. A call
that runs past `timeout` seconds is stopped (after asking faulthandler where it was); a process that
exits, dies from a signal or breaks the channel ends the learner's run: each is a LearnerEvent, raised
by the call, and later calls raise it again. Ctrl-C while the learner runs stops the worker and raises
CheckInterrupted. stdin is /dev/null (input() raises EOFError at once), and fds 1 and 2 go to a
temporary file, so print() and C-level output are captured, never shown, and summarised afterwards.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np

from .class_adapter import LearnerSetupError
from .events import CheckInterrupted, LearnerEvent, broken, crashed, process_exited, timed_out
from .labels import INTERRUPTED
from .source import UsageError
from .trace import frame_text, is_library
from .wire import dumps, loads, rebuild_exception
from .worker import OUTPUT_CAP

START_TIMEOUT = 120.0         # seconds for the worker to start (an interpreter and NumPy)
HEAD_LINES = 5                # lines of the learner's output shown in the report
MAX_ANSWER = 2 ** 30          # bytes in one answer of the worker
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")   # 1 unless set: tiny arrays
_TRACE_LINE = re.compile(r'^\s*File "(?P<file>.+)", line (?P<line>\d+) in (?P<name>.+)$')


@dataclass
class CapturedOutput:
    """What the learner's process wrote to stdout and stderr."""

    lines: int = 0
    head: list[str] = field(default_factory=list)
    capped: bool = False

    def report_lines(self) -> list[str]:
        """Header lines for a report ('output    your code printed 3 line(s) ...'), none when it printed nothing."""
        if not self.lines:
            return []
        shown = ":" if self.lines <= len(self.head) else f"; the first {len(self.head)}:"
        cap = f" (it reached the {OUTPUT_CAP >> 20} MiB cap: later writes failed)" if self.capped else ""
        return ([f"output    your code printed {self.lines} line(s) to stdout and stderr, captured{cap}{shown}"]
                + [f"          | {line}" for line in self.head])


def _read_output(fd: int, cap: int) -> CapturedOutput:
    size, offset, count, head, last = os.fstat(fd).st_size, 0, 0, b"", b"\n"
    while offset < size:
        chunk = os.pread(fd, 2 ** 20, offset)
        if not chunk:
            break
        count += chunk.count(b"\n")
        if head.count(b"\n") < HEAD_LINES:
            head += chunk[:4096]
        offset, last = offset + len(chunk), chunk[-1:]
    count += last != b"\n"
    text = head.decode("utf-8", "replace").split("\n")[:min(HEAD_LINES, count)]
    return CapturedOutput(count, [line if len(line) <= 120 else line[:117] + "..." for line in text], size >= cap)


class LearnerProcess:
    """The worker process of one check; see the module docstring. timeout: seconds per call of the learner
    (its file's loading included); memory_mb: the address space of its process (0: no limit)."""

    def __init__(self, *, timeout: float, memory_mb: int):
        self.timeout, self.memory_mb = timeout, memory_mb
        self.stopped: LearnerEvent | None = None
        self.captured = CapturedOutput()
        self._proc: subprocess.Popen | None = None

    def __enter__(self) -> LearnerProcess:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- the process --------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker; it imports NumPy while the caller goes on (load() waits for it)."""
        self._output, self._trace = tempfile.TemporaryFile(), tempfile.TemporaryFile()
        ours, theirs = socket.socketpair()
        root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ, PYTHONUNBUFFERED="1",
                   PYTHONPATH=os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p))
        for var in THREAD_VARS:
            env.setdefault(var, "1")
        with theirs:
            self._proc = subprocess.Popen(
                [sys.executable, "-P", "-m", "comparisons.learner.worker", str(theirs.fileno()),
                 str(self._trace.fileno()), str(self.memory_mb)],
                stdin=subprocess.DEVNULL, stdout=self._output, stderr=subprocess.STDOUT, env=env,
                pass_fds=(theirs.fileno(), self._trace.fileno()))
        self._channel = Connection(ours.detach())

    def close(self) -> None:
        """Stop the worker (it holds no state worth keeping) and keep a summary of its output."""
        if self._proc is None:
            return
        self._stop(trace=False)
        self._channel.close()
        self.captured = _read_output(self._output.fileno(), OUTPUT_CAP)
        self._output.close()
        self._trace.close()
        self._proc = None

    def _stop(self, *, trace: bool) -> str:
        """Kill the worker; with trace, first ask it where the learner is. Returns that line, or ''."""
        since = os.fstat(self._trace.fileno()).st_size
        if self._proc.poll() is None:
            if trace:
                self._proc.send_signal(signal.SIGUSR1)
                self._wait_for_trace(since)
            self._proc.kill()
        self._proc.wait()
        return self._trace_where(since)

    def _wait_for_trace(self, since: int, patience: float = 1.0) -> None:
        """faulthandler writes its traceback at once; wait until the file stops growing."""
        size, deadline = since, time.monotonic() + patience
        while time.monotonic() < deadline:
            time.sleep(0.02)
            now = os.fstat(self._trace.fileno()).st_size
            if now > since and now == size:
                return
            size = now

    def _trace_where(self, since: int) -> str:
        """The innermost learner frame in what faulthandler wrote after `since`."""
        size = os.fstat(self._trace.fileno()).st_size
        text = os.pread(self._trace.fileno(), size - since, since).decode("utf-8", "replace")
        for line in text.splitlines():   # most recent call first
            m = _TRACE_LINE.match(line)
            if m and not is_library(m["file"]):
                return frame_text(m["file"], int(m["line"]), m["name"])
        return ""

    def _fail(self, event: LearnerEvent) -> LearnerEvent:
        self.stopped = event
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        return event

    def _ended(self) -> LearnerEvent:
        """The event for a worker that stopped answering: its exit code, or the signal that killed it."""
        try:
            code = self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return self._fail(broken("the channel closed while the process still ran"))
        if code >= 0:
            return self._fail(process_exited(code))
        return self._fail(crashed(code, self.memory_mb, self._trace_where(0)))   # faulthandler's dump, if any

    def call(self, params, X, y, lr: float | None) -> tuple:
        """One call of the learner: ("returned", value, inputs) or ("raised", ..., inputs); LearnerEvent when
        the call ended the learner's run."""
        answer = self._request(("call", params, X, y, lr), self.timeout)
        if answer[0] == "event":
            raise self._fail(LearnerEvent(*answer[1:]))
        return answer

    def _request(self, message: tuple, timeout: float) -> tuple:
        """Send one request and wait for the answer; LearnerEvent when none comes."""
        if self.stopped is not None:
            raise self.stopped
        try:
            try:
                self._channel.send_bytes(dumps(message))
                if not self._channel.poll(timeout):
                    raise self._fail(timed_out(timeout, self._stop(trace=True)))
                return loads(self._channel.recv_bytes(MAX_ANSWER))
            except (EOFError, BrokenPipeError, ConnectionResetError):
                raise self._ended() from None
            except LearnerEvent:
                raise
            except Exception as exc:   # an answer too large or not ours: the channel is unusable
                raise self._fail(broken(f"{type(exc).__name__}: {exc}")) from None
        except KeyboardInterrupt:
            where = self._stop(trace=True)
            self.stopped = LearnerEvent(INTERRUPTED, "was stopped by Ctrl-C", "", where)
            raise CheckInterrupted(where) from None

    # ---- the learner --------------------------------------------------------------------------------
    def load(self, target: str, *, kind: str | None, weights, layout: str) -> RemoteLearner:
        """Load the learner's file in the worker; UsageError when it cannot be checked (the file's
        top-level code exiting, hanging or crashing included: nothing was checked)."""
        self._wait_ready()
        try:
            answer = self._request(("load", target, kind, weights, layout), self.timeout)
        except LearnerEvent as event:
            where = f" (at {event.where})" if event.where else ""
            raise UsageError(f"cannot load {target.rpartition(':')[0]}: it {event.what} while loading{where}; "
                             f"{event.hint}") from None
        if answer[0] == "refused":
            raise UsageError(answer[1])
        _, kind, name = answer
        return RemoteLearner(self, kind, name)

    def _wait_ready(self) -> None:
        """The worker's first answer says it started; one that cannot start is the harness's own failure."""
        answer = None
        if self._channel.poll(START_TIMEOUT):
            try:
                answer = loads(self._channel.recv_bytes(MAX_ANSWER))
            except EOFError:
                pass
        if answer != ("ready",):
            self._stop(trace=False)
            head = _read_output(self._output.fileno(), OUTPUT_CAP).head
            raise RuntimeError(f"the learner's worker process did not start: {' | '.join(head)}")


class RemoteLearner:
    """The learner as the checks call it, fn(params, X, y) or fn(params, X, y, lr); it runs in the worker.
    In-place changes the learner makes to params, X and y are copied back into the arrays passed."""

    def __init__(self, process: LearnerProcess, kind: str, name: str):
        self.process, self.kind, self.name = process, kind, name
        self.__name__ = self.__qualname__ = name

    def __call__(self, params, X, y, lr=None):
        answer = self.process.call(params, X, y, lr)
        _mirror_inputs((params, X, y), answer[-1])
        if answer[0] == "raised":
            _, type_name, message, setup, where, _ = answer
            raise LearnerSetupError(message) if setup else rebuild_exception(type_name, message, where)
        return answer[1]


def _mirror_array(ours: np.ndarray, theirs) -> None:
    if not isinstance(ours, np.ndarray) or not isinstance(theirs, np.ndarray):
        return
    if theirs.shape != ours.shape:
        try:
            ours.resize(theirs.shape, refcheck=False)
        except ValueError:   # it cannot take the learner's shape: the change still shows
            ours.fill(np.nan)
            return
    np.copyto(ours, theirs, casting="unsafe")


def _mirror_inputs(ours: tuple, theirs) -> None:
    """Make the params list, X and y we passed hold what the call left in the learner's copies."""
    params, X, y = ours
    their_params, their_X, their_y = theirs
    if isinstance(params, list) and isinstance(their_params, list):
        params[:] = their_params
    _mirror_array(X, their_X)
    _mirror_array(y, their_y)
