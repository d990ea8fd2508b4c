"""The seeds' own torch code, kept as the seeds wrote it, so parity is shown against it and not only
against our nn.Sequential mirrors.

- 000 (000_b99eafc7363a396f.txt): class Net, trained with SGD(lr=0.01) on MSELoss(outputs.squeeze(), y).
- 003 (003_a0f582b5bbd3ad55.txt): column-major functional code, w2 @ tanh(w1 @ x + b1) + b2, updated by
  w.data = w.data - w.grad * lr (the stripped minus signs restored).

Each trainer has the harness's Trainer shape: step(X, y) -> loss and params() -> {state_dict name: array in
manual's layout}, taking row-major data and converting at its own boundary. Weights are drawn in float32,
as the seeds draw them, and cast to the requested dtype afterwards (so float32 and float64 runs start
from the same numbers).
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim

from manual.layout import batch_to_column_major, params_from_column_major


# ---- 000: the seed's Net ---------------------------------------------------------------------------
class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(2, 2)  # 输入层到隐藏层
        self.relu = nn.ReLU()  # 隐藏层的激活函数
        self.fc2 = nn.Linear(2, 1)  # 隐藏层到输出层

    def forward(self, x):
        x = self.fc1(x)
        x = self.relu(x)
        x = self.fc2(x)
        return x


def relu_regression_net(seed: int = 0) -> Net:
    """Net() right after torch.manual_seed(seed): the weights the seed's script would start from."""
    torch.manual_seed(seed)
    return Net()


class ReluRegressionTrainer:
    """The seed's training loop body: zero_grad, net(FloatTensor(X)), MSELoss(outputs.squeeze(), y),
    backward, step. dtype float32 is the seed's; float64 runs the same code in double."""

    def __init__(self, dtype=torch.float32, seed: int = 0, lr: float = 0.01):
        self.dtype = dtype
        self.net = relu_regression_net(seed).to(dtype)
        self.optimizer = optim.SGD(self.net.parameters(), lr=lr)
        self.criterion = nn.MSELoss()

    def step(self, X, y):
        self.optimizer.zero_grad()
        outputs = self.net(torch.as_tensor(X, dtype=self.dtype))
        loss = self.criterion(outputs.squeeze(), torch.as_tensor(y.reshape(-1), dtype=self.dtype))
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def params(self):
        sd = {k: v.detach().numpy().copy() for k, v in self.net.state_dict().items()}
        return {"0.weight": sd["fc1.weight"].T.copy(), "0.bias": sd["fc1.bias"],
                "2.weight": sd["fc2.weight"].T.copy(), "2.bias": sd["fc2.bias"]}

    def predict(self, X):
        with torch.no_grad():
            return self.net(torch.as_tensor(X, dtype=self.dtype)).numpy()


def run_relu_regression_seed(epochs: int = 1000, seed: int = 0) -> dict:
    """The seed's whole torch script (data, training, test loss, hand-written R^2), printing nothing."""
    from sklearn.datasets import make_regression
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = make_regression(n_samples=100, n_features=2, noise=0.1, random_state=1)
    scaler = StandardScaler()
    X = scaler.fit_transform(X)
    y = scaler.fit_transform(y.reshape(-1, 1)).reshape(-1)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=1)
    net = relu_regression_net(seed)
    optimizer = optim.SGD(net.parameters(), lr=0.01)
    criterion = nn.MSELoss()
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        outputs = net(torch.FloatTensor(X_train))
        loss = criterion(outputs.squeeze(), torch.FloatTensor(y_train))
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        outputs = net(torch.FloatTensor(X_test))
        test_loss = criterion(outputs.squeeze(), torch.FloatTensor(y_test))
    y_pred = net(torch.FloatTensor(X_test)).squeeze().detach().numpy()
    r2 = 1 - np.sum(np.square(y_test - y_pred)) / np.sum(np.square(y_test - np.mean(y_test)))
    return {"losses": losses, "test_loss": test_loss.item(), "r2": float(r2), "net": net}


# ---- 003: the seed's column-major functional code ---------------------------------------------------
def forward(w1, b1, w2, b2, x):
    return w2 @ torch.tanh(w1 @ x + b1) + b2


def loss(y, py):
    return ((y - py) ** 2).mean()


def sine_tanh_data():
    """x = torch.linspace(-5, 5, 20).reshape(1, 20), y = torch.sin(x): the seed's data, float32."""
    x = torch.linspace(-5, 5, 20).reshape(1, 20)
    return x, torch.sin(x)


def sine_tanh_params(seed: int = 99):
    """w1, b1, w2, b2 as the seed draws them after torch.manual_seed(99), float32, column-major."""
    torch.manual_seed(seed)
    in_num, out_num, hn = 1, 1, 4
    w1 = torch.randn([hn, in_num])
    b1 = torch.randn([hn, 1])
    w2 = torch.randn([out_num, hn])
    b2 = torch.randn([out_num, 1])
    return w1, b1, w2, b2


class SineTanhTrainer:
    """One iteration of the seed's loop per step(): forward, loss, backward, w.data = w.data - w.grad*lr,
    grad.zero_(). Takes row-major X (N, 1), y (N, 1); the seed's code sees x (1, N), y (1, N)."""

    def __init__(self, dtype=torch.float32, seed: int = 99, lr: float = 0.01):
        self.dtype, self.lr = dtype, lr
        self.w1, self.b1, self.w2, self.b2 = (p.to(dtype).requires_grad_(True) for p in sine_tanh_params(seed))

    def _column(self, a):
        return torch.as_tensor(batch_to_column_major(a), dtype=self.dtype)

    def step(self, X, y):
        w1, b1, w2, b2, lr = self.w1, self.b1, self.w2, self.b2, self.lr
        py = forward(w1, b1, w2, b2, self._column(X))
        L = loss(self._column(y), py)
        L.backward()
        w1.data = w1.data - w1.grad * lr
        b1.data = b1.data - b1.grad * lr
        w2.data = w2.data - w2.grad * lr
        b2.data = b2.data - b2.grad * lr
        w1.grad.zero_()
        b1.grad.zero_()
        w2.grad.zero_()
        b2.grad.zero_()
        return L.item()

    def params(self):
        w1, b1, w2, b2 = (p.detach().numpy() for p in (self.w1, self.b1, self.w2, self.b2))
        (W1, c1), (W2, c2) = params_from_column_major([(w1, b1), (w2, b2)])
        return {"0.weight": W1, "0.bias": c1, "2.weight": W2, "2.bias": c2}

    def predict(self, X):
        with torch.no_grad():
            return forward(self.w1, self.b1, self.w2, self.b2, self._column(X)).numpy().T


SEED_TRAINERS = {"relu_regression": ReluRegressionTrainer, "sine_tanh": SineTanhTrainer}


def seed_trainer(code: str, dtype=torch.float32, lr: float | None = None):
    """The seed's own torch code `code` ("relu_regression", "sine_tanh") as a trainer in `dtype`."""
    cls = SEED_TRAINERS[code]
    return cls(dtype=dtype) if lr is None else cls(dtype=dtype, lr=lr)


def seed_initial_params(code: str) -> dict[str, np.ndarray]:
    """The seed's torch initial weights by state_dict name, manual layout, float32."""
    return seed_trainer(code, torch.float32).params()
