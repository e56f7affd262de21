"""Every optimizer and option combination follows PyTorch's trajectory for 100 steps.

Same start, same objective (gradients by tracegrad for ours and by torch for theirs), float64:
parameters agree to 1e-10 relative. float32 runs stay float32 throughout.
"""
import numpy as np
import pytest

import autograd as ag
import optim

from ..conftest import require_torch
from .problems import NAMES, build_groups, loss_ours, loss_torch, make_problem, run_lockstep, run_ours, run_torch

STEPS = 100

# (optimizer, options); "maximize" configs run on the negated objective.
CONFIGS = [
    ("SGD", {"lr": 0.05}),
    ("SGD", {"lr": 0.05, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.03, "momentum": 0.9}),
    ("SGD", {"lr": 0.03, "momentum": 0.9, "dampening": 0.5}),
    ("SGD", {"lr": 0.03, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.03, "momentum": 0.8, "nesterov": True, "weight_decay": 0.05}),
    ("SGD", {"lr": 0.03, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.05}),
    ("SGD", {"lr": 0.05, "maximize": True}),
    ("SGD", {"lr": 0.03, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05, "maximize": True}),
    ("SGD", {"lr": 0.03, "momentum": 0.9, "dampening": 0.5, "maximize": True}),
    ("Adam", {"lr": 0.02}),
    ("Adam", {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6}),
    ("Adam", {"lr": 0.02, "amsgrad": True}),
    ("Adam", {"lr": 0.02, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.02, "weight_decay": 0.1, "amsgrad": True}),
    ("Adam", {"lr": 0.02, "maximize": True}),
    ("Adam", {"lr": 0.02, "weight_decay": 0.1, "amsgrad": True, "maximize": True}),
    ("Adam", {"lr": 0.02, "betas": (0.3, 0.999)}),  # lerp weight ≥ 0.5: the other branch
    ("Adam", {"lr": 0.02, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("AdamW", {"lr": 0.02}),
    ("AdamW", {"lr": 0.02, "weight_decay": 0.2}),
    ("AdamW", {"lr": 0.02, "amsgrad": True}),
    ("AdamW", {"lr": 0.02, "weight_decay": 0.2, "amsgrad": True, "maximize": True}),
    ("AdamW", {"lr": 0.02, "weight_decay": 0.0}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-2}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.005, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.005, "momentum": 0.9, "centered": True}),
    ("RMSprop", {"lr": 0.01, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.005, "momentum": 0.5, "centered": True, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.005, "momentum": 0.5, "centered": True, "weight_decay": 0.1, "maximize": True}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "initial_accumulator_value": 0.2, "weight_decay": 0.1, "eps": 1e-6}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "maximize": True}),
]

# several parameter groups with different options (group 1 overrides some defaults)
GROUP_CONFIGS = [
    ("SGD", {"lr": 0.03, "momentum": 0.9}, [{"params": ["w"]},
                                         {"params": ["b", "unused"], "lr": 0.1, "momentum": 0.5, "dampening": 0.2,
                                          "weight_decay": 0.1}]),
    ("SGD", {"lr": 0.03}, [{"params": ["w"], "momentum": 0.9, "nesterov": True},
                            {"params": ["b", "unused"], "maximize": False, "weight_decay": 0.3}]),
    ("Adam", {"lr": 0.02}, [{"params": ["w"], "amsgrad": True},
                             {"params": ["b", "unused"], "lr": 0.01, "betas": (0.5, 0.9), "weight_decay": 0.1}]),
    ("AdamW", {"lr": 0.02}, [{"params": ["w"], "weight_decay": 0.5},
                              {"params": ["b", "unused"], "lr": 0.05, "amsgrad": True}]),
    ("RMSprop", {"lr": 0.01}, [{"params": ["w"], "centered": True, "momentum": 0.9, "lr": 0.003},
                                {"params": ["b", "unused"], "alpha": 0.9, "weight_decay": 0.1}]),
    ("Adagrad", {"lr": 0.1}, [{"params": ["w"], "lr_decay": 0.1},
                               {"params": ["b", "unused"], "lr": 0.3, "eps": 1e-6, "weight_decay": 0.2}]),
]


