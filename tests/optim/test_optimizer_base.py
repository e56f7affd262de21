"""Optimizer API: param groups, state, zero_grad, step/closure, state dicts, and bad input."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import autograd as ag
import optim
from optim import _functional as F

OPTIMIZERS = [optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop, optim.Adagrad]


def _param(*shape, dtype=np.float64, seed=0):
    return ag.Tensor(np.random.default_rng(seed).standard_normal(shape).astype(dtype), requires_grad=True)


def _set_grad(p, seed=1):
    p.grad = ag.Tensor(np.random.default_rng(seed).standard_normal(p.shape).astype(p.dtype))


# -- construction ----------------------------------------------------------------------------
@pytest.mark.parametrize("cls", OPTIMIZERS)
def test_defaults_fill_param_groups(cls):
    w, b = _param(3, 2), _param(2)
    opt = cls([{"params": [w]}, {"params": b, "lr": 0.5}])
    assert len(opt.param_groups) == 2
    assert opt.param_groups[0]["params"] == [w] and opt.param_groups[1]["params"] == [b]
    assert opt.param_groups[1]["lr"] == 0.5
    for key, value in opt.defaults.items():
        assert opt.param_groups[0][key] == value
        if key != "lr":
            assert opt.param_groups[1][key] == value


def test_pytorch_defaults():
    p = _param(2)
    assert optim.SGD([p]).defaults == {"lr": 1e-3, "momentum": 0, "dampening": 0, "weight_decay": 0,
                                       "nesterov": False, "maximize": False}
    assert optim.Adam([p]).defaults == {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0,
                                        "amsgrad": False, "maximize": False, "decoupled_weight_decay": False}
    assert optim.AdamW([p]).defaults["weight_decay"] == 1e-2
    assert optim.AdamW([p]).defaults["decoupled_weight_decay"] is True
    assert optim.RMSprop([p]).defaults == {"lr": 1e-2, "momentum": 0, "alpha": 0.99, "eps": 1e-8,
                                           "centered": False, "weight_decay": 0, "maximize": False}
    assert optim.Adagrad([p]).defaults == {"lr": 1e-2, "lr_decay": 0, "eps": 1e-10, "weight_decay": 0,
                                           "initial_accumulator_value": 0, "maximize": False}


def test_generator_and_named_params():
    w, b = _param(2), _param(3)
    opt = optim.SGD((p for p in [w, b]), lr=0.1)
    assert opt.param_groups[0]["params"] == [w, b]
    opt = optim.SGD([("weight", w), ("bias", b)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["weight", "bias"]


def test_add_param_group():
    w, b = _param(2), _param(3)
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": [b], "lr": 0.01})
    assert opt.param_groups[1]["lr"] == 0.01 and opt.param_groups[1]["momentum"] == 0.9
    _set_grad(w), _set_grad(b)
    opt.step()
    assert set(opt.state) == {w, b}


def test_adagrad_state_made_in_constructor_per_group_value():
    w, b = _param(2), _param(3)
    opt = optim.Adagrad([{"params": [w]}, {"params": [b], "initial_accumulator_value": 0.5}],
                        initial_accumulator_value=0.1)
    assert opt.state[w]["step"] == 0 and opt.state[b]["step"] == 0
    np.testing.assert_array_equal(opt.state[w]["sum"].detach().numpy(), np.full(2, 0.1))
    np.testing.assert_array_equal(opt.state[b]["sum"].detach().numpy(), np.full(3, 0.5))  # the group's own value
    c = _param(4)
    opt.add_param_group({"params": [c]})
    _set_grad(c)
    opt.step()
    assert opt.state[c]["step"] == 1 and opt.state[w]["step"] == 0


# -- step ------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", OPTIMIZERS)
def test_params_without_grad_are_skipped(cls):
    w, frozen = _param(3), _param(2, seed=5)
    before = frozen.detach().numpy().copy()
    opt = cls([w, frozen], lr=0.1)
    _set_grad(w)
    opt.step()
    np.testing.assert_array_equal(frozen.detach().numpy(), before)
    assert frozen._version == 0 and w._version == 1
    if cls is not optim.Adagrad:
        assert frozen not in opt.state


@pytest.mark.parametrize("cls", OPTIMIZERS)
def test_step_updates_in_place_and_keeps_identity(cls):
    w = _param(3, 2)
    data = w.detach().numpy()
    opt = cls([w], lr=0.1)
    _set_grad(w)
    grad = w.grad.detach().numpy().copy()
    opt.step()
    assert w.detach().numpy() is data  # in place
    assert not np.array_equal(w.detach().numpy(), _param(3, 2).data)
    np.testing.assert_array_equal(w.grad.detach().numpy(), grad)  # the gradient is not modified
    assert w.grad_fn is None and w.requires_grad


def test_version_bump_detects_inplace_update_of_saved_tensor():
    w = _param(3)
    y = (w * w).sum()  # mul saves w
    _set_grad(w)
    optim.SGD([w], lr=0.1).step()
    with pytest.raises(RuntimeError):
        y.backward()


@pytest.mark.parametrize("cls", OPTIMIZERS)
def test_closure_is_called_with_grad_and_loss_returned(cls):
    w = _param(3)
    opt = cls([w], lr=0.1)
    calls = []

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        calls.append(ag.is_grad_enabled())
        return loss

    with ag.no_grad():
        loss = opt.step(closure)
    assert calls == [True]
    assert isinstance(loss, ag.Tensor) and loss.item() > 0
    assert opt.step() is None


def test_step_runs_under_no_grad():
    w = _param(3)
    opt = optim.SGD([w], lr=0.1)
    _set_grad(w)
    opt.step()  # an in-place update of a leaf that requires grad would raise outside no_grad
    assert ag.is_grad_enabled()


def test_sgd_exact_values():
    w = ag.Tensor(np.array([1.0, -2.0]), requires_grad=True)
    opt = optim.SGD([w], lr=0.1, momentum=0.5, weight_decay=0.1)
    w.grad = ag.Tensor(np.array([1.0, 1.0]))
    opt.step()  # g = grad + 0.1 w = [1.1, 0.8]; buf = g; w -= 0.1 g
    np.testing.assert_allclose(w.detach().numpy(), [0.89, -2.08], rtol=1e-15)
    opt.step()  # g = [1.089, 0.792]; buf = 0.5 [1.1, 0.8] + g = [1.639, 1.192]
    np.testing.assert_allclose(opt.state[w]["momentum_buffer"].detach().numpy(), [1.639, 1.192], rtol=1e-15)
    np.testing.assert_allclose(w.detach().numpy(), [0.89 - 0.1639, -2.08 - 0.1192], rtol=1e-15)


def test_adam_first_step_is_lr_times_sign():
    w = ag.Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    w.grad = ag.Tensor(np.array([0.3, -5.0, 1e-3]))
    optim.Adam([w], lr=0.01, eps=0.0).step()
    np.testing.assert_allclose(w.detach().numpy(), [0.99, -1.99, 2.99], rtol=1e-14)


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    w, b = _param(3), _param(2)
    opt = optim.SGD([w, b], lr=0.1)
    _set_grad(w)
    opt.zero_grad(set_to_none=set_to_none)
    assert b.grad is None
    if set_to_none:
        assert w.grad is None
    else:
        np.testing.assert_array_equal(w.grad.detach().numpy(), np.zeros(3))
    assert optim.SGD([w]).zero_grad() is None


def test_zero_grad_default_is_set_to_none():
    w = _param(3)
    _set_grad(w)
    optim.Adam([w]).zero_grad()
    assert w.grad is None


def test_zero_grad_detaches_a_recorded_grad():
    w = _param(3)
    (w * w).sum().backward(create_graph=True)
    assert w.grad.grad_fn is not None
    optim.SGD([w]).zero_grad(set_to_none=False)
    assert w.grad.grad_fn is None
    np.testing.assert_array_equal(w.grad.detach().numpy(), np.zeros(3))


# -- functional ------------------------------------------------------------------------------
def test_functional_in_place_no_promotion():
    rng = np.random.default_rng(0)
    p = rng.standard_normal(4).astype(np.float32)
    g = rng.standard_normal(4).astype(np.float32)
    m, v, vmax = np.zeros(4, np.float32), np.zeros(4, np.float32), np.zeros(4, np.float32)
    p_id = id(p)
    F.adam([p], [g], [m], [v], [vmax], [1.0], amsgrad=True, beta1=np.float64(0.9), beta2=0.999,
           lr=np.float64(1e-3), weight_decay=0.1, eps=1e-8, maximize=True)
    assert id(p) == p_id and p.dtype == m.dtype == v.dtype == vmax.dtype == np.float32
    assert np.all(m != 0) and np.all(vmax == v)
    bufs = [None]
    F.sgd([p], [g], bufs, lr=0.1, momentum=0.9, dampening=0.0, weight_decay=0.0, nesterov=True, maximize=False)
    assert bufs[0].dtype == np.float32 and bufs[0] is not g
    np.testing.assert_array_equal(bufs[0], g)
    s = np.zeros(4, np.float32)
    F.adagrad([p], [g], [s], [1.0], lr=0.1, weight_decay=0.0, lr_decay=0.0, eps=1e-10, maximize=False)
    np.testing.assert_array_equal(s, g * g)
    sq, ga, mb = np.zeros(4, np.float32), np.zeros(4, np.float32), np.zeros(4, np.float32)
    F.rmsprop([p], [g], [sq], [ga], [mb], [1.0], lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0,
              momentum=0.9, centered=True, maximize=False)
    assert p.dtype == sq.dtype == ga.dtype == mb.dtype == np.float32 and np.all(mb != 0)


@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_sgd_update_in_place_keeps_grad(layout, dtype):
    """Parameters above one block take numpy blocks (or, not contiguous, one numpy product): p − lr·g."""
    rng = np.random.default_rng(0)
    n = 2 * (F._BLOCK_BYTES // np.dtype(dtype).itemsize) + 123  # blocks with a ragged end
    p = rng.standard_normal((n // 3, 3)).astype(dtype)
    g = rng.standard_normal((3, n // 3)).astype(dtype).T if layout == "transposed" else \
        rng.standard_normal((n // 3, 3)).astype(dtype)
    expected = p - dtype(0.125) * g
    g_before = g.copy()
    p_id = p.__array_interface__["data"][0]
    F.sgd([p], [g], [], lr=0.125, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False)
    assert p.__array_interface__["data"][0] == p_id and p.dtype == dtype
    np.testing.assert_array_equal(g, g_before)
    np.testing.assert_allclose(p, expected, rtol=4 * np.finfo(dtype).eps, atol=4 * np.finfo(dtype).eps)


_ONE_BLAS_SCRIPT = """
import json, sys
import numpy as np
from threadpoolctl import threadpool_info
import autograd, optim
np.ones((64, 64)) @ np.ones((64, 64))  # numpy's BLAS is loaded and used, as in any training step
before = threadpool_info()
p = autograd.Tensor(np.ones((1024, 1024), np.float32), requires_grad=True)  # 4 MiB: several blocks
for opt in (optim.SGD([p], lr=0.1), optim.SGD([p], lr=0.1, momentum=0.9), optim.Adam([p], lr=0.1)):
    for _ in range(2):
        p.grad = autograd.Tensor(np.full((1024, 1024), 0.5, np.float32))
        opt.step()
