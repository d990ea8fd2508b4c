"""Seed 004 (numpy实现神经网络): XOR with a ReLU hidden layer and a sigmoid output, as written.

The seed's forward, backward and update (indentation restored, nothing else) live in manual/seeds/xor.py;
here is one pass of its train() loop in the learner's shape. `train_epoch` keeps the seed's `targets`
typo (NameError); `train_epoch_fixed` reads `target`. The update adds lr * (target - output) terms:
SGD on 0.5 * sum((output - target)**2).
"""
import numpy as np

from manual.seeds.xor import backward, forward, update


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
