"""Bug: CS231n's svm_loss_naive with loops: the loss is divided by the number of samples, the gradient is
not (the dW /= num_train line forgotten)."""
import numpy as np


def svm_loss(x, y):
    num_train, num_classes = x.shape
    loss, dx = 0.0, np.zeros_like(x)
    for i in range(num_train):
        correct = x[i, y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = x[i, j] - correct + 1
            if margin > 0:
                loss += margin
                dx[i, j] += 1
                dx[i, y[i]] -= 1
    return loss / num_train, dx


LEARNER = (svm_loss,)
CHECK = "layer_fn"
EXPECTED = "wrong_scale"
CASE = dict(layer="svm_loss")
