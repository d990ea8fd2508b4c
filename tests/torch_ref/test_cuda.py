"""The torch mirror on a CUDA device against manual/ on the CPU; and the device plumbing, run on the CPU.

Tolerance on CUDA. float64 on a GPU is IEEE double: cuBLAS and cuDNN have no reduced-precision float64 mode, so
the mirror differs from NumPy only in summation order, FMA and (in some backward kernels) the order of atomic
adds: the same kind of rounding as torch on the CPU, and the same float64 tolerances apply unchanged (one step
rtol 1e-10, trajectories 1e-8; measured near machine precision, asserted < 1e-12). float32 keeps the CPU's
rounding criterion only with TF32 off: cuDNN convolutions run float32 in TF32 (a 10-bit mantissa, ~1e-3
relative) by default on Ampere and later, so compare_step and TorchTrainer run the torch side inside
torch_ref.tensors.ieee_float32 (torch.backends.cuda.matmul.allow_tf32 = False, torch.backends.cudnn.allow_tf32
= False, restored afterwards).
"""

import numpy as np
import pytest
import torch

import manual
from comparisons.parity.step import compare_step
from comparisons.parity.trainers import ManualTrainer, TorchTrainer
from comparisons.parity.trajectory import compare_trajectory
from manual.conv import Conv2d
from manual.errors import ParityInputError
from manual.flatten import Flatten
from manual.pool import MaxPool2d
from torch_ref import mirror, target_tensor, to_tensor
from torch_ref.tensors import ieee_float32, model_device, to_array, torch_device

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device: torch.cuda.is_available() is False")


def mlp(dtype=np.float64):
    net = manual.init_torch_default(manual.build_mlp([3, 8, 8, 2], ["tanh", "relu"], dtype=dtype), 0)
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(16, 3)).astype(dtype), rng.normal(size=(16, 2)).astype(dtype)
    return net, manual.make_loss("mse"), X, y


def cnn(dtype=np.float64):
    """Conv2d(1, 4, 3, padding=1) -> ReLU -> MaxPool2d(2) -> Flatten -> Linear(64, 3), cross-entropy on indices."""
    layers = [Conv2d(1, 4, 3, padding=1, dtype=dtype), manual.ReLU(), MaxPool2d(2), Flatten(),
              manual.Linear(4 * 4 * 4, 3, dtype=dtype)]
    net = manual.init_torch_default(manual.Sequential(*layers), 0)
    rng = np.random.default_rng(2)
    return net, manual.make_loss("cross_entropy"), rng.normal(size=(8, 1, 8, 8)).astype(dtype), rng.integers(0, 3, 8)


NETS = {"mlp": mlp, "cnn": cnn}


# ---- on a CUDA device -----------------------------------------------------------------------------------------
@CUDA
@pytest.mark.parametrize("name", NETS)
def test_cuda_mirror_step_matches_numpy_in_float64(name):
    net, loss, X, y = NETS[name]()
    model = mirror(net, device="cuda")
    assert all(p.is_cuda for p in model.parameters())
    report = compare_step(net, loss, X, y, model=model)
    assert report.passed and report.max_rel() < 1e-12, str(report)


@CUDA
@pytest.mark.parametrize("name", NETS)
def test_cuda_mirror_trains_50_steps_as_numpy_in_float64(name):
    net, loss, X, y = NETS[name]()
    opt = manual.SGD(0.05, momentum=0.9)
    reference = TorchTrainer.mirroring(net, loss, opt, device="cuda")
    report = compare_trajectory(ManualTrainer(net, loss, opt), reference, (X, y), steps=50, rtol=1e-8,
                                layer_of=net.param_layer)
    assert report.passed and report.steps_run == 50 and report.max_rel() < 1e-12, str(report)


@pytest.fixture
def tf32_on():
    """TF32 allowed for cuBLAS and cuDNN during the test (the flags as they were afterwards); yields the flags."""
    flags = (torch.backends.cuda.matmul, torch.backends.cudnn)
    saved = [f.allow_tf32 for f in flags]
    for f in flags:
        f.allow_tf32 = True
    yield flags
    for f, value in zip(flags, saved):
        f.allow_tf32 = value


