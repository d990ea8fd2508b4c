"""Learners whose process dies or runs out of memory, or that raise KeyboardInterrupt themselves."""
import os
import signal

import numpy as np


def grad_fn_segfault(params, X, y):
    os.kill(os.getpid(), signal.SIGSEGV)


def grad_fn_killed(params, X, y):
    os.kill(os.getpid(), signal.SIGKILL)


def grad_fn_memory(params, X, y):
    buffer = np.ones(2 ** 28)   # 2 GiB
    return buffer


def grad_fn_interrupt(params, X, y):
    raise KeyboardInterrupt
