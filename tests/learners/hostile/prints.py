"""Correct, but floods the terminal: 120 000 lines while loading, and C-level writes to fd 1 and 2."""
import os

from helpers import grad_fn as correct

for epoch in range(120_000):
    print(f"epoch {epoch} loss 0.25")


def grad_fn(params, X, y):
    os.write(1, b"written to fd 1 directly\n")
    os.write(2, b"written to fd 2 directly\n")
    return correct(params, X, y)
