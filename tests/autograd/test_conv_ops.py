"""conv2d / pooling / embedding ops beyond the OPS table: higher-order gradients, exact
gradient routing in max pooling (ties, overlaps), dtype preservation, PyTorch parity of
max_unpool2d, and the composite identities behind the VJPs."""
import gc
import weakref

import numpy as np
import pytest

import autograd as ag
from autograd.ops.conv import avg_pool2d, conv2d, conv2d_input, conv2d_weight, max_pool2d, max_unpool2d
from autograd.ops.layers import embedding, embedding_dense_backward

from ..conftest import require_torch

CONV_CASES = [dict(), dict(stride=2, padding=1), dict(dilation=2, padding=(1, 0)), dict(groups=2, stride=(1, 2))]


@pytest.mark.parametrize("kwargs", CONV_CASES)
def test_conv2d_second_order(kwargs):
    rng = np.random.default_rng(0)
    x = ag.Tensor(rng.standard_normal((1, 2, 5, 4)), requires_grad=True)
    w = ag.Tensor(rng.standard_normal((2, 2 // kwargs.get("groups", 1), 2, 2)), requires_grad=True)
    b = ag.Tensor(rng.standard_normal(2), requires_grad=True)
    assert ag.gradgradcheck(lambda x, w, b: conv2d(x, w, b, **kwargs), [x, w, b])


def test_conv_adjoint_ops_second_order():
    rng = np.random.default_rng(1)
    w = ag.Tensor(rng.standard_normal((3, 2, 2, 2)), requires_grad=True)
    g = ag.Tensor(rng.standard_normal((1, 3, 3, 3)), requires_grad=True)
    x = ag.Tensor(rng.standard_normal((1, 2, 4, 5)), requires_grad=True)
    kw = dict(stride=2, padding=1)
    assert ag.gradgradcheck(lambda w, g: conv2d_input((1, 2, 4, 5), w, g, **kw), [w, g])
    assert ag.gradgradcheck(lambda x, g: conv2d_weight(x, (3, 2, 2, 2), g, **kw), [x, g])


def test_conv2d_double_backward_matches_torch():
    torch = require_torch()
    rng = np.random.default_rng(2)
    x0, w0 = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3))
    x, w = ag.Tensor(x0, requires_grad=True), ag.Tensor(w0, requires_grad=True)
    tx, tw = torch.tensor(x0, requires_grad=True), torch.tensor(w0, requires_grad=True)
    out = conv2d(x, w, stride=2, padding=1)
    tout = torch.nn.functional.conv2d(tx, tw, stride=2, padding=1)
    gx, = ag.grad((out * out).sum(), [x], create_graph=True)
    tgx, = torch.autograd.grad((tout * tout).sum(), [tx], create_graph=True)
    np.testing.assert_allclose(gx.data, tgx.detach().numpy(), rtol=1e-10, atol=1e-10)
    hx, hw = ag.grad((gx * gx).sum(), [x, w])
    thx, thw = torch.autograd.grad((tgx * tgx).sum(), [tx, tw])
    np.testing.assert_allclose(hx.data, thx.numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(hw.data, thw.numpy(), rtol=1e-9, atol=1e-9)


def test_conv2d_float32_stays_float32():
    rng = np.random.default_rng(3)
    x = ag.Tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float32), requires_grad=True)
    w = ag.Tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), requires_grad=True)
    b = ag.Tensor(np.zeros(4, np.float32), requires_grad=True)
    y = max_pool2d(ag.relu(conv2d(x, w, b, padding=1)), 2)
    y = avg_pool2d(y, 2)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32


