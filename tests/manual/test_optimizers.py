"""Each optimizer against its torch.optim twin with identical gradients at every step (so only the update
is compared), its edge cases, its state, and its errors on bad hyper-parameters."""
import numpy as np
import pytest
import torch
from optim_cases import CASES

import manual
from manual import SGD, Adagrad, Adam, AdamW, ParityInputError, RMSprop, UnknownNameError
from torch_ref import mirror, mirror_optimizer, to_tensor
from torch_ref.weights import to_manual_layout, to_torch_layout

STEPS = 200


def random_grads(net, rng):
    """Fresh standard-normal gradients in every layer of `net` (as backward would set them)."""
    for layer in net.linears:
        layer.grads = {k: rng.standard_normal(p.shape).astype(net.dtype) for k, p in layer.params.items()}


def give_torch_grads(net, model):
    for name, p in model.named_parameters():
        p.grad = to_tensor(np.ascontiguousarray(to_torch_layout(name, net.grads[name])))


def relative_gap(ours: np.ndarray, theirs: np.ndarray) -> float:
    return float(np.max(np.abs(ours - theirs))) / max(float(np.max(np.abs(theirs))), np.finfo(theirs.dtype).tiny)


def same_grads_run(make_opt, dtype, steps=STEPS, seed=0):
    """Worst relative gap over `steps` steps, parameters and optimizer state, with identical gradients."""
    net = manual.init_torch_default(manual.build_mlp([3, 8, 2], "tanh", dtype=dtype), seed)
    model, opt = mirror(net), make_opt()
    torch_opt, rng, worst = mirror_optimizer(opt, model), np.random.default_rng(seed), 0.0
    tensors = dict(model.named_parameters())
    for _ in range(steps):
        random_grads(net, rng)
        give_torch_grads(net, model)
        opt.step(net)
        torch_opt.step()
        for name, p in tensors.items():
            worst = max(worst, relative_gap(net.params[name], to_manual_layout(name, p.detach().numpy())))
    for name, state in opt.state.items():
        torch_state = torch_opt.state[tensors[name]]
        assert set(state) == set(torch_state) - {"momentum_buffer"} | ({"momentum_buffer"} & set(state))
        for key, value in state.items():
            theirs = torch_state[key]
            if key == "step":
                assert value == theirs.item() == steps
            elif theirs is not None:
                worst = max(worst, relative_gap(value, to_manual_layout(name, theirs.numpy())))
    return worst


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES)
def test_update_matches_torch_with_identical_gradients(case, dtype):
    # Each step both sides apply the same chain of a few roundings to the same numbers; they differ only where
    # torch fuses a multiply-add (its vectorised add/lerp/addcmul), at most ~4 roundings of u per step. The
    # update is a contraction or a sum, not chaotic, so 200 steps stay within 200 * 4 u of each tensor's
    # scale: 1.8e-13 in float64, 4.8e-5 in float32 (measured: at most 1e-14 and 5e-6, with maximize and
    # weight_decay=5, where the weights shrink to a small scale; the others 7e-16 and 4e-7).
    u = np.finfo(dtype).eps / 2
    assert same_grads_run(CASES[case], dtype) <= min(STEPS * 4 * u, 1e-12 if dtype == np.float64 else 1)


def test_plain_sgd_is_p_minus_lr_times_grad_bit_for_bit():
    for dtype in (np.float64, np.float32):
        net = manual.init_torch_default(manual.build_mlp([3, 4, 2], "tanh", dtype=dtype), 0)
        random_grads(net, np.random.default_rng(0))
        expected = {k: p - dtype(0.3) * net.grads[k] for k, p in net.params.items()}
        SGD(0.3).step(net)
        assert all(net.params[k].tobytes() == v.tobytes() for k, v in expected.items())
        assert SGD(0.3).state == {}


def one_step(opt, dtype=np.float64, grads_zero=False):
    net = manual.init_torch_default(manual.build_mlp([3, 4, 2], "tanh", dtype=dtype), 0)
    random_grads(net, np.random.default_rng(1))
    if grads_zero:
        for g in net.grads.values():
            g[...] = 0
    before = net.get_params()
    opt.step(net)
    return before, net


def test_momentum_buffer_starts_as_the_gradient_not_dampened():
    opt = SGD(0.1, momentum=0.9, dampening=0.5)
    before, net = one_step(opt)
    for name, g in net.grads.items():
        assert np.array_equal(opt.state[name]["momentum_buffer"], g)
        assert np.array_equal(net.params[name], before[name] - 0.1 * g)


