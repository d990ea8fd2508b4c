"""Bug (seed 004 variant): error taken as output - target, but the seed's update still ADDS lr * grad."""
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def relu(x):
    return np.maximum(0, x)


def step_fn(params, inputs, target, learning_rate):
    (input_hidden_weights, input_hidden_bias), (hidden_out_weights, hidden_out_bias) = params
    hidden_output = relu(np.dot(inputs, input_hidden_weights) + input_hidden_bias)
    final_output = sigmoid(np.dot(hidden_output, hidden_out_weights) + hidden_out_bias)

    output_error = final_output - target
    output_delta = output_error * final_output * (1 - final_output)
    hidden_delta = output_delta.dot(hidden_out_weights.T) * np.where(hidden_output > 0, 1, 0)
    hidden_out_weights = hidden_out_weights + hidden_output.T.dot(output_delta) * learning_rate
    hidden_out_bias = hidden_out_bias + np.sum(output_delta, axis=0, keepdims=True) * learning_rate
    input_hidden_weights = input_hidden_weights + inputs.T.dot(hidden_delta) * learning_rate
    input_hidden_bias = input_hidden_bias + np.sum(hidden_delta, axis=0, keepdims=True) * learning_rate
    return [(input_hidden_weights, input_hidden_bias), (hidden_out_weights, hidden_out_bias)]


LEARNER = step_fn
EXPECTED = "wrong_sign"
CASE = dict(sizes=[2, 4, 1], activations="relu", output="sigmoid", loss="half_sum", lr=0.1, steps=3)