after = threadpool_info()
print(json.dumps({"before": [i["filepath"] for i in before], "after": [i["filepath"] for i in after],
                  "scipy": sorted(m for m in sys.modules if m == "scipy" or m.startswith("scipy."))}))
"""


def test_optimizer_step_loads_no_second_blas():
    """An optimizer step on a large parameter imports no SciPy and loads no BLAS/OpenMP library
    beside numpy's (issue 14: SciPy's own OpenBLAS pool spun against numpy's at 2 threads).
    In a fresh process, so that other tests' imports do not count."""
    pytest.importorskip("threadpoolctl")
    out = subprocess.run([sys.executable, "-c", _ONE_BLAS_SCRIPT], capture_output=True, text=True, timeout=120,
                         cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["scipy"] == []
    assert seen["after"] == seen["before"]


def test_functional_adamw_matches_class():
    w = ag.Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    w.grad = ag.Tensor(np.array([0.3, -5.0, 1e-3]))
    optim.AdamW([w], lr=0.1, weight_decay=0.5).step()
    p = np.array([1.0, -2.0, 3.0])
    F.adamw([p], [np.array([0.3, -5.0, 1e-3])], [np.zeros(3)], [np.zeros(3)], [], [1.0], amsgrad=False,
            beta1=0.9, beta2=0.999, lr=0.1, weight_decay=0.5, eps=1e-8, maximize=False)
    np.testing.assert_array_equal(w.detach().numpy(), p)


# -- state dicts -----------------------------------------------------------------------------
def test_state_dict_layout():
    w, b, c = _param(2, 2), _param(2), _param(3)
    opt = optim.Adam([{"params": [w, b]}, {"params": [c], "lr": 0.1, "betas": (0.5, 0.6)}], amsgrad=True)
    _set_grad(w), _set_grad(c)
    opt.step()
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert sorted(sd["state"]) == [0, 2]
    assert sorted(sd["state"][0]) == ["exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"]
    assert sd["state"][0]["step"] == 1
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sd["param_groups"][1]["lr"] == 0.1 and sd["param_groups"][1]["betas"] == (0.5, 0.6)
    assert all(not isinstance(v, ag.Tensor) for g in sd["param_groups"] for v in g.values())
    sd["param_groups"][0]["lr"] = 123.0  # the dict is a copy of the options
    assert opt.param_groups[0]["lr"] == 1e-3


@pytest.mark.parametrize("cls, options", [
    (optim.SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    (optim.Adam, {"lr": 0.1, "amsgrad": True, "weight_decay": 0.1}),
    (optim.AdamW, {"lr": 0.1, "amsgrad": True}),
    (optim.RMSprop, {"lr": 0.1, "momentum": 0.5, "centered": True}),
    (optim.Adagrad, {"lr": 0.1, "lr_decay": 0.1, "initial_accumulator_value": 0.2}),
])
def test_load_state_dict_restores_options_and_copies_state(cls, options):
    def make():
        w, b = _param(3, 2), _param(2, seed=3)
        return (w, b), cls([{"params": [w]}, {"params": [b], "lr": 0.05}], **options)

    (w, b), opt = make()
    for i in range(3):
        _set_grad(w, seed=i), _set_grad(b, seed=10 + i)
        opt.step()
    opt.param_groups[1]["lr"] = 0.02  # e.g. changed by a scheduler
    sd = opt.state_dict()
    (w2, b2), opt2 = make()
    w2.detach().numpy()[...] = w.detach().numpy()
    b2.detach().numpy()[...] = b.detach().numpy()
    opt2.load_state_dict(sd)
    assert opt2.param_groups[1]["lr"] == 0.02 and opt2.param_groups[0]["params"] == [w2]
    for key, value in opt.param_groups[0].items():
        if key != "params":
            assert opt2.param_groups[0][key] == value
    for p, p2 in ((w, w2), (b, b2)):
        for key, value in opt.state[p].items():
            value2 = opt2.state[p2][key]
            if isinstance(value, ag.Tensor):
                assert value2 is not value and value2.detach().numpy() is not value.detach().numpy()
                np.testing.assert_array_equal(value2.detach().numpy(), value.detach().numpy())
            else:
                assert value2 == value
    for step in range(3):  # both continue identically; the original's state is not shared
        for p, p2, seed in ((w, w2, 20 + step), (b, b2, 30 + step)):
            _set_grad(p, seed), _set_grad(p2, seed)
        opt.step()
        opt2.step()
    np.testing.assert_array_equal(w.detach().numpy(), w2.detach().numpy())
    np.testing.assert_array_equal(b.detach().numpy(), b2.detach().numpy())


def test_load_state_dict_accepts_arrays_strings_and_lists():
    """What a save format may hand back: ndarrays, string keys, 0-d arrays, lists for tuples."""
    w = _param(3)
    opt = optim.Adam([w], lr=0.1)
    _set_grad(w)
    opt.step()
    sd = opt.state_dict()
    raw = {"state": {"0": {"step": np.array(1.0), "exp_avg": sd["state"][0]["exp_avg"].detach().numpy().tolist(),
                           "exp_avg_sq": np.array(sd["state"][0]["exp_avg_sq"].detach().numpy())}},
           "param_groups": [dict(sd["param_groups"][0], lr=np.array(0.1), betas=[0.9, 0.999],
                                 amsgrad=np.array(False), params=np.array([0]))]}
    w2 = ag.Tensor(w.detach().numpy().astype(np.float32), requires_grad=True)
    opt2 = optim.Adam([w2])
    opt2.load_state_dict(raw)
    g = opt2.param_groups[0]
    assert g["lr"] == 0.1 and type(g["lr"]) is float and g["betas"] == (0.9, 0.999) and g["amsgrad"] is False
    st = opt2.state[w2]
    assert st["step"] == 1.0 and st["exp_avg"].dtype == np.float32 and st["exp_avg_sq"].dtype == np.float32
    np.testing.assert_allclose(st["exp_avg"].detach().numpy(), sd["state"][0]["exp_avg"].detach().numpy(), rtol=1e-6)


def test_adamw_load_keeps_decoupled_decay():
    w = _param(3)
    sd = optim.Adam([w]).state_dict()
    opt = optim.AdamW([_param(3)])
    opt.load_state_dict(sd)
    assert opt.param_groups[0]["decoupled_weight_decay"] is True


def test_load_state_dict_errors():
    w, b = _param(3), _param(2)
    opt = optim.Adam([w, b])
    _set_grad(w)
    opt.step()
    sd = opt.state_dict()
    with pytest.raises(ValueError, match=r"^Adam: loaded state dict has a different number of parameter groups; "
                                         r"got 1, expected 2\.$"):
        optim.Adam([{"params": [w]}, {"params": [b]}]).load_state_dict(sd)
    with pytest.raises(ValueError, match=r"^Adam: loaded parameter group 0 has a different number of parameters; "
                                         r"got 2, expected 1\.$"):
        optim.Adam([w]).load_state_dict(sd)
    with pytest.raises(ValueError, match=r"^Adam: loaded state 'exp_avg' of parameter 0 has the wrong shape; "
                                         r"got \(3,\), expected \(2,\)\.$"):
        optim.Adam([_param(2), _param(3)]).load_state_dict(sd)
    with pytest.raises(TypeError, match=r"^Adam: load_state_dict expects a dict with 'state' and 'param_groups'"):
        opt.load_state_dict([1, 2])


# -- bad input -------------------------------------------------------------------------------
BAD_OPTIONS = [
    (optim.SGD, {"lr": -0.1}, ValueError, r"SGD: invalid lr; got -0.1, expected lr >= 0."),
    (optim.SGD, {"lr": float("nan")}, ValueError, r"SGD: invalid lr; got nan, expected lr >= 0."),
    (optim.SGD, {"lr": "0.1"}, TypeError, r"SGD: lr must be a real number; got str, expected a float."),
    (optim.SGD, {"momentum": -0.5}, ValueError, r"SGD: invalid momentum; got -0.5, expected momentum >= 0."),
    (optim.SGD, {"weight_decay": -1e-4}, ValueError,
     r"SGD: invalid weight_decay; got -0.0001, expected weight_decay >= 0."),
    (optim.SGD, {"nesterov": True}, ValueError,
     (r"SGD: nesterov momentum requires a momentum and zero dampening; got momentum=0, dampening=0, "
      r"expected momentum > 0 and dampening = 0.")),
    (optim.SGD, {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, ValueError,
     (r"SGD: nesterov momentum requires a momentum and zero dampening; got momentum=0.9, dampening=0.1, "
      r"expected momentum > 0 and dampening = 0.")),
    (optim.SGD, {"fused": True}, ValueError, r"SGD: fused=True is not supported; got True, expected False or None."),
    (optim.Adam, {"lr": -1e-3}, ValueError, r"Adam: invalid lr; got -0.001, expected lr >= 0."),
    (optim.Adam, {"betas": (1.0, 0.999)}, ValueError,
     r"Adam: invalid betas[0]; got 1.0, expected 0 <= betas[0] < 1."),
    (optim.Adam, {"betas": (0.9, -0.1)}, ValueError,
     r"Adam: invalid betas[1]; got -0.1, expected 0 <= betas[1] < 1."),
    (optim.Adam, {"betas": 0.9}, TypeError, r"Adam: betas must be a pair of floats; got 0.9, expected (beta1, beta2)."),
    (optim.Adam, {"eps": -1e-8}, ValueError, r"Adam: invalid eps; got -1e-08, expected eps >= 0."),
    (optim.Adam, {"weight_decay": -0.1}, ValueError, r"Adam: invalid weight_decay; got -0.1, expected weight_decay >= 0."),
    (optim.AdamW, {"betas": (0.9, 1.5)}, ValueError, r"AdamW: invalid betas[1]; got 1.5, expected 0 <= betas[1] < 1."),
    (optim.AdamW, {"weight_decay": -0.01}, ValueError,
     r"AdamW: invalid weight_decay; got -0.01, expected weight_decay >= 0."),
    (optim.AdamW, {"capturable": True}, ValueError,
     r"AdamW: capturable=True is not supported; got True, expected False or None."),
    (optim.RMSprop, {"alpha": -0.99}, ValueError, r"RMSprop: invalid alpha; got -0.99, expected alpha >= 0."),
    (optim.RMSprop, {"eps": -1.0}, ValueError, r"RMSprop: invalid eps; got -1.0, expected eps >= 0."),
    (optim.RMSprop, {"momentum": -0.9}, ValueError, r"RMSprop: invalid momentum; got -0.9, expected momentum >= 0."),
    (optim.RMSprop, {"weight_decay": -0.9}, ValueError,
     r"RMSprop: invalid weight_decay; got -0.9, expected weight_decay >= 0."),
    (optim.Adagrad, {"lr_decay": -0.1}, ValueError, r"Adagrad: invalid lr_decay; got -0.1, expected lr_decay >= 0."),
    (optim.Adagrad, {"initial_accumulator_value": -1.0}, ValueError,
     r"Adagrad: invalid initial_accumulator_value; got -1.0, expected initial_accumulator_value >= 0."),
    (optim.Adagrad, {"eps": -1e-10}, ValueError, r"Adagrad: invalid eps; got -1e-10, expected eps >= 0."),
    (optim.Adagrad, {"weight_decay": -1}, ValueError, r"Adagrad: invalid weight_decay; got -1, expected weight_decay >= 0."),
]


@pytest.mark.parametrize("cls, options, error, message", BAD_OPTIONS,
                         ids=[f"{c.__name__}-{next(iter(o))}" for c, o, _, _ in BAD_OPTIONS])
def test_bad_options(cls, options, error, message):
    with pytest.raises(error) as info:
        cls([_param(2)], **options)
    assert str(info.value) == message


@pytest.mark.parametrize("cls", OPTIMIZERS)
def test_bad_group_option_is_checked_too(cls):
    with pytest.raises(ValueError, match=rf"^{cls.__name__}: invalid lr; got -1.0, expected lr >= 0\.$"):
        cls([{"params": [_param(2)]}, {"params": [_param(3)], "lr": -1.0}])


@pytest.mark.parametrize("cls", OPTIMIZERS)
def test_bad_params(cls):
    name = cls.__name__
    w = _param(2)
    with pytest.raises(ValueError, match=rf"^{name}: empty parameter list; got 0 parameters, "
                                         rf"expected at least one Tensor\.$"):
        cls([])
    with pytest.raises(TypeError, match=rf"^{name}: params must be an iterable of Tensors or dicts; "
                                        rf"got a single Tensor"):
        cls(w)
    with pytest.raises(TypeError, match=rf"^{name}: params must be an ordered collection; got a set"):
        cls({w})
    with pytest.raises(TypeError, match=rf"^{name}: params must be an iterable of Tensors or dicts; got int, "
                                        rf"expected a list such as model\.parameters\(\)\.$"):
        cls(3)
    with pytest.raises(TypeError, match=rf"^{name}: params must be an iterable of Tensors or dicts; got a dict"):
        cls({"w": w})
    with pytest.raises(TypeError, match=rf"^{name}: can only optimize Tensors; got ndarray, "
                                        rf"expected autograd\.Tensor\.$"):
        cls([np.zeros(3)])
    with pytest.raises(TypeError, match=rf"^{name}: can only optimize Tensors; got float"):
        cls([w, 1.0])
    with pytest.raises(ValueError, match=rf"^{name}: a parameter appears more than once in a parameter group; "
                                         rf"got 2 entries for 1 distinct tensors, expected each parameter once\.$"):
        cls([w, w])
    with pytest.raises(ValueError, match=rf"^{name}: some parameters appear in more than one parameter group; "
                                         rf"expected each parameter in exactly one group\.$"):
        cls([{"params": [w]}, {"params": [_param(3), w]}])
    opt = cls([w])
    with pytest.raises(ValueError, match=rf"^{name}: some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": w})
    with pytest.raises(TypeError, match=rf"^{name}: a parameter group must be a dict; got list"):
        opt.add_param_group([_param(3)])
    with pytest.raises(ValueError, match=rf"^{name}: can't optimize a non-leaf Tensor; got a tensor made by 'mul'"):
        cls([w * 2])


def test_sgd_lr_required_for_custom_groups():
    from optim.optimizer import Optimizer, required

    class Custom(Optimizer):
        """A test optimizer with a required lr."""

    Custom([_param(2)], {"lr": 0.1})
    with pytest.raises(ValueError, match=r"^Custom: parameter group didn't specify a value of required option lr"):
        Custom([_param(2)], {"lr": required})
    with pytest.raises(NotImplementedError):
        Custom([_param(2)], {"lr": 0.1}).step()


def test_repr():
    text = repr(optim.SGD([_param(2)], lr=0.1, momentum=0.9))
    assert text.startswith("SGD (") and "lr: 0.1" in text and "momentum: 0.9" in text


def test_rmsprop_momentum_switched_on_later():
    w = _param(3)
    opt = optim.RMSprop([w], lr=0.01)
    _set_grad(w)
    opt.step()
    assert "momentum_buffer" not in opt.state[w]
    opt.param_groups[0]["momentum"] = 0.9
    opt.param_groups[0]["centered"] = True
    opt.step()
    assert opt.state[w]["momentum_buffer"].shape == (3,) and opt.state[w]["grad_avg"].shape == (3,)