@pytest.mark.parametrize("opt_class", [Adam, AdamW])
def test_adam_first_step_has_t_1_so_bias_correction_makes_it_lr_sign_g(opt_class):
    opt = opt_class(lr=1e-3, weight_decay=0)
    before, net = one_step(opt)
    for name, g in net.grads.items():
        assert opt.state[name]["step"] == 1
        # m / (1 - beta1) = g and sqrt(v / (1 - beta2)) = |g|: the first step is lr g / (|g| + eps)
        np.testing.assert_allclose(before[name] - net.params[name], 1e-3 * g / (np.abs(g) + 1e-8), rtol=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_zero_gradients_leave_parameters_finite(case):
    opt = CASES[case]()
    before, net = one_step(opt, grads_zero=True)
    decays = getattr(opt, "weight_decay", 0) != 0
    for name, p in net.params.items():
        assert np.isfinite(p).all()
        assert decays or np.array_equal(p, before[name]), f"{case}: zero gradient moved {name}"


def test_sgd_weight_decay_with_maximize_still_decays():
    opt = SGD(0.1, weight_decay=0.5, maximize=True)
    before, net = one_step(opt)
    for name, g in net.grads.items():  # g := -grad + wd p: ascends the loss, shrinks the weights
        np.testing.assert_allclose(net.params[name], before[name] - 0.1 * (-g + 0.5 * before[name]), rtol=1e-15)


def test_optimizer_state_uses_torch_keys():
    keys = {"sgd momentum": {"momentum_buffer"}, "adam amsgrad weight_decay": {"step", "exp_avg", "exp_avg_sq",
            "max_exp_avg_sq"}, "rmsprop centered momentum": {"step", "square_avg", "momentum_buffer", "grad_avg"},
            "adagrad": {"step", "sum"}}
    for case, expected in keys.items():
        opt = CASES[case]()
        one_step(opt)
        state = opt.state_dict()
        assert all(set(s) == expected for s in state["state"].values()), case
        assert state["hyperparameters"] == opt.hyperparameters()


def test_state_dict_is_a_copy():
    opt = Adam()
    one_step(opt)
    state = opt.state_dict()
    state["state"]["0.weight"]["exp_avg"][...] = 7
    assert not (opt.state["0.weight"]["exp_avg"] == 7).any()


def test_mirror_copies_state_so_a_twin_can_start_mid_run():
    net = manual.init_torch_default(manual.build_mlp([3, 4, 2], "tanh"), 0)
    opt, rng = Adam(1e-2, amsgrad=True), np.random.default_rng(0)
    for _ in range(5):
        random_grads(net, rng)
        opt.step(net)
    model = mirror(net)
    torch_opt = mirror_optimizer(opt, model)
    random_grads(net, rng)
    give_torch_grads(net, model)
    opt.step(net)
    torch_opt.step()
    for name, p in model.named_parameters():
        assert relative_gap(net.params[name], to_manual_layout(name, p.detach().numpy())) < 1e-15


@pytest.mark.parametrize("opt_class", [SGD, Adam, AdamW, RMSprop, Adagrad])
def test_mirror_is_the_torch_class_with_the_same_hyperparameters(opt_class):
    opt = opt_class(lr=0.5)
    torch_opt = mirror_optimizer(opt, mirror(manual.build_mlp([2, 1], [])))
    assert type(torch_opt).__name__ == opt_class.__name__
    group = torch_opt.param_groups[0]
    assert all(group[k] == v for k, v in opt.hyperparameters().items())


def test_defaults_are_torchs():
    params = [torch.zeros(1, requires_grad=True)]
    for ours, theirs in ((Adam(), torch.optim.Adam(params)), (AdamW(), torch.optim.AdamW(params)),
                         (RMSprop(), torch.optim.RMSprop(params)), (Adagrad(), torch.optim.Adagrad(params)),
                         (SGD(0.1), torch.optim.SGD(params, 0.1))):
        group = theirs.param_groups[0]
        assert {k: group[k] for k in ours.hyperparameters()} == ours.hyperparameters()


def test_make_optimizer_by_name():
    assert isinstance(manual.make_optimizer("AdamW", lr=0.1), AdamW)
    with pytest.raises(UnknownNameError, match="unknown optimizer 'adamax'; known: adagrad, adam, adamw, rmsprop, sgd"):
        manual.make_optimizer("adamax")


@pytest.mark.parametrize("make, message", [
    (lambda: SGD(-0.1), "Invalid learning rate: -0.1"),
    (lambda: Adam(lr=float("nan")), "Invalid learning rate: nan"),
    (lambda: Adam(lr="0.1"), "Invalid learning rate: '0.1' (must be a real number)"),
    (lambda: SGD(0.1, momentum=-0.5), "Invalid momentum value: -0.5"),
    (lambda: SGD(0.1, weight_decay=-1), "Invalid weight_decay value: -1.0"),
    (lambda: SGD(0.1, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    (lambda: SGD(0.1, momentum=0.9, dampening=0.1, nesterov=True),
     "Nesterov momentum requires a momentum and zero dampening"),
    (lambda: SGD(0.1, nesterov="yes"), "nesterov must be True or False, got 'yes'"),
    (lambda: Adam(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    (lambda: Adam(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (lambda: AdamW(betas=0.9), "betas must be a pair (beta1, beta2), got 0.9"),
    (lambda: Adam(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    (lambda: Adam(amsgrad=1), "amsgrad must be True or False, got 1"),
    (lambda: RMSprop(alpha=-0.5), "Invalid alpha value: -0.5"),
    (lambda: RMSprop(centered=None), "centered must be True or False, got None"),
    (lambda: Adagrad(lr_decay=-1), "Invalid lr_decay value: -1.0"),
    (lambda: Adagrad(initial_accumulator_value=-1), "Invalid initial_accumulator_value value: -1.0"),
])
def test_bad_hyperparameters_raise_torchs_message(make, message):
    with pytest.raises(ParityInputError) as info:
        make()
    assert str(info.value).startswith(message)


def test_torch_rejects_what_we_reject():
    """The messages above are torch's own: torch raises ValueError with the same text."""
    params = [torch.zeros(1, requires_grad=True)]
    for make in (lambda: torch.optim.SGD(params, -0.1), lambda: torch.optim.Adam(params, betas=(1.0, 0.999)),
                 lambda: torch.optim.SGD(params, 0.1, nesterov=True), lambda: torch.optim.RMSprop(params, alpha=-0.5)):
        with pytest.raises(ValueError, match="Invalid|Nesterov"):
            make()
