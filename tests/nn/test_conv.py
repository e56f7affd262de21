"""Conv2d, MaxPool2d, AvgPool2d and Embedding layers: PyTorch's defaults, initialization,
state_dict keys, and parity with the PyTorch modules from the same weights."""
import math

import numpy as np
import pytest

import autograd as ag
from nn.conv import Conv2d
from nn.embedding import Embedding
from nn.pooling import AvgPool2d, MaxPool2d

from ..conftest import require_torch


def _grad(t):
    return t.grad.detach().numpy()


@pytest.mark.parametrize("kwargs", [dict(), dict(stride=2, padding=1), dict(padding=(1, 2), dilation=2, groups=2),
                                    dict(bias=False, stride=(2, 1))])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_conv2d_matches_torch(kwargs, dtype):
    torch = require_torch()
    ag.manual_seed(0)
    m = Conv2d(4, 6, 3, dtype=dtype, **kwargs)
    tm = torch.nn.Conv2d(4, 6, 3, **kwargs).to(torch.float64 if dtype == np.float64 else torch.float32)
    with torch.no_grad():
        tm.weight.copy_(torch.from_numpy(m.weight.detach().numpy()))
        if m.bias is not None:
            tm.bias.copy_(torch.from_numpy(m.bias.detach().numpy()))
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 4, 9, 8)).astype(dtype)
    xt = ag.Tensor(x, requires_grad=True)
    out = m(xt)
    txt = torch.tensor(x, requires_grad=True)
    tout = tm(txt)
    assert out.dtype == dtype and out.shape == tuple(tout.shape)
    tol = dict(rtol=1e-10, atol=1e-10) if dtype == np.float64 else dict(rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), **tol)
    g = rng.standard_normal(out.shape).astype(dtype)
    out.backward(g)
    tout.backward(torch.from_numpy(g))
    np.testing.assert_allclose(_grad(xt), txt.grad.numpy(), **tol)
    np.testing.assert_allclose(_grad(m.weight), tm.weight.grad.numpy(), **tol)
    assert m.weight.grad.dtype == dtype
    if m.bias is not None:
        np.testing.assert_allclose(_grad(m.bias), tm.bias.grad.numpy(), **tol)


def test_conv2d_defaults_init_and_state_dict():
    ag.manual_seed(3)
    m = Conv2d(8, 16, (3, 5))
    assert m.weight.shape == (16, 8, 3, 5) and m.bias.shape == (16,)
    assert m.weight.dtype == np.float32
    assert list(m.state_dict()) == ["weight", "bias"]
    bound = 1.0 / math.sqrt(8 * 3 * 5)
    assert np.abs(m.weight.detach().numpy()).max() <= bound and np.abs(m.bias.detach().numpy()).max() <= bound
    # kaiming_uniform_(a=√5) fills the range: the sample maximum is close to the bound
    assert np.abs(m.weight.detach().numpy()).max() > 0.95 * bound
    np.testing.assert_allclose(np.var(m.weight.detach().numpy()), bound ** 2 / 3, rtol=0.1)
    assert Conv2d(2, 2, 1, bias=False).bias is None
    assert "Conv2d(8, 16, kernel_size=(3, 5), stride=(1, 1))" == repr(m)
    with pytest.raises(ValueError, match=r"Conv2d: in_channels and out_channels must be divisible by groups"):
        Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match=r"Conv2d: kernel_size must be >= 1; got 0"):
        Conv2d(3, 4, 0)


def test_conv2d_channel_mismatch_message():
    m = Conv2d(3, 4, 3)
    with pytest.raises(ValueError, match=r"conv2d: x.shape\[1\] must equal weight.shape\[1\] \* groups; "
                                         r"got x \(1, 2, 5, 5\), weight \(4, 3, 3, 3\), groups 1"):
        m(ag.zeros(1, 2, 5, 5))
    with pytest.raises(TypeError, match=r"conv2d: x and weight must have the same dtype; got float64 and float32"):
        m(ag.Tensor(np.zeros((1, 3, 5, 5))))


