"""conv2d / pooling / embedding ops beyond the OPS table: higher-order gradients, exact
gradient routing in max pooling (ties, overlaps), dtype preservation, PyTorch parity of
max_unpool2d, and the composite identities behind the VJPs."""
import gc
import weakref

import numpy as np
import pytest

import autograd as ag
from autograd.ops.conv import conv2d, conv2d_input, conv2d_weight
from autograd.ops.layers import embedding, embedding_dense_backward
from autograd.ops.pool import avg_pool2d, max_pool2d, max_unpool2d

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
    np.testing.assert_allclose(gx.detach().numpy(), tgx.detach().numpy(), rtol=1e-10, atol=1e-10)
    hx, hw = ag.grad((gx * gx).sum(), [x, w])
    thx, thw = torch.autograd.grad((tgx * tgx).sum(), [tx, tw])
    np.testing.assert_allclose(hx.detach().numpy(), thx.numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(hw.detach().numpy(), thw.numpy(), rtol=1e-9, atol=1e-9)


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
    np.testing.assert_array_equal(x.grad.detach().numpy()[0, 0], [[3, 0, 5, 0], [0, 0, 0, 0]])
    # overlapping windows: the shared maximum receives the sum of both windows' gradients
    x = ag.Tensor(np.array([[[[0.0, 1.0, 9.0, 2.0, 0.5]]]]), requires_grad=True)
    out = max_pool2d(x, (1, 3), stride=1)
    np.testing.assert_array_equal(out.detach().numpy()[0, 0], [[9, 9, 9]])
    out.backward(np.array([[[[1.0, 2.0, 4.0]]]]))
    np.testing.assert_array_equal(x.grad.detach().numpy()[0, 0], [[0, 0, 7, 0, 0]])
    # padding is −∞: never selected, even for all-negative inputs
    x = ag.Tensor(-np.ones((1, 1, 2, 2)) * np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    out = max_pool2d(x, 2, stride=1, padding=1)
    assert out.shape == (1, 1, 3, 3) and np.all(out.detach().numpy() <= -1)


def test_max_pool_second_order_and_unpool_parity():
    torch = require_torch()
    rng = np.random.default_rng(4)
    x = ag.Tensor(rng.standard_normal((2, 2, 5, 5)), requires_grad=True)
    assert ag.gradgradcheck(lambda x: max_pool2d(x, 3, stride=2, padding=1) ** 2, [x])
    tx = torch.tensor(x.detach().numpy())
    tout, tidx = torch.nn.functional.max_pool2d(tx, 2, return_indices=True)
    np.testing.assert_array_equal(max_pool2d(x, 2).data, tout.numpy())
    values, idx = max_pool2d(x, 2, return_indices=True)
    assert idx.dtype == np.int64
    np.testing.assert_array_equal(idx.detach().numpy(), tidx.numpy())
    np.testing.assert_array_equal(values.detach().numpy(), tout.numpy())
    t3, tidx3 = torch.nn.functional.max_pool2d(tx, 3, stride=2, padding=1, return_indices=True)
    np.testing.assert_array_equal(max_pool2d(x, 3, stride=2, padding=1, return_indices=True)[1].data, tidx3.numpy())
    for kw in (dict(dilation=2), dict(dilation=(2, 1), stride=1, padding=1), dict(dilation=2, ceil_mode=True)):
        tv, ti = torch.nn.functional.max_pool2d(tx, 2, return_indices=True, **kw)
        ov, oi = max_pool2d(x, 2, return_indices=True, **kw)
        np.testing.assert_array_equal(ov.detach().numpy(), tv.numpy())
        np.testing.assert_array_equal(oi.detach().numpy(), ti.numpy())
    small = ag.Tensor(x.detach().numpy()[:1, :1], requires_grad=True)
    assert ag.gradgradcheck(lambda t: max_pool2d(t, 2, stride=1, dilation=2) ** 2, [small])
    g = rng.standard_normal(tout.shape)
    ours = max_unpool2d(ag.Tensor(g), tidx.numpy(), 2, output_size=(5, 5))
    theirs = torch.nn.functional.max_unpool2d(torch.from_numpy(g), tidx, 2, output_size=(5, 5))
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.numpy())
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
    np.testing.assert_array_equal(w.grad.detach().numpy()[:, 0], [3, 1, 1, 0, 1])  # row 0 picked three times
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


def test_conv2d_string_padding():
    torch = require_torch()
    rng = np.random.default_rng(7)
    x, w = rng.standard_normal((2, 2, 6, 5)), rng.standard_normal((3, 2, 3, 5))
    for pad, kw in (("same", {}), ("same", {"dilation": 2}), ("valid", {})):
        out = conv2d(ag.Tensor(x), ag.Tensor(w), padding=pad, **kw)
        ref = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=pad, **kw)
        np.testing.assert_allclose(out.detach().numpy(), ref.numpy(), rtol=1e-10, atol=1e-10)
    with pytest.raises(ValueError, match=r"conv2d: padding='same' needs stride 1"):
        conv2d(ag.Tensor(x), ag.Tensor(w), padding="same", stride=2)
    with pytest.raises(ValueError, match=r"conv2d: padding='same' needs an odd \(dilated\) kernel size"):
        conv2d(ag.Tensor(x), ag.Tensor(rng.standard_normal((3, 2, 2, 2))), padding="same")
    with pytest.raises(ValueError, match=r"conv2d: padding must be an int, a pair of ints, 'valid' or 'same'"):
        conv2d(ag.Tensor(x), ag.Tensor(w), padding="full")


