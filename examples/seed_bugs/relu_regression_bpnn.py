"""Seed 000 (relu函数bp神经网络python): BPNeuralNetwork's backward, as written, wrapped as a step_fn.

The class (manual/seeds/relu_regression.py holds it as the seed writes it) updates itself in
backward(X, y, learning_rate). Its update is plain SGD on the half-sum loss 0.5 * sum((yhat - y)**2),
not on the MSELoss the same seed's torch version trains. `step_fn_seed_y` feeds it y as the seed's own
data pipeline makes it, 1-D (y.reshape(-1)).
"""
from manual.seeds.relu_regression import BPNeuralNetwork


def step_fn(params, X, y, lr):
    """One epoch of the seed's fit(): forward, then backward (which updates)."""
    (W1, b1), (W2, b2) = params
    net = BPNeuralNetwork.__new__(BPNeuralNetwork)      # the weights are given, not drawn by __init__
    net.input_hidden_weights, net.hidden_bias, net.hidden_output_weights, net.output_bias = W1, b1, W2, b2
    net.forward(X)
    net.backward(X, y, lr)
    return [(net.input_hidden_weights, net.hidden_bias), (net.hidden_output_weights, net.output_bias)]


def step_fn_seed_y(params, X, y, lr):
    """The same, fed the seed's 1-D y: (N, 1) - (N,) broadcasts to (N, N)."""
    return step_fn(params, X, y.reshape(-1), lr)
