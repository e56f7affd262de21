"""Edge cases of every optimizer: 0-d parameters (against torch.optim) and gradients of a wrong shape."""
import numpy as np
import pytest

import autograd as ag
import optim

from ..conftest import require_torch
from .test_optim_torch import CONFIGS, _ids, _sign

OPTIMIZERS = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]


def _objective(theta, v, sign):
    """f(θ, v) = 1.5 (θ − 0.3)² + 0.2 θ⁴ + Σ (v − θ)², for tracegrad or torch tensors alike."""
    d = v - theta
    return sign * (1.5 * (theta - 0.3) ** 2 + 0.2 * theta ** 4 + (d * d).sum())


@pytest.mark.parametrize("config", CONFIGS, ids=_ids(CONFIGS))
def test_0d_parameter_matches_torch(config):
    """A 0-d parameter (next to a 1-d one in the same group) follows torch.optim for 10 steps."""
    torch = require_torch()
    name, options = config
    sign = _sign(options)
    theta0, v0 = np.array(0.9), np.array([0.5, -1.0])
    ours = [ag.Tensor(theta0.copy(), requires_grad=True), ag.Tensor(v0.copy(), requires_grad=True)]
    theirs = [torch.tensor(theta0.copy(), requires_grad=True), torch.tensor(v0.copy(), requires_grad=True)]
    opt = getattr(optim, name)(ours, **options)
    topt = getattr(torch.optim, name)(theirs, foreach=False, **options)
    for _ in range(10):
        opt.zero_grad()
        _objective(*ours, sign).backward()
        opt.step()
        topt.zero_grad()
        _objective(*theirs, sign).backward()
        topt.step()
        for p, tp in zip(ours, theirs):
            assert p.detach().numpy().shape == tuple(tp.shape) and p.detach().numpy().dtype == np.float64
            np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-10, atol=1e-14)
    assert abs(float(ours[0].detach().numpy()) - 0.9) > 1e-3  # the 0-d parameter really moved
    for st, tst in zip((opt.state[p] for p in ours), (topt.state[p] for p in theirs)):
        assert sorted(st) == sorted(tst)
        for key, value in st.items():
            if key != "step":
                assert value.shape == tuple(tst[key].shape), key  # 0-d state stays 0-d
                np.testing.assert_allclose(value.detach().numpy(), tst[key].numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_0d_parameter_float32(name):
    """float32 0-d parameters stay float32 0-d ndarrays."""
    p = ag.Tensor(np.array(0.5, dtype=np.float32), requires_grad=True)
    opt = getattr(optim, name)([p], lr=0.1, weight_decay=0.1)
    for _ in range(3):
        opt.zero_grad()
        (p * p).backward()
        opt.step()
    assert p.detach().numpy().__class__ is np.ndarray and p.detach().numpy().shape == () and p.detach().numpy().dtype == np.float32
    assert float(p.detach().numpy()) < 0.5


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_gradient_of_another_shape_is_refused(name):
    """A (1,) gradient on a (3,) parameter raises (Adam used to broadcast it) and nothing moves."""
    w = ag.Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = ag.Tensor(np.array([0.5]), requires_grad=True)
    opt = getattr(optim, name)([{"params": [b]}, {"params": [w]}], lr=0.1)
    b.grad = ag.Tensor(np.array([1.0]))
    w.grad = ag.Tensor(np.zeros(3))
    w.grad.data = ag.tensor([1.0])  # behind the .grad setter's back, as a hook or a .data swap could
    msg = (rf"{name}: the gradient of parameter 1 has another shape than the parameter; got grad shape "
           rf"\(1,\), expected the parameter's shape \(3,\)\.")
    with pytest.raises(ValueError, match=msg):
        opt.step()
    np.testing.assert_array_equal(w.detach().numpy(), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(b.detach().numpy(), [0.5])  # the other group was not updated either


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_0d_gradient_for_1d_parameter_is_refused(name):
    """A 0-d gradient is not broadcast over a (2,) parameter either."""
    w = ag.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    opt = getattr(optim, name)([w], lr=0.1)
    w.grad = ag.Tensor(np.zeros(2))
    w.grad.data = ag.tensor(1.0)
    with pytest.raises(ValueError, match=rf"{name}: .* got grad shape \(\), expected the parameter's shape \(2,\)"):
        opt.step()
