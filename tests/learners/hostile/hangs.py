"""Learners that never return: an endless loop, a question to stdin, a wait (for the Ctrl-C test)."""
import os
import time


def grad_fn(params, X, y):
    while True:
        pass


def grad_fn_input(params, X, y):
    lr = float(input("learning rate? "))
    return lr


def grad_fn_waits(params, X, y):
    with open(os.environ["PARITY_TEST_MARKER"], "w") as marker:   # tells the test the call has begun
        marker.write(str(os.getpid()))
    while True:
        time.sleep(0.01)
