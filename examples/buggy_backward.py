"""A learner's 2-4-4-1 tanh network, written in seed 001's style: forward caches, *_backward(dA, cache).

Check it:  python -m comparisons check examples/buggy_backward.py:grad_fn --sizes 2,4,4,1 --activations tanh --loss mse
"""
import numpy as np


def linear_forward(A, W, b):
    return A @ W + b, (A, W)


def tanh_forward(Z):
    return np.tanh(Z), Z


def tanh_backward(dA, cache):
    Z = cache
    return dA * (1 - Z ** 2)        # the derivative of tanh ... evaluated on Z


def linear_backward(dZ, cache):
    A, W = cache
    return dZ @ W.T, A.T @ dZ, dZ.sum(axis=0)


def grad_fn(params, X, y):
    (W1, b1), (W2, b2), (W3, b3) = params
    Z1, lin1 = linear_forward(X, W1, b1)
    A1, act1 = tanh_forward(Z1)
    Z2, lin2 = linear_forward(A1, W2, b2)
    A2, act2 = tanh_forward(Z2)
    yhat, lin3 = linear_forward(A2, W3, b3)
    loss = np.mean((yhat - y) ** 2)

    dyhat = 2 * (yhat - y) / y.size
    dA2, dW3, db3 = linear_backward(dyhat, lin3)
    dA1, dW2, db2 = linear_backward(tanh_backward(dA2, act2), lin2)
    _, dW1, db1 = linear_backward(tanh_backward(dA1, act1), lin1)
    return loss, [(dW1, db1), (dW2, db2), (dW3, db3)]