@pytest.mark.parametrize("cls,kwargs", [(MaxPool2d, dict(kernel_size=2)),
                                        (MaxPool2d, dict(kernel_size=2, stride=1, dilation=2, padding=1)),
                                        (MaxPool2d, dict(kernel_size=3, stride=2, padding=1)),
                                        (AvgPool2d, dict(kernel_size=2)),
                                        (AvgPool2d, dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
                                        (AvgPool2d, dict(kernel_size=(2, 3), stride=1, padding=(1, 0))),
                                        (AvgPool2d, dict(kernel_size=3, stride=2, padding=1, divisor_override=4))])
def test_pooling_layers_match_torch(cls, kwargs):
    torch = require_torch()
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 7, 8)).astype(np.float32)
    xt = ag.Tensor(x, requires_grad=True)
    out = cls(**kwargs)(xt)
    txt = torch.tensor(x, requires_grad=True)
    tout = getattr(torch.nn, cls.__name__)(**kwargs)(txt)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert out.dtype == np.float32
    g = rng.standard_normal(out.shape).astype(np.float32)
    out.backward(g)
    tout.backward(torch.from_numpy(g))
    np.testing.assert_allclose(xt.grad.detach().numpy(), txt.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_pooling_options():
    assert repr(MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    torch = require_torch()
    x0 = np.random.default_rng(3).standard_normal((1, 2, 5, 5)).astype(np.float32)
    for ours, theirs in ((AvgPool2d(2, ceil_mode=True), torch.nn.AvgPool2d(2, ceil_mode=True)),
                         (MaxPool2d(2, ceil_mode=True), torch.nn.MaxPool2d(2, ceil_mode=True))):
        np.testing.assert_allclose(ours(ag.Tensor(x0)).data, theirs(torch.from_numpy(x0)).numpy(), rtol=1e-6)
    x = ag.Tensor(np.arange(32.0).reshape(1, 2, 4, 4))
    values, idx = MaxPool2d(2, return_indices=True)(x)
    np.testing.assert_array_equal(idx.detach().numpy()[0, 0], [[5, 7], [13, 15]])
    np.testing.assert_array_equal(values.detach().numpy()[0, 1], [[21, 23], [29, 31]])


def test_embedding_layer_matches_torch():
    torch = require_torch()
    ag.manual_seed(0)
    m = Embedding(10, 4, padding_idx=2)
    assert m.weight.shape == (10, 4) and list(m.state_dict()) == ["weight"]
    np.testing.assert_array_equal(m.weight.detach().numpy()[2], 0)
    tm = torch.nn.Embedding(10, 4, padding_idx=2)
    with torch.no_grad():
        tm.weight.copy_(torch.from_numpy(m.weight.detach().numpy()))
    idx = np.array([[1, 2, 3], [3, 3, 9]])
    out = m(idx)
    tout = tm(torch.from_numpy(idx))
    np.testing.assert_array_equal(out.detach().numpy(), tout.detach().numpy())
    g = np.random.default_rng(0).standard_normal(out.shape).astype(np.float32)
    out.backward(g)
    tout.backward(torch.from_numpy(g))
    np.testing.assert_allclose(m.weight.grad.detach().numpy(), tm.weight.grad.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(m.weight.grad.detach().numpy()[2], 0)  # padding row gets no gradient
    # int Tensor indices work as well
    np.testing.assert_array_equal(m(ag.Tensor(idx)).data, out.detach().numpy())


def test_embedding_init_and_from_pretrained():
    ag.manual_seed(5)
    m = Embedding(2000, 8)
    assert abs(float(m.weight.detach().numpy().mean())) < 0.02 and abs(float(m.weight.detach().numpy().std()) - 1) < 0.02
    table = np.arange(6, dtype=np.float32).reshape(3, 2)
    e = Embedding.from_pretrained(table)
    assert not e.weight.requires_grad
    np.testing.assert_array_equal(e(np.array([2, 0])).data, [[4, 5], [0, 1]])
    with pytest.raises(ValueError, match=r"embedding: indices must lie in \[0, num_embeddings\); got values in "
                                         r"\[0, 3\], expected \[0, 3\)"):
        e(np.array([0, 3]))
