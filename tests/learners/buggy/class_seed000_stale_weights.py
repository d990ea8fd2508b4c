"""Bug (seed 000 reordered): output weights are updated before hidden_error is computed from them."""
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
        self.hidden_output_weights -= learning_rate * np.dot(self.hidden_layer.T, output_error)
        self.output_bias -= learning_rate * np.sum(output_error, axis=0)
        hidden_error = np.dot(output_error, self.hidden_output_weights.T) * (self.hidden_layer > 0)
        self.input_hidden_weights -= learning_rate * np.dot(X.T, hidden_error)
        self.hidden_bias -= learning_rate * np.sum(hidden_error, axis=0)


LEARNER = BPNeuralNetwork
PARAM_NAMES = [("input_hidden_weights", "hidden_bias"), ("hidden_output_weights", "output_bias")]
EXPECTED = "stale_weights"
CASE = dict(sizes=[3, 6, 2], activations="relu", output="identity", loss="half_sum", lr=0.05, steps=3)
