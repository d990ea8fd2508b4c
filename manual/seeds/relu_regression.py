"""Seed 000 (000_b99eafc7363a396f.txt, "relu函数bp神经网络python"): one-hidden-layer ReLU regression, twice.

The seed's torch Net: make_regression(n_samples=100, n_features=2, noise=0.1, random_state=1), X and y
standardised (y back to 1-D), train_test_split(test_size=0.2, random_state=1); Linear(2, 2) -> ReLU ->
Linear(2, 1) with torch's default init, MSELoss (mean) on outputs.squeeze(), SGD lr 0.01, 1000 full-batch
epochs, float32 (torch.FloatTensor); reports test MSE and R^2. The seed does not seed torch: we take
torch.manual_seed(0) before Net() and keep the exact float32 weights it draws in NET_INIT (tests check
them against torch_ref.seeds.relu_regression_net()); the NumPy net starts from them.

The seed's BPNeuralNetwork class: W1 = randn(in, hid), W2 = randn(hid, out), b1 = randn(hid),
b2 = randn(out), in that order; backward: output_error = out - y, plain SGD with no 1/N, i.e. exact
gradient descent on L = 0.5 * sum((out - y)**2) ("half_sum"). The seed gives it no data or settings:
we use the torch part's data, hidden size 2, 1000 epochs, lr 0.01, np.random.seed -> RandomState(0).
Finding: under the half-sum loss lr 0.01 on 80 samples is a 40x larger step than torch's mean loss
with the same lr; from RandomState(0) the first steps overshoot, every ReLU dies by step 3 and the net
ends as a constant predictor (R^2 ~ 0). Reported as it is, not tuned.
Real bug: backward() is only right for y of shape (N, 1). Fed the seed's own 1-D y, `output_layer - y`
broadcasts (N, 1) - (N,) to (N, N) and np.dot then raises ValueError; fit() would also print
np.mean(np.square(y - output)) over that silent (N, N) broadcast.
"""
from __future__ import annotations

import numpy as np

from .spec import Data, SeedSystem, Variant

LR, EPOCHS, TORCH_SEED = 0.01, 1000, 0

# torch.manual_seed(0); Net(): fc1 = Linear(2, 2), fc2 = Linear(2, 1), exact float32 values, torch layout
NET_INIT = {
    "fc1.weight": np.array([[-0.005293981, 0.3793229], [-0.58198076, -0.5203875]], np.float32),
    "fc1.bias": np.array([-0.27234524, 0.18961589], np.float32),
    "fc2.weight": np.array([[-0.014010034, 0.5606575]], np.float32),
    "fc2.bias": np.array([-0.06275152], np.float32),
}


def load_data():
    """(X_train, X_test, y_train, y_test), float64, y 1-D: the seed's data (make_regression, StandardScaler,
    train_test_split), stored bit for bit in relu_regression_data.py; copies."""
    from . import relu_regression_data as d

    return tuple(a.copy() for a in (d.X_train, d.X_test, d.y_train, d.y_test))


def r2_score(y, pred) -> float:
    """R^2 = 1 - sum((y - pred)^2) / sum((y - mean(y))^2): the seed's own formula (scikit-learn's r2_score
    for one output, tests)."""
    return float(1 - np.sum(np.square(y - pred)) / np.sum(np.square(y - np.mean(y))))


def _data() -> Data:
    X_train, _, y_train, _ = load_data()
    return Data(X_train, y_train.reshape(-1, 1))


def _task(predict_fn) -> dict:
    _, X_test, _, y_test = load_data()
    with np.errstate(all="ignore"):
        pred = predict_fn(X_test).reshape(-1)
    if not np.isfinite(pred).all():
        return {"test MSE": float("nan"), "R2": float("nan")}
    return {"test MSE": float(np.mean(np.square(pred - y_test))), "R2": r2_score(y_test, pred)}


# ---- the seed's BPNeuralNetwork, as written -------------------------------------------------------
def relu(x):
    return np.maximum(0, x)


