"""BatchNorm1d/2d, LayerNorm, GroupNorm, InstanceNorm2d: parity with PyTorch from the same
weights (train and eval, running statistics over several steps, parameter gradients), the
fused batch-norm VJP against the composite Tensor-op version, and higher-order gradients."""
import numpy as np
import pytest

import autograd as ag
from autograd.ops.layers import batch_norm
from nn.normalization import (
    BatchNorm1d,
    BatchNorm2d,
    GroupNorm,
    InstanceNorm2d,
    LayerNorm,
    group_norm,
    instance_norm,
    layer_norm,
)

from ..conftest import require_torch

TOL = {np.float64: dict(rtol=1e-9, atol=1e-10), np.float32: dict(rtol=2e-4, atol=2e-5)}


def _copy_params(ours, theirs, torch):
    with torch.no_grad():
        for name, p in ours.named_parameters():
            getattr(theirs, name).copy_(torch.from_numpy(p.detach().numpy()))


def _run_steps(ours, theirs, shapes, dtype, torch, train=True, steps=3, scale=3.0):
    rng = np.random.default_rng(7)
    ours.train(train)
    theirs.train(train)
    tol = TOL[dtype]
    for step in range(steps):
        x = (rng.standard_normal(shapes) * scale + step).astype(dtype)
        xt = ag.Tensor(x, requires_grad=True)
        out = ours(xt)
        txt = torch.tensor(x, requires_grad=True)
        tout = theirs(txt)
        assert out.dtype == dtype
        np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), **tol)
        g = rng.standard_normal(out.shape).astype(dtype)
        for p in ours.parameters():
            p.grad = None
        theirs.zero_grad()
        out.backward(g)
        tout.backward(torch.from_numpy(g))
        np.testing.assert_allclose(xt.grad.detach().numpy(), txt.grad.numpy(), **tol)
        for name, p in ours.named_parameters():
            np.testing.assert_allclose(p.grad.detach().numpy(), getattr(theirs, name).grad.numpy(), **tol)
        for name, b in ours.named_buffers():
            tb = getattr(theirs, name)
            np.testing.assert_allclose(b.detach().numpy(), tb.numpy(), **tol)
            assert b.dtype == tb.numpy().dtype


def _torch_dtype(torch, dtype):
    return torch.float64 if dtype == np.float64 else torch.float32


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(8, 3), (6, 3, 5)])
@pytest.mark.parametrize("kwargs", [dict(), dict(momentum=None), dict(affine=False),
                                    dict(track_running_stats=False), dict(momentum=0.3, eps=1e-3)])
def test_batchnorm1d_matches_torch(dtype, shape, kwargs):
    torch = require_torch()
    ours = BatchNorm1d(3, dtype=dtype, **kwargs)
    theirs = torch.nn.BatchNorm1d(3, **kwargs).to(_torch_dtype(torch, dtype))
    if ours.weight is not None:
        rng = np.random.default_rng(0)
        ours.weight.detach().numpy()[...] = rng.uniform(0.5, 2, 3)
        ours.bias.detach().numpy()[...] = rng.standard_normal(3)
    _copy_params(ours, theirs, torch)
    _run_steps(ours, theirs, shape, dtype, torch, train=True)
    _run_steps(ours, theirs, shape, dtype, torch, train=False, steps=2)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_batchnorm2d_matches_torch(dtype):
    torch = require_torch()
    ours = BatchNorm2d(4, dtype=dtype)
    theirs = torch.nn.BatchNorm2d(4).to(_torch_dtype(torch, dtype))
    ours.weight.detach().numpy()[...] = [0.5, 1.5, 2.0, -1.0]
    ours.bias.detach().numpy()[...] = [0.1, -0.2, 0.3, 0.0]
    _copy_params(ours, theirs, torch)
    _run_steps(ours, theirs, (5, 4, 3, 6), dtype, torch, train=True, steps=4)
    assert ours.num_batches_tracked.dtype == np.int64 and ours.num_batches_tracked.shape == ()
    assert int(ours.num_batches_tracked.item()) == 4
    _run_steps(ours, theirs, (5, 4, 3, 6), dtype, torch, train=False, steps=2)


