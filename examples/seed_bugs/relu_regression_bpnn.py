"""Seed 000 (relu函数bp神经网络python): BPNeuralNetwork as written, and its backward wrapped as a step_fn.

The class updates itself in backward(X, y, learning_rate). Its update is plain SGD on the
half-sum loss 0.5 * sum((yhat - y)**2) -- not on the MSELoss the same seed's torch version trains.
`step_fn_seed_y` feeds it y as the seed's own data pipeline makes it, 1-D (y.reshape(-1)).
The class itself can be checked too (`check ...:BPNeuralNetwork --weights ...`, see the README).
"""
import numpy as np


def relu(x):
    return np.maximum(0, x)


class BPNeuralNetwork:
    def __init__(self, input_num, hidden_num, output_num):
        self.input_hidden_weights = np.random.randn(input_num, hidden_num)
        self.hidden_output_weights = np.random.randn(hidden_num, output_num)
        self.hidden_bias = np.random.randn(hidden_num)
        self.output_bias = np.random.randn(output_num)

    def forward(self, X):
        self.hidden_layer = relu(np.dot(X, self.input_hidden_weights) + self.hidden_bias)
        self.output_layer = np.dot(self.hidden_layer, self.hidden_output_weights) + self.output_bias
        return self.output_layer

    def backward(self, X, y, learning_rate):
        output_error = self.output_layer - y
        hidden_error = np.dot(output_error, self.hidden_output_weights.T) * (self.hidden_layer > 0)
        self.hidden_output_weights -= learning_rate * np.dot(self.hidden_layer.T, output_error)
        self.input_hidden_weights -= learning_rate * np.dot(X.T, hidden_error)
        self.output_bias -= learning_rate * np.sum(output_error, axis=0)
        self.hidden_bias -= learning_rate * np.sum(hidden_error, axis=0)


def step_fn(params, X, y, lr):
    """One epoch of the seed's fit(): forward, then backward (which updates)."""
    (W1, b1), (W2, b2) = params
    net = BPNeuralNetwork(W1.shape[0], W1.shape[1], W2.shape[1])
    # the class owns its weights and updates them in place: it gets copies, as fit() would hold its own
    net.input_hidden_weights, net.hidden_bias, net.hidden_output_weights, net.output_bias = (
        W1.copy(), b1.copy(), W2.copy(), b2.copy())
    net.forward(X)
    net.backward(X, y, lr)
    return [(net.input_hidden_weights, net.hidden_bias), (net.hidden_output_weights, net.output_bias)]


def step_fn_seed_y(params, X, y, lr):
    """The same, fed the seed's 1-D y: (N, 1) - (N,) broadcasts to (N, N)."""
    return step_fn(params, X, y.reshape(-1), lr)