def _ids(configs):
    return [f"{c[0]}-" + ",".join(f"{k}={v}" for k, v in c[1].items()) for c in configs]


def _sign(options):
    """The objective's sign for a config: -1 (ascend on the negated objective) with maximize=True."""
    return -1.0 if options.get("maximize") else 1.0


KINDS = pytest.mark.parametrize("kind", ["quadratic", "logistic"])


def _assert_close(ours, theirs):
    for name in NAMES:
        a, b = ours[name].data, theirs[name]
        assert a.dtype == np.float64
        scale = np.max(np.abs(b))
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12 * scale, err_msg=name)


@KINDS
@pytest.mark.parametrize("config", CONFIGS, ids=_ids(CONFIGS))
def test_trajectory_matches_torch(config, kind):
    torch = require_torch()
    name, options = config
    sign = _sign(options)
    ours, opt = run_ours(getattr(optim, name), options, kind, STEPS, sign=sign)
    theirs, _ = run_torch(torch, name, options, kind, STEPS, sign=sign)
    _assert_close(ours, theirs)
    # the objective really moved, and the parameter without a gradient did not
    _, init = make_problem(kind)
    assert np.max(np.abs(ours["w"].data - init["w"])) > 1e-3
    np.testing.assert_array_equal(ours["unused"].data, init["unused"])
    if name != "Adagrad":  # Adagrad makes state for every parameter in its constructor
        assert ours["unused"] not in opt.state


@KINDS
@pytest.mark.parametrize("config", GROUP_CONFIGS, ids=[c[0] + "-groups" for c in GROUP_CONFIGS])
def test_param_groups_match_torch(config, kind):
    torch = require_torch()
    name, options, groups = config
    ours, opt = run_ours(getattr(optim, name), options, kind, STEPS, groups=groups)
    theirs, topt = run_torch(torch, name, options, kind, STEPS, groups=groups)
    _assert_close(ours, theirs)
    for g, tg in zip(opt.param_groups, topt.param_groups):
        for key, value in g.items():
            if key != "params":
                assert tg[key] == value, key


# Sign-like regimes (β2 or α small, lr large): there the trajectory amplifies any rounding
# difference of the GRADIENTS (ours and torch's differ by an ulp), so the update arithmetic is
# compared in lockstep: both optimizers get torch's gradient at every step.
LOCKSTEP_CONFIGS = [
    ("Adam", {"lr": 0.02, "betas": (0.3, 0.6)}),
    ("Adam", {"lr": 0.05, "betas": (0.5, 0.9), "amsgrad": True, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-6}),
    ("RMSprop", {"lr": 0.02, "alpha": 0.5, "momentum": 0.9, "centered": True}),
    ("Adagrad", {"lr": 0.5, "initial_accumulator_value": 1.0}),
    ("SGD", {"lr": 0.2, "momentum": 0.95, "nesterov": True, "weight_decay": 0.05, "maximize": True}),
    ("AdamW", {"lr": 0.1, "betas": (0.2, 0.5), "weight_decay": 0.5, "amsgrad": True}),
]


@KINDS
@pytest.mark.parametrize("config", LOCKSTEP_CONFIGS, ids=_ids(LOCKSTEP_CONFIGS))
def test_same_gradients_same_updates(config, kind):
    torch = require_torch()
    name, options = config
    sign = _sign(options)
    ours, theirs = run_lockstep(torch, name, options, kind, STEPS, sign=sign)
    _assert_close(ours, theirs)


FLOAT32_CONFIGS = [
    ("SGD", {"lr": 0.03, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05, "maximize": True}),
    ("SGD", {"lr": 0.03, "momentum": 0.9, "dampening": 0.5}),
    ("Adam", {"lr": 0.02, "weight_decay": 0.1, "amsgrad": True, "maximize": True}),
    ("AdamW", {"lr": 0.02, "amsgrad": True}),
    ("RMSprop", {"lr": 0.005, "momentum": 0.5, "centered": True, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "initial_accumulator_value": 0.2, "weight_decay": 0.1}),
]