def test_batchnorm_state_dict_keys_and_errors():
    m = BatchNorm2d(3)
    assert list(m.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    np.testing.assert_array_equal(m.running_var.detach().numpy(), np.ones(3, np.float32))
    assert list(BatchNorm1d(3, affine=False, track_running_stats=False).state_dict()) == []
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected 4D \(N, C, H, W\) input; got shape \(2, 3\)"):
        m(ag.zeros(2, 3))
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected 2D \(N, C\) or 3D \(N, C, L\) input"):
        BatchNorm1d(3)(ag.zeros(2, 3, 4, 4))
    with pytest.raises(ValueError, match=r"batch_norm: expected more than 1 value per channel when training"):
        BatchNorm1d(3)(ag.zeros(1, 3))


def _composite_batch_norm(x, weight, bias, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mu = x.mean(axis=axes, keepdims=True)
    xc = x - mu
    var = (xc * xc).mean(axis=axes, keepdims=True)
    return xc * (var + eps) ** -0.5 * weight.reshape(shape) + bias.reshape(shape)


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (3, 2, 4, 5)])
def test_fused_batch_norm_equals_composite(shape):
    rng = np.random.default_rng(0)
    x = ag.Tensor(rng.standard_normal(shape) * 2 + 1, requires_grad=True)
    w = ag.Tensor(rng.uniform(0.5, 2, shape[1]), requires_grad=True)
    b = ag.Tensor(rng.standard_normal(shape[1]), requires_grad=True)
    fused = batch_norm(x, None, None, w, b, training=True)
    comp = _composite_batch_norm(x, w, b)
    np.testing.assert_allclose(fused.detach().numpy(), comp.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(shape)
    ours = ag.grad(fused, [x, w, b], g)
    ref = ag.grad(comp, [x, w, b], g)
    for a, r in zip(ours, ref):
        np.testing.assert_allclose(a.detach().numpy(), r.detach().numpy(), rtol=1e-10, atol=1e-12)
    # create_graph path (Tensor ops) gives the same first derivatives
    ours_cg = ag.grad(batch_norm(x, None, None, w, b, training=True), [x, w, b], g, create_graph=True)
    for a, r in zip(ours_cg, ref):
        np.testing.assert_allclose(a.detach().numpy(), r.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_batch_norm_second_order():
    rng = np.random.default_rng(1)
    x = ag.Tensor(rng.standard_normal((4, 3, 2)), requires_grad=True)
    w = ag.Tensor(rng.uniform(0.5, 2, 3), requires_grad=True)
    b = ag.Tensor(rng.standard_normal(3), requires_grad=True)
    assert ag.gradgradcheck(lambda x, w, b: batch_norm(x, None, None, w, b, training=True), [x, w, b])


def test_functional_batch_norm_running_update_and_eval():
    torch = require_torch()
    rng = np.random.default_rng(2)
    x = rng.standard_normal((10, 3, 4))
    rm, rv = np.zeros(3), np.ones(3)
    trm, trv = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    out = batch_norm(ag.Tensor(x), rm, rv, training=True, momentum=0.2)
    tout = torch.nn.functional.batch_norm(torch.from_numpy(x), trm, trv, training=True, momentum=0.2)
    np.testing.assert_allclose(out.detach().numpy(), tout.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(rm, trm.numpy(), rtol=1e-12)
    np.testing.assert_allclose(rv, trv.numpy(), rtol=1e-12)
    w = rng.standard_normal(3)
    out = batch_norm(ag.Tensor(x), rm, rv, ag.Tensor(w), None, training=False)
    tout = torch.nn.functional.batch_norm(torch.from_numpy(x), trm, trv, torch.from_numpy(w), None, training=False)
    np.testing.assert_allclose(out.detach().numpy(), tout.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape,norm", [((4, 6), 6), ((2, 3, 4, 5), (4, 5)), ((3, 5), [5])])
def test_layernorm_matches_torch(dtype, shape, norm):
    torch = require_torch()
    ours = LayerNorm(norm, dtype=dtype)
    theirs = torch.nn.LayerNorm(norm).to(_torch_dtype(torch, dtype))
    rng = np.random.default_rng(0)
    ours.weight.detach().numpy()[...] = rng.uniform(0.5, 2, ours.weight.shape)
    ours.bias.detach().numpy()[...] = rng.standard_normal(ours.bias.shape)
    _copy_params(ours, theirs, torch)
    _run_steps(ours, theirs, shape, dtype, torch, steps=2)
    assert list(ours.state_dict()) == ["weight", "bias"]
    with pytest.raises(ValueError, match=r"layer_norm: input's trailing shape must equal normalized_shape"):
        layer_norm(ag.zeros(2, 3), (4,))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("groups,affine", [(2, True), (1, True), (6, False)])
def test_groupnorm_matches_torch(dtype, groups, affine):
    torch = require_torch()
    ours = GroupNorm(groups, 6, affine=affine, dtype=dtype)
    theirs = torch.nn.GroupNorm(groups, 6, affine=affine).to(_torch_dtype(torch, dtype))
    if affine:
        rng = np.random.default_rng(0)
        ours.weight.detach().numpy()[...] = rng.uniform(0.5, 2, 6)
        ours.bias.detach().numpy()[...] = rng.standard_normal(6)
        _copy_params(ours, theirs, torch)
    _run_steps(ours, theirs, (3, 6, 4, 2), dtype, torch, steps=2)
    with pytest.raises(ValueError, match=r"GroupNorm: num_channels must be divisible by num_groups"):
        GroupNorm(4, 6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kwargs", [dict(), dict(affine=True), dict(track_running_stats=True),
                                    dict(affine=True, track_running_stats=True, momentum=0.3)])
def test_instancenorm2d_matches_torch(dtype, kwargs):
    torch = require_torch()
    ours = InstanceNorm2d(3, dtype=dtype, **kwargs)
    theirs = torch.nn.InstanceNorm2d(3, **kwargs).to(_torch_dtype(torch, dtype))
    if ours.weight is not None:
        rng = np.random.default_rng(0)
        ours.weight.detach().numpy()[...] = rng.uniform(0.5, 2, 3)
        ours.bias.detach().numpy()[...] = rng.standard_normal(3)
        _copy_params(ours, theirs, torch)
    _run_steps(ours, theirs, (4, 3, 5, 4), dtype, torch, steps=3)
    _run_steps(ours, theirs, (4, 3, 5, 4), dtype, torch, train=False, steps=2)
    if ours.track_running_stats:
        assert list(ours.state_dict())[-3:] == ["running_mean", "running_var", "num_batches_tracked"]


def test_instancenorm2d_unbatched_and_defaults():
    m = InstanceNorm2d(2)
    assert m.weight is None and m.running_mean is None and list(m.state_dict()) == []
    x = ag.Tensor(np.random.default_rng(0).standard_normal((2, 3, 3)))
    out = m(x)
    assert out.shape == (2, 3, 3)
    np.testing.assert_allclose(out.detach().numpy().mean(axis=(1, 2)), 0, atol=1e-6)
    np.testing.assert_allclose(out.detach().numpy().var(axis=(1, 2)), 1, rtol=1e-3)


def test_functional_norms_second_order():
    rng = np.random.default_rng(3)
    x = ag.Tensor(rng.standard_normal((2, 4, 3)), requires_grad=True)
    w = ag.Tensor(rng.uniform(0.5, 2, 4), requires_grad=True)
    assert ag.gradcheck(lambda x, w: group_norm(x, 2, w, None), [x, w])
    assert ag.gradcheck(lambda x: instance_norm(x), [x])
    assert ag.gradcheck(lambda x: layer_norm(x, 3), [x])


def test_batch_norm_dtype_mismatch_and_float64_module():
    x = ag.Tensor(np.ones((4, 3), np.float32))
    with pytest.raises(TypeError, match=r"batch_norm: weight must have the dtype of input; got float64, expected float32"):
        batch_norm(x, None, None, ag.Tensor(np.ones(3)), None, training=True)
    m = BatchNorm1d(3).to(np.float64)
    assert m.weight.dtype == m.running_var.dtype == np.float64 and m.num_batches_tracked.dtype == np.int64
    out = m(ag.Tensor(np.random.default_rng(0).standard_normal((5, 3))))
    assert out.dtype == np.float64 and int(m.num_batches_tracked.item()) == 1
