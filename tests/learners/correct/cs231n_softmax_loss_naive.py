"""Correct: CS231n's softmax_loss_naive style, explicit loops over samples and classes, checked as the
softmax_loss layer (x (N, C) scores, y (N,) class indices, mean over N)."""
import numpy as np


def softmax_loss(x, y):
    num_train, num_classes = x.shape
    loss, dx = 0.0, np.zeros_like(x)
    for i in range(num_train):
        scores = x[i] - np.max(x[i])
        total = 0.0
        for j in range(num_classes):
            total += np.exp(scores[j])
        loss += -scores[y[i]] + np.log(total)
        for j in range(num_classes):
            p = np.exp(scores[j]) / total
            dx[i, j] += p - (j == y[i])
    return loss / num_train, dx / num_train


LEARNER = (softmax_loss,)
CHECK = "layer_fn"
CASE = dict(layer="softmax_loss")
