"""Correct: seed 004's weight tuples; delta from (target - output), so the update ADDS lr * grad."""
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def relu(x):
    return np.maximum(0, x)


def sigmoid_back(x):
    return x * (1 - x)


def relu_back(x):
    return np.where(x > 0, 1, 0)


def backward(inputs, hidden_output, final_output, target, hidden_out_weights):
    output_error = target - final_output
    output_delta = output_error * sigmoid_back(final_output)
    hidden_error = output_delta.dot(hidden_out_weights.T)
    hidden_delta = hidden_error * relu_back(hidden_output)
    return output_delta, hidden_delta


def step_fn(params, inputs, target, learning_rate):
    (input_hidden_weights, input_hidden_bias), (hidden_out_weights, hidden_out_bias) = params
    hidden_output = relu(np.dot(inputs, input_hidden_weights) + input_hidden_bias)
    final_output = sigmoid(np.dot(hidden_output, hidden_out_weights) + hidden_out_bias)
    output_delta, hidden_delta = backward(inputs, hidden_output, final_output, target, hidden_out_weights)
    hidden_out_weights = hidden_out_weights + hidden_output.T.dot(output_delta) * learning_rate
    hidden_out_bias = hidden_out_bias + np.sum(output_delta, axis=0, keepdims=True) * learning_rate
    input_hidden_weights = input_hidden_weights + inputs.T.dot(hidden_delta) * learning_rate
    input_hidden_bias = input_hidden_bias + np.sum(hidden_delta, axis=0, keepdims=True) * learning_rate
    return [(input_hidden_weights, input_hidden_bias), (hidden_out_weights, hidden_out_bias)]


LEARNER = step_fn
CASE = dict(sizes=[2, 4, 1], activations="relu", output="sigmoid", loss="half_sum", lr=0.1, steps=3)
