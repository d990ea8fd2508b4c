"""Correct, but imports its helper inside the function: found only while this file's folder stays on
sys.path for the whole check, whatever the working directory."""


def grad_fn(params, X, y):
    from helpers import grad_fn as correct

    return correct(params, X, y)
