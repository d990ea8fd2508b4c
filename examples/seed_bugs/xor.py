"""Seed 004 (numpy实现神经网络): XOR with a ReLU hidden layer and a sigmoid output, as written.

`train_epoch` is one pass of the seed's train() loop, `targets` typo included (NameError);
`train_epoch_fixed` reads `target`. The update adds lr * (target - output) terms: SGD on 0.5 * sum((output - target)**2).
"""
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def relu(x):
    return np.maximum(0, x)


def sigmoid_back(x):
    return x * (1 - x)


def relu_back(x):
    return np.where(x > 0, 1, 0)


def forward(inputs, input_hidden_weights, input_hidden_bias, hidden_out_weights, hidden_out_bias):
    hidden_input = np.dot(inputs, input_hidden_weights) + input_hidden_bias
    hidden_output = relu(hidden_input)
    final_input = np.dot(hidden_output, hidden_out_weights) + hidden_out_bias
    final_output = sigmoid(final_input)
    return hidden_output, final_output


def backward(inputs, hidden_output, final_output, target, hidden_out_weights):
    output_error = target - final_output
    output_delta = output_error * sigmoid_back(final_output)
    hidden_error = output_delta.dot(hidden_out_weights.T)
    hidden_delta = hidden_error * relu_back(hidden_output)
    return output_delta, hidden_delta


def update(inputs, hidden_output, output_delta, hidden_delta, input_hidden_weights, input_hidden_bias,
           hidden_output_weights, hidden_output_bias, learning_rate):
    hidden_output_weights = hidden_output_weights + hidden_output.T.dot(output_delta) * learning_rate
    hidden_output_bias = hidden_output_bias + np.sum(output_delta, axis=0, keepdims=True) * learning_rate
    input_hidden_weights = input_hidden_weights + inputs.T.dot(hidden_delta) * learning_rate
    input_hidden_bias = input_hidden_bias + np.sum(hidden_delta, axis=0, keepdims=True) * learning_rate
    return input_hidden_weights, input_hidden_bias, hidden_output_weights, hidden_output_bias


def _epoch(params, inputs, target, learning_rate):
    """The body of the seed's train() loop up to the loss line."""
    (input_hidden_weights, input_hidden_bias), (hidden_output_weights, hidden_output_bias) = params
    hidden_output, final_output = forward(inputs, input_hidden_weights, input_hidden_bias,
                                          hidden_output_weights, hidden_output_bias)
    output_delta, hidden_delta = backward(inputs, hidden_output, final_output, target, hidden_output_weights)
    p = update(inputs, hidden_output, output_delta, hidden_delta, input_hidden_weights, input_hidden_bias,
               hidden_output_weights, hidden_output_bias, learning_rate)
    return [(p[0], p[1]), (p[2], p[3])], final_output


def train_epoch(params, inputs, target, learning_rate):
    """One epoch of train(), as written."""
    new_params, final_output = _epoch(params, inputs, target, learning_rate)
    loss = np.mean(np.square(targets - final_output))  # noqa: F821,F841 -- the seed's line, typo and all
    return new_params


def train_epoch_fixed(params, inputs, target, learning_rate):
    """One epoch of train() with `target` spelled right."""
    new_params, final_output = _epoch(params, inputs, target, learning_rate)
    loss = np.mean(np.square(target - final_output))  # noqa: F841 (the seed prints it every 100 epochs)
    return new_params