@pytest.mark.parametrize("config", FLOAT32_CONFIGS, ids=_ids(FLOAT32_CONFIGS))
def test_float32_stays_float32(config):
    torch = require_torch()
    name, options = config
    sign = _sign(options)
    ours, opt = run_ours(getattr(optim, name), options, "logistic", 20, dtype=np.float32, sign=sign)
    theirs, _ = run_torch(torch, name, options, "logistic", 20, dtype=np.float32, sign=sign)
    for pname in NAMES:
        assert ours[pname].data.dtype == np.float32
        np.testing.assert_allclose(ours[pname].data, theirs[pname], rtol=1e-4, atol=1e-5)
    for p, st in opt.state.items():
        assert p.data.dtype == np.float32
        for key, value in st.items():
            if key == "step":
                assert value == (0 if p is ours["unused"] else 20)
            else:
                assert value.data.dtype == np.float32, key
                assert value.shape == p.shape, key


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_state_keys_match_torch(name):
    """The state holds PyTorch's keys for each option set, with equal values."""
    torch = require_torch()
    options = {"SGD": {"lr": 0.1, "momentum": 0.9}, "Adam": {"amsgrad": True}, "AdamW": {"amsgrad": True},
               "RMSprop": {"momentum": 0.9, "centered": True}, "Adagrad": {"initial_accumulator_value": 0.1}}[name]
    _, opt = run_ours(getattr(optim, name), options, "quadratic", 3)
    _, topt = run_torch(torch, name, options, "quadratic", 3)
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sorted(sd["state"]) == sorted(tsd["state"])
    for idx, tstate in tsd["state"].items():
        assert sorted(sd["state"][idx]) == sorted(tstate)
        for key, tvalue in tstate.items():
            value = sd["state"][idx][key]
            if key == "step":
                assert value == float(tvalue)
            else:
                np.testing.assert_allclose(value.data, tvalue.numpy(), rtol=1e-12, atol=1e-300)
    assert [g["params"] for g in sd["param_groups"]] == [g["params"] for g in tsd["param_groups"]]
    for g, tg in zip(sd["param_groups"], tsd["param_groups"]):
        for key, value in g.items():
            assert tg[key] == value, key


@pytest.mark.parametrize("name, options", [
    ("SGD", {"lr": 0.03, "momentum": 0.9, "nesterov": True}),
    ("Adam", {"lr": 0.02, "amsgrad": True}),
    ("AdamW", {"lr": 0.02, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01}),
])
def test_load_torch_state_dict_and_continue(name, options):
    """A PyTorch optimizer's state_dict (torch tensors inside) loads and the run continues in step."""
    torch = require_torch()
    groups = [{"params": ["w"]}, {"params": ["b", "unused"], "lr": 0.05}]
    theirs, topt = run_torch(torch, name, options, "logistic", 30, groups=groups)
    data, _ = make_problem("logistic")
    params = {k: ag.Tensor(v.copy(), requires_grad=True) for k, v in theirs.items()}
    opt = getattr(optim, name)(build_groups(params, groups), **options)
    opt.load_state_dict(topt.state_dict())
    tparams = {k: p for k, p in zip(NAMES, [p for g in topt.param_groups for p in g["params"]])}
    tdata = {k: torch.tensor(v) for k, v in data.items()}
    odata = {k: ag.Tensor(v) for k, v in data.items()}
    for _ in range(30):
        topt.zero_grad()
        loss_torch(torch, "logistic", tparams, tdata).backward()
        topt.step()
        opt.zero_grad()
        loss_ours("logistic", params, odata).backward()
        opt.step()
    _assert_close(params, {k: v.detach().numpy() for k, v in tparams.items()})
    assert all(isinstance(v, (float, ag.Tensor)) for st in opt.state.values() for v in st.values())
