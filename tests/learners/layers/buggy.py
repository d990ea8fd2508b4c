"""Buggy CS231n-style layer functions, one classic mistake each, written for the layer checks' tests.
BUGGY lists (name, layer, forward, backward, expected label, words the diagnosis must contain)."""
import numpy as np

from . import cs231n as ok


def affine_backward_flat_dx(dout, cache):
    x, w, b = cache
    return dout @ w.T, x.reshape(x.shape[0], -1).T @ dout, dout.sum(0)


def affine_backward_db_mean(dout, cache):
    dx, dw, _ = ok.affine_backward(dout, cache)
    return dx, dw, dout.mean(axis=0)


def affine_backward_dw_transposed(dout, cache):
    x, w, b = cache
    dx, _, db = ok.affine_backward(dout, cache)
    return dx, dout.T @ x.reshape(x.shape[0], -1), db


def affine_backward_db_per_row(dout, cache):
    dx, dw, _ = ok.affine_backward(dout, cache)
    return dx, dw, dout


def affine_backward_dw_over_n(dout, cache):
    dx, dw, db = ok.affine_backward(dout, cache)
    return dx, dw / dout.shape[0], db


def relu_backward_mask_from_dout(dout, cache):
    return dout * (dout > 0)


def relu_backward_in_place(dout, cache):
    cache[cache <= 0] = 0            # writes into the x that forward was given
    return dout * (cache > 0)


def softmax_loss_not_over_n(x, y):
    loss, dx = ok.softmax_loss(x, y)
    return loss, dx * x.shape[0]


def softmax_loss_unstable(x, y):
    n = x.shape[0]
    p = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), y]).mean()
    p[np.arange(n), y] -= 1
    return loss, p / n


def svm_loss_own_margin(x, y):
    n = x.shape[0]
    margins = np.maximum(0, x - x[np.arange(n), y][:, None] + 1.0)
    _, dx = ok.svm_loss(x, y)
    return margins.sum() / n, dx


def batchnorm_backward_constant_stats(dout, cache):
    xhat, gamma, std = cache
    return dout * gamma / std, (dout * xhat).sum(0), dout.sum(0)


def batchnorm_forward_torch_momentum(x, gamma, beta, bn_param):
    old = bn_param["running_mean"].copy(), bn_param["running_var"].copy()
    out, cache = ok.batchnorm_forward(x, gamma, beta, bn_param)
    m = bn_param["momentum"]
    if bn_param["mode"] == "train":
        bn_param["running_mean"] = (1 - m) * old[0] + m * x.mean(0)
        bn_param["running_var"] = (1 - m) * old[1] + m * x.var(0)
    return out, cache


def dropout_backward_unscaled(dout, cache):
    dropout_param, mask = cache
    return dout * (mask != 0) if dropout_param["mode"] == "train" else dout


def dropout_forward_drop_prob(x, dropout_param):
    p = dropout_param["p"]
    if dropout_param["mode"] != "train":
        return x, (dropout_param, None)
    mask = (np.random.rand(*x.shape) >= p) / (1 - p)     # torch's meaning of p: drop with probability p
    return x * mask, (dropout_param, mask)


def conv_backward_padded_dx(dout, cache):
    x, w, b, conv_param = cache
    pad = conv_param["pad"]
    dx, dw, db = ok.conv_backward_naive(dout, cache)
    return np.pad(dx, ((0, 0), (0, 0), (pad, pad), (pad, pad))), dw, db


def max_pool_backward_overwrite(dout, cache):
    x, pool_param = cache
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            window = x[:, :, i * s:i * s + ph, j * s:j * s + pw]
            is_max = window == window.max(axis=(2, 3), keepdims=True)
            region = dx[:, :, i * s:i * s + ph, j * s:j * s + pw]
            region[is_max] = np.broadcast_to(dout[:, :, i:i + 1, j:j + 1], window.shape)[is_max]   # = instead of +=
    return dx


BUGGY = [
    ("affine_flat_dx", "affine", ok.affine_forward, affine_backward_flat_dx, "bad_shape", "not reshaped"),
    ("affine_db_mean", "affine", ok.affine_forward, affine_backward_db_mean, "bias_not_summed", "averages"),
    ("affine_dw_transposed", "affine", ok.affine_forward, affine_backward_dw_transposed, "transposed", "transpose"),
    ("affine_db_per_row", "affine", ok.affine_forward, affine_backward_db_per_row, "bias_not_summed", "per sample"),
    ("affine_dw_over_n", "affine", ok.affine_forward, affine_backward_dw_over_n, "wrong_scale", "divided by N"),
    ("relu_mask_from_dout", "relu", ok.relu_forward, relu_backward_mask_from_dout, "wrong_activation_derivative",
     "from dout"),
    ("relu_in_place", "relu", ok.relu_forward, relu_backward_in_place, "mutates_input", "changed by backward"),
    ("softmax_not_over_n", "softmax_loss", softmax_loss_not_over_n, None, "wrong_scale", "not divided by N"),
    ("softmax_unstable", "softmax_loss", softmax_loss_unstable, None, "non_finite", "row's max"),
    ("svm_own_margin", "svm_loss", svm_loss_own_margin, None, "unknown", "own margin"),
    ("bn_constant_stats", "batchnorm", ok.batchnorm_forward, batchnorm_backward_constant_stats, "unknown",
     "treated as constants"),
    ("bn_torch_momentum", "batchnorm", batchnorm_forward_torch_momentum, ok.batchnorm_backward, "unknown",
     "wrong way round"),
    ("dropout_unscaled", "dropout", ok.dropout_forward, dropout_backward_unscaled, "wrong_scale", "without the 1/p"),
    ("dropout_drop_prob", "dropout", dropout_forward_drop_prob, ok.dropout_backward, "wrong_scale",
     "probability of dropping"),
    ("conv_padded_dx", "conv", ok.conv_forward_naive, conv_backward_padded_dx, "bad_shape", "padding"),
    ("max_pool_overwrite", "max_pool", ok.max_pool_forward_naive, max_pool_backward_overwrite, "unknown",
     "overwrites"),
]
