"""A script, not a module: it exits while being loaded."""
import sys

sys.exit(0)


def grad_fn(params, X, y):
    return None