@CUDA
def test_cuda_float32_step_runs_without_tf32_even_when_it_is_on(tf32_on):
    net, loss, X, y = cnn(np.float32)
    report = compare_step(net, loss, X, y, device="cuda")
    assert report.passed, str(report)
    assert all(f.allow_tf32 for f in tf32_on)           # restored


# ---- the plumbing, on the CPU -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NETS)
def test_device_cpu_is_the_cpu_path_bit_for_bit(name):
    net, loss, X, y = NETS[name]()
    plain, on_cpu = mirror(net), mirror(net, device="cpu")
    assert model_device(on_cpu) == torch.device("cpu")
    for (k, a), (_, b) in zip(plain.state_dict().items(), on_cpu.state_dict().items()):
        assert a.numpy().tobytes() == b.numpy().tobytes(), k
    want = compare_step(net, loss, X, y)
    got = compare_step(net, loss, X, y, device="cpu")
    assert [(d.name, d.max_abs, d.rel) for d in got.diffs] == [(d.name, d.max_abs, d.rel) for d in want.diffs]


def test_trainer_on_device_cpu_trains_bit_for_bit_as_without():
    net, loss, X, y = mlp()
    opt = manual.Adam(1e-2)
    runs = [TorchTrainer.mirroring(net, loss, opt), TorchTrainer.mirroring(net, loss, opt, device="cpu")]
    for _ in range(5):
        assert runs[0].step(X, y) == runs[1].step(X, y)
    for k, a in runs[0].params().items():
        assert a.tobytes() == runs[1].params()[k].tobytes(), k


def test_tensors_on_device_cpu_share_memory_and_come_back():
    a = np.arange(6.0).reshape(2, 3)
    t = to_tensor(a, device="cpu")
    assert t.device.type == "cpu" and t.data_ptr() == a.ctypes.data      # nothing copied on the CPU
    assert target_tensor(np.array([2, 0], np.int32), device="cpu").dtype == torch.int64
    assert target_tensor(a, torch.float32, device=torch.device("cpu")).dtype == torch.float32
    assert np.shares_memory(to_array(t), a)


@pytest.mark.parametrize("device, message", [
    ("meta", "device 'meta' holds no data"),
    ("gpu0", "unknown device 'gpu0': Invalid device string: 'gpu0'"),
    (-1, "unknown device -1"),
    (1.5, "device must be a string such as 'cpu' or 'cuda:0', a CUDA index or a torch.device; got float"),
    (True, "got bool"),
])
def test_a_device_torch_cannot_compute_on_is_named(device, message):
    net, *_ = mlp()
    with pytest.raises(ParityInputError, match=message):
        mirror(net, device=device)


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is available here")
def test_cuda_without_a_gpu_says_so():
    net, loss, X, y = mlp()
    with pytest.raises(ParityInputError, match=r"device 'cuda' is not available to torch here: .*"
                                               r"\(torch.cuda.is_available\(\) is False\)"):
        compare_step(net, loss, X, y, device="cuda")


def test_a_model_given_with_a_device_is_refused():
    net, loss, X, y = mlp()
    with pytest.raises(ParityInputError, match="either model= .* or device="):
        compare_step(net, loss, X, y, model=mirror(net), device="cpu")


def test_a_model_on_meta_or_on_two_devices_is_named():
    net, loss, X, y = mlp()
    with pytest.raises(ParityInputError, match="device 'meta' holds no data"):
        compare_step(net, loss, X, y, model=mirror(net).to("meta"))
    split = mirror(net)
    split[0].to("meta")
    with pytest.raises(ParityInputError, match=r"several devices \(\['cpu', 'meta'\]\)"):
        compare_step(net, loss, X, y, model=split)


def test_ieee_float32_turns_tf32_off_on_cuda_only_and_restores_it(tf32_on):
    with ieee_float32("cpu"), ieee_float32(None):
        assert all(f.allow_tf32 for f in tf32_on)
    with pytest.raises(KeyError), ieee_float32(torch.device("cuda")):   # only flags: no GPU needed
        assert not any(f.allow_tf32 for f in tf32_on)
        raise KeyError("inside")
    assert all(f.allow_tf32 for f in tf32_on)


def test_torch_device_defaults_to_the_cpu():
    assert torch_device(None) == torch_device("cpu") == torch.device("cpu")
    assert torch_device("cpu:0") == torch.device("cpu:0")