class BPNeuralNetwork:
    def __init__(self, input_num, hidden_num, output_num, rng=np.random):
        self.input_num, self.hidden_num, self.output_num = input_num, hidden_num, output_num
        self.input_hidden_weights = rng.randn(input_num, hidden_num)
        self.hidden_output_weights = rng.randn(hidden_num, output_num)
        self.hidden_bias = rng.randn(hidden_num)
        self.output_bias = rng.randn(output_num)

    def forward(self, X):
        self.hidden_layer = relu(np.dot(X, self.input_hidden_weights) + self.hidden_bias)
        self.output_layer = np.dot(self.hidden_layer, self.hidden_output_weights) + self.output_bias
        return self.output_layer

    def backward(self, X, y, learning_rate):
        output_error = self.output_layer - y          # BUG with 1-D y: (N, 1) - (N,) -> (N, N)
        hidden_error = np.dot(output_error, self.hidden_output_weights.T) * (self.hidden_layer > 0)
        self.hidden_output_weights -= learning_rate * np.dot(self.hidden_layer.T, output_error)
        self.input_hidden_weights -= learning_rate * np.dot(X.T, hidden_error)
        self.output_bias -= learning_rate * np.sum(output_error, axis=0)
        self.hidden_bias -= learning_rate * np.sum(hidden_error, axis=0)

    def fit(self, X, y, epochs, learning_rate):
        for i in range(epochs):
            output = self.forward(X)
            self.backward(X, y, learning_rate)
            if i % 500 == 0:
                print("Loss after epoch", i, ":", np.mean(np.square(y - output)))

    def predict(self, X):
        return self.forward(X)


def _bpnn_step(params, X, y, lr):
    """One epoch of fit(): forward, backward (no print)."""
    (W1, b1), (W2, b2) = params
    net = BPNeuralNetwork.__new__(BPNeuralNetwork)
    # the class owns its weights and updates them in place: it gets copies, as fit() holds its own
    net.input_hidden_weights, net.hidden_bias, net.hidden_output_weights, net.output_bias = (
        W1.copy(), b1.copy(), W2.copy(), b2.copy())
    net.forward(X)
    net.backward(X, y, lr)
    return [(net.input_hidden_weights, net.hidden_bias), (net.hidden_output_weights, net.output_bias)]


def step_column_y(params, X, y, lr):
    """The class fed y of shape (N, 1): correct."""
    return _bpnn_step(params, X, y, lr)


def step_seed_y(params, X, y, lr):
    """The class fed the seed's 1-D y (y.reshape(-1), as the seed's data comes)."""
    return _bpnn_step(params, X, y.reshape(-1), lr)


def _bpnn_init():
    rng = np.random.RandomState(0)
    W1, W2, b1, b2 = rng.randn(2, 2), rng.randn(2, 1), rng.randn(2), rng.randn(1)
    return [(W1, b1), (W2, b2)]


def _net_init():
    return [(NET_INIT["fc1.weight"].T.copy(), NET_INIT["fc1.bias"].copy()),
            (NET_INIT["fc2.weight"].T.copy(), NET_INIT["fc2.bias"].copy())]


SYSTEMS = (
    SeedSystem(
        key="relu_regression", seed="000", seed_file="000_b99eafc7363a396f.txt",
        title="ReLU regression, the seed's torch Net", sizes=(2, 2, 1), activations=("relu",),
        output="identity", loss="mse", lr=LR, steps=EPOCHS, init=_net_init, make_data=_data, task=_task,
        init_dtype=np.float32, torch_code="relu_regression",
        note="torch.manual_seed(0) weights; trajectory reference is the seed's own Net and loop"),
    SeedSystem(
        key="bp_neural_network", seed="000", seed_file="000_b99eafc7363a396f.txt",
        title="ReLU regression, BPNeuralNetwork", sizes=(2, 2, 1), activations=("relu",),
        output="identity", loss="half_sum", lr=LR, steps=EPOCHS, init=_bpnn_init, make_data=_data,
        task=_task,
        variants=(
            Variant("as written, seed's 1-D y", step_seed_y, "flag",
                    "output_layer - y broadcasts (N,1)-(N,) to (N,N): ValueError in np.dot"),
            Variant("y as (N, 1)", step_column_y, "pass", "none: the class is right for column targets"),
        ),
        note="settings from the torch part (2 hidden, lr 0.01, 1000 epochs), RandomState(0); half-sum loss"),
)