def test_conv2d_retained_graph_second_backward_and_no_grad():
    rng = np.random.default_rng(8)
    x = ag.Tensor(rng.standard_normal((2, 3, 6, 6)).astype(np.float32), requires_grad=True)
    w = ag.Tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), requires_grad=True)
    y = (conv2d(x, w, padding=1, stride=2) ** 2).sum()
    y.backward(retain_graph=True)
    gw, gx = w.grad.detach().numpy().copy(), x.grad.detach().numpy().copy()
    w.grad = x.grad = None
    y.backward()  # a retained graph gives the same gradients again
    np.testing.assert_allclose(w.grad.detach().numpy(), gw, rtol=1e-6)
    np.testing.assert_allclose(x.grad.detach().numpy(), gx, rtol=1e-6)
    with ag.no_grad():
        out = conv2d(x, w, padding=1)
    assert out.grad_fn is None and not out.requires_grad


def test_conv2d_large_batch_chunks_match_torch():
    torch = require_torch()
    rng = np.random.default_rng(9)
    x = rng.standard_normal((40, 8, 24, 24)).astype(np.float32)  # several column chunks
    w = rng.standard_normal((16, 4, 3, 3)).astype(np.float32)
    xt, wt = ag.Tensor(x, requires_grad=True), ag.Tensor(w, requires_grad=True)
    out = conv2d(xt, wt, padding=1, groups=2)
    g = rng.standard_normal(out.shape).astype(np.float32)
    out.backward(g)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    torch.nn.functional.conv2d(tx, tw, padding=1, groups=2).backward(torch.from_numpy(g))
    np.testing.assert_allclose(xt.grad.detach().numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(wt.grad.detach().numpy(), tw.grad.numpy(), rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("shapes, kwargs", [
    (((37, 8, 20, 19), (6, 8, 3, 3)), dict(padding=1)),  # several blocks and a shorter last one
    (((5, 3, 9, 8), (4, 3, 3, 2)), dict(padding=(2, 1), dilation=(2, 1))),
    (((3, 2, 6, 7), (3, 2, 2, 3)), dict(padding=(3, 0))),  # padding beyond the kernel's reach
    (((2, 4, 5, 5), (5, 4, 1, 1)), dict()),
])
def test_conv2d_stride1_input_grad_matches_torch(shapes, kwargs):
    """The stride-1 input gradient (one product, whole-block shifted adds) against PyTorch."""
    torch = require_torch()
    rng = np.random.default_rng(10)
    x = rng.standard_normal(shapes[0]).astype(np.float32)
    w = rng.standard_normal(shapes[1]).astype(np.float32)
    xt = ag.Tensor(x, requires_grad=True)
    out = conv2d(xt, ag.Tensor(w), **kwargs)
    g = rng.standard_normal(out.shape).astype(np.float32)
    out.backward(g)
    tx = torch.tensor(x, requires_grad=True)
    torch.nn.functional.conv2d(tx, torch.from_numpy(w), **kwargs).backward(torch.from_numpy(g))
    assert xt.grad.dtype == np.float32
    np.testing.assert_allclose(xt.grad.detach().numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_unbatched_inputs_match_torch():
    torch = require_torch()
    rng = np.random.default_rng(10)
    x0, w0 = rng.standard_normal((3, 6, 5)), rng.standard_normal((2, 3, 3, 3))
    x = ag.Tensor(x0, requires_grad=True)
    tx = torch.tensor(x0, requires_grad=True)
    F = torch.nn.functional
    pairs = [(conv2d(x, ag.Tensor(w0), padding=1), F.conv2d(tx, torch.from_numpy(w0), padding=1)),
             (max_pool2d(x, 2), F.max_pool2d(tx, 2)), (avg_pool2d(x, 2, stride=1), F.avg_pool2d(tx, 2, stride=1))]
    for ours, theirs in pairs:
        assert ours.shape == tuple(theirs.shape) and ours.ndim == 3
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
        g = rng.standard_normal(ours.shape)
        np.testing.assert_allclose(ag.grad(ours, x, g)[0].data, torch.autograd.grad(theirs, tx, torch.from_numpy(g))[0],
                                   rtol=1e-10, atol=1e-12)
    values, idx = max_pool2d(x, 2, return_indices=True)
    assert values.shape == idx.shape == (3, 3, 2)


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                    dict(kernel_size=(3, 2), stride=(2, 3)), dict(kernel_size=2, stride=1)])
def test_ceil_mode_pooling_matches_torch(kwargs):
    torch = require_torch()
    F = torch.nn.functional
    rng = np.random.default_rng(11)
    x0 = rng.standard_normal((2, 3, 7, 8))
    x = ag.Tensor(x0, requires_grad=True)
    tx = torch.tensor(x0, requires_grad=True)
    cases = [(max_pool2d(x, ceil_mode=True, **kwargs), F.max_pool2d(tx, ceil_mode=True, **kwargs))]
    for cip in (True, False):
        cases.append((avg_pool2d(x, ceil_mode=True, count_include_pad=cip, **kwargs),
                      F.avg_pool2d(tx, ceil_mode=True, count_include_pad=cip, **kwargs)))
    for ours, theirs in cases:
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
        g = rng.standard_normal(ours.shape)
        np.testing.assert_allclose(ag.grad(ours, x, g)[0].data, torch.autograd.grad(theirs, tx, torch.from_numpy(g))[0],
                                   rtol=1e-10, atol=1e-12)
    _, idx = max_pool2d(x, ceil_mode=True, return_indices=True, **kwargs)
    np.testing.assert_array_equal(idx.detach().numpy(), F.max_pool2d(tx, ceil_mode=True, return_indices=True, **kwargs)[1].numpy())
    small = ag.Tensor(x0[:1, :1, :5, :5], requires_grad=True)
    assert ag.gradgradcheck(lambda t: avg_pool2d(t, ceil_mode=True, count_include_pad=False, **kwargs) ** 2, [small])
    assert ag.gradgradcheck(lambda t: max_pool2d(t, ceil_mode=True, **kwargs) ** 2, [small])