def test_max_pool_ties_and_overlap_exact():
    # ties: the first maximum (row-major) of each window takes the whole gradient
    x = ag.Tensor(np.ones((1, 1, 2, 4)), requires_grad=True)
    max_pool2d(x, 2).backward(np.array([[[[3.0, 5.0]]]]))
    np.testing.assert_array_equal(x.grad.data[0, 0], [[3, 0, 5, 0], [0, 0, 0, 0]])
    # overlapping windows: the shared maximum receives the sum of both windows' gradients
    x = ag.Tensor(np.array([[[[0.0, 1.0, 9.0, 2.0, 0.5]]]]), requires_grad=True)
    out = max_pool2d(x, (1, 3), stride=1)
    np.testing.assert_array_equal(out.data[0, 0], [[9, 9, 9]])
    out.backward(np.array([[[[1.0, 2.0, 4.0]]]]))
    np.testing.assert_array_equal(x.grad.data[0, 0], [[0, 0, 7, 0, 0]])
    # padding is −∞: never selected, even for all-negative inputs
    x = ag.Tensor(-np.ones((1, 1, 2, 2)) * np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    out = max_pool2d(x, 2, stride=1, padding=1)
    assert out.shape == (1, 1, 3, 3) and np.all(out.data <= -1)


def test_max_pool_second_order_and_unpool_parity():
    torch = require_torch()
    rng = np.random.default_rng(4)
    x = ag.Tensor(rng.standard_normal((2, 2, 5, 5)), requires_grad=True)
    assert ag.gradgradcheck(lambda x: max_pool2d(x, 3, stride=2, padding=1) ** 2, [x])
    tx = torch.tensor(x.data)
    tout, tidx = torch.nn.functional.max_pool2d(tx, 2, return_indices=True)
    np.testing.assert_array_equal(max_pool2d(x, 2).data, tout.numpy())
    g = rng.standard_normal(tout.shape)
    ours = max_unpool2d(ag.Tensor(g), tidx.numpy(), 2, output_size=(5, 5))
    theirs = torch.nn.functional.max_unpool2d(torch.from_numpy(g), tidx, 2, output_size=(5, 5))
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    with pytest.raises(ValueError, match=r"max_unpool2d: indices must lie in \[0, H·W\); got values in"):
        max_unpool2d(ag.Tensor(g), tidx.numpy() + 100, 2, output_size=(5, 5))


def test_avg_pool_second_order_and_values():
    rng = np.random.default_rng(5)
    x = ag.Tensor(rng.standard_normal((1, 2, 5, 4)), requires_grad=True)
    assert ag.gradgradcheck(lambda x: avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False) ** 2, [x])
    x = ag.Tensor(np.arange(16.0).reshape(1, 1, 4, 4))
    np.testing.assert_array_equal(avg_pool2d(x, 2).data[0, 0], [[2.5, 4.5], [10.5, 12.5]])
    # border window with padding: 4 real cells of 9, counted or not
    assert avg_pool2d(x, 3, stride=3, padding=1).data[0, 0, 0, 0] == pytest.approx((0 + 1 + 4 + 5) / 9)
    assert avg_pool2d(x, 3, stride=3, padding=1, count_include_pad=False).data[0, 0, 0, 0] == pytest.approx(2.5)


def test_embedding_second_order_and_accumulation():
    rng = np.random.default_rng(6)
    w = ag.Tensor(rng.standard_normal((5, 3)), requires_grad=True)
    idx = np.array([[0, 4, 0], [2, 0, 1]])
    out = embedding(idx, w)
    out.backward(np.ones(out.shape))
    np.testing.assert_array_equal(w.grad.data[:, 0], [3, 1, 1, 0, 1])  # row 0 picked three times
    assert ag.gradgradcheck(lambda w: embedding(idx, w) * embedding(idx[::-1], w), [w])
    g = ag.Tensor(rng.standard_normal((2, 3, 3)), requires_grad=True)
    assert ag.gradgradcheck(lambda g: embedding_dense_backward(g, idx, 5, padding_idx=4) ** 2, [g])
    with pytest.raises(ValueError, match=r"embedding_dense_backward: grad_output must have shape indices.shape"):
        embedding_dense_backward(ag.zeros(2, 3), idx, 5)


def test_conv_graph_has_no_reference_cycles():
    x = ag.Tensor(np.ones((1, 1, 4, 4), np.float32), requires_grad=True)
    w = ag.Tensor(np.ones((1, 1, 3, 3), np.float32), requires_grad=True)
    y = max_pool2d(conv2d(x, w, padding=1), 2)
    ref = weakref.ref(y.grad_fn)
    gc.disable()
    try:
        del y
        assert ref() is None  # freed by reference counting alone
    finally:
        gc.enable()
