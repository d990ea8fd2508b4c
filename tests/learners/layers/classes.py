"""Layer objects in the Layer-list style (forward(x), backward(dout), parameters and gradients as
attributes), correct and buggy, written for the layer checks' tests."""
import numpy as np


class Dense:
    """x @ W + b, W (in, out); gradients dW, db."""

    def __init__(self, n_in=3, n_out=2):
        self.W, self.b = np.zeros((n_in, n_out)), np.zeros(n_out)

    def forward(self, x):
        self.x = x
        return x.reshape(len(x), -1) @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.reshape(len(self.x), -1).T @ dout
        self.db = dout.sum(axis=0)
        return (dout @ self.W.T).reshape(self.x.shape)


class TorchLinear:
    """torch's layout: weight (out, in), x @ weight.T + bias; gradients in grads['weight'], grads['bias']."""

    def __init__(self):
        self.weight, self.bias, self.grads = np.zeros((2, 3)), np.zeros(2), {}

    def forward(self, x):
        self.shape, self.x = x.shape, x.reshape(len(x), -1)
        return self.x @ self.weight.T + self.bias

    def backward(self, dout):
        self.grads = {"weight": dout.T @ self.x, "bias": dout.sum(0)}
        return (dout @ self.weight).reshape(self.shape)


class Kernel:
    """Attribute names the check cannot guess: kernel/offset, kernel_g/offset_g."""

    def __init__(self):
        self.kernel, self.offset = np.zeros((3, 2)), np.zeros(2)

    def forward(self, x):
        self.shape, self.x = x.shape, x.reshape(len(x), -1)
        return self.x @ self.kernel + self.offset

    def backward(self, dout):
        self.kernel_g, self.offset_g = self.x.T @ dout, dout.sum(0)
        return (dout @ self.kernel.T).reshape(self.shape)


class ReLU:
    def forward(self, x):
        self.mask = x > 0
        return x * self.mask

    def backward(self, dout):
        return dout * self.mask


class DenseAccumulating(Dense):
    """Buggy: the gradient buffer grows across calls (self.dW += ...), returned by reference."""

    def backward(self, dout):
        if getattr(self, "dW", None) is None or self.dW.shape != self.W.shape:
            self.dW, self.db = np.zeros_like(self.W), np.zeros_like(self.b)
        self.dW += self.x.reshape(len(self.x), -1).T @ dout
        self.db += dout.sum(axis=0)
        return (dout @ self.W.T).reshape(self.x.shape)


class DenseMeanBias(Dense):
    """Buggy: db = mean over the batch."""

    def backward(self, dout):
        dx = super().backward(dout)
        self.db = dout.mean(axis=0)
        return dx


class ReLUValue(ReLU):
    """Buggy: multiplies by the ReLU's value instead of its derivative."""

    def forward(self, x):
        self.out = np.maximum(x, 0)
        return self.out

    def backward(self, dout):
        return dout * self.out
