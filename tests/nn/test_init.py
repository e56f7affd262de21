"""nn.init: PyTorch's formulas (gains, fans, bounds), variances on large tensors, in place
under no graph, return values, errors."""
import math

import numpy as np
import pytest

import autograd as ag
import nn
from nn import init


def _p(*shape, dtype=np.float32):
    return nn.Parameter(np.zeros(shape, dtype=dtype))


def test_calculate_gain_matches_torch(torch):
    for nl in ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose2d", "sigmoid", "tanh", "relu", "selu"]:
        assert init.calculate_gain(nl) == pytest.approx(torch.nn.init.calculate_gain(nl))
    for param in [None, 0.2, 1, math.sqrt(5)]:
        assert init.calculate_gain("leaky_relu", param) == pytest.approx(
            torch.nn.init.calculate_gain("leaky_relu", param))
    with pytest.raises(ValueError, match="calculate_gain: unsupported nonlinearity; got 'swish'"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="calculate_gain: negative_slope must be a number"):
        init.calculate_gain("leaky_relu", "x")


def test_fans_match_torch(torch):
    for shape in [(3, 4), (8, 3, 5, 5), (6, 2, 3)]:
        ours = init._calculate_fan_in_and_fan_out(_p(*shape))
        theirs = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
        assert ours == theirs
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(_p(5))


def _var_close(values, expected, rel=0.03):
    assert abs(values.var() / expected - 1) < rel, (values.var(), expected)


def test_uniform_normal_constant():
    ag.manual_seed(0)
    t = _p(400, 500)
    assert init.uniform_(t, -2.0, 3.0) is t
    assert t.detach().numpy().min() >= -2 and t.detach().numpy().max() < 3
    _var_close(t.detach().numpy(), 25 / 12)
    assert abs(t.detach().numpy().mean() - 0.5) < 0.01
    init.normal_(t, 1.0, 0.5)
    _var_close(t.detach().numpy(), 0.25)
    assert abs(t.detach().numpy().mean() - 1.0) < 0.005
    assert t.dtype == np.float32
    assert init.constant_(t, 0.3) is t and np.all(t.detach().numpy() == np.float32(0.3))
    assert np.all(init.zeros_(t).data == 0) and np.all(init.ones_(t).data == 1)
    e = init.eye_(_p(3, 4))
    np.testing.assert_array_equal(e.detach().numpy(), np.eye(3, 4))
    with pytest.raises(ValueError, match="uniform_: the lower bound exceeds the upper bound"):
        init.uniform_(t, 1.0, 0.0)


def test_trunc_normal():
    ag.manual_seed(1)
    t = init.trunc_normal_(_p(200, 200), std=1.0, a=-1.0, b=1.5)
    assert t.detach().numpy().min() >= -1.0 and t.detach().numpy().max() <= 1.5


@pytest.mark.parametrize("shape", [(300, 400), (64, 32, 3, 3)])
def test_xavier(shape):
    ag.manual_seed(2)
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(_p(*shape))
    t = _p(*shape)
    assert init.xavier_uniform_(t, gain=2.0) is t
    bound = 2.0 * math.sqrt(6 / (fan_in + fan_out))
    assert np.abs(t.detach().numpy()).max() <= bound
    _var_close(t.detach().numpy(), bound ** 2 / 3)
    init.xavier_normal_(t, gain=0.5)
    _var_close(t.detach().numpy(), (0.5 * math.sqrt(2 / (fan_in + fan_out))) ** 2)


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("nonlinearity,a", [("relu", 0), ("leaky_relu", 0.1), ("leaky_relu", math.sqrt(5)),
                                            ("tanh", 0)])
def test_kaiming(mode, nonlinearity, a):
    ag.manual_seed(3)
    shape = (200, 30, 3, 3)
    t = _p(*shape)
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(t)
    fan = fan_in if mode == "fan_in" else fan_out
    std = init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    assert init.kaiming_uniform_(t, a=a, mode=mode, nonlinearity=nonlinearity) is t
    assert np.abs(t.detach().numpy()).max() <= math.sqrt(3) * std * (1 + 1e-6)
    _var_close(t.detach().numpy(), std ** 2)
    init.kaiming_normal_(t, a=a, mode=mode, nonlinearity=nonlinearity)
    _var_close(t.detach().numpy(), std ** 2)


def test_kaiming_errors():
    with pytest.raises(ValueError, match="init: mode 'fan_avg' is not supported"):
        init.kaiming_uniform_(_p(3, 3), mode="fan_avg")
    with pytest.raises(ValueError, match="calculate_gain: unsupported nonlinearity"):
        init.kaiming_normal_(_p(3, 3), nonlinearity="mish")
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.kaiming_uniform_(_p(3))
    with pytest.raises(TypeError, match="kaiming_uniform_: expected a Tensor; got ndarray"):
        init.kaiming_uniform_(np.zeros((3, 3)))


@pytest.mark.parametrize("shape", [(5, 8), (8, 5), (4, 2, 3)])
def test_orthogonal(shape):
    ag.manual_seed(4)
    t = init.orthogonal_(_p(*shape, dtype=np.float64), gain=1.5)
    flat = t.detach().numpy().reshape(shape[0], -1)
    rows, cols = flat.shape
    if rows <= cols:
        np.testing.assert_allclose(flat @ flat.T, 2.25 * np.eye(rows), atol=1e-12)
    else:
        np.testing.assert_allclose(flat.T @ flat, 2.25 * np.eye(cols), atol=1e-12)
    with pytest.raises(ValueError, match="orthogonal_: only tensors with 2 or more dimensions"):
        init.orthogonal_(_p(3))


def test_in_place_on_parameters_no_graph_and_version():
    p = _p(3, 4)
    data = p.detach().numpy()
    v = p._version
    out = init.normal_(p)
    assert out is p and p.detach().numpy() is data and p.grad_fn is None and p.requires_grad
    assert p._version > v


def test_seeded_reproducible():
    ag.manual_seed(5)
    a = init.kaiming_uniform_(_p(4, 4)).detach().numpy().copy()
    ag.manual_seed(5)
    np.testing.assert_array_equal(init.kaiming_uniform_(_p(4, 4)).data, a)
