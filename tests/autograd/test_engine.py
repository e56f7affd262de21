"""The engine itself: accumulation, retain_graph, higher order, hooks, modes, in-place
semantics, deep graphs, memory, dtypes, errors and factories — most against PyTorch."""
import gc
import sys
import weakref

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor

from ..conftest import require_torch


def leaf(data):
    return Tensor(np.array(data, dtype=np.float64), requires_grad=True)


def tleaf(torch, data):
    return torch.tensor(np.array(data, dtype=np.float64), requires_grad=True)


X0 = [0.3, -1.2, 2.0]


# -- accumulation -----------------------------------------------------------------------
def test_fan_out_accumulates_like_torch():
    torch = require_torch()
    x = leaf(X0)
    y = (x * x + x * 3.0 + ag.exp(x) - x / 2.0).sum()
    y.backward()
    tx = tleaf(torch, X0)
    ty = (tx * tx + tx * 3.0 + tx.exp() - tx / 2.0).sum()
    ty.backward()
    np.testing.assert_allclose(y.detach().numpy(), ty.item(), rtol=1e-14)
    np.testing.assert_allclose(x.grad.detach().numpy(), tx.grad.numpy(), rtol=1e-14)
    np.testing.assert_allclose(x.grad.detach().numpy(), 2 * np.array(X0) + 3 + np.exp(X0) - 0.5, rtol=1e-14)


def test_diamond_like_torch():
    torch = require_torch()
    a = leaf(X0)
    b = a * 2.0
    c = ag.exp(a)
    d = (b * c + b - c).sum()
    d.backward()
    ta = tleaf(torch, X0)
    tb, tc = ta * 2.0, ta.exp()
    (tb * tc + tb - tc).sum().backward()
    np.testing.assert_allclose(a.grad.detach().numpy(), ta.grad.numpy(), rtol=1e-14)


def test_same_tensor_twice_in_one_op():
    x = leaf(X0)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), 2 * np.array(X0))
    x.grad = None
    (x + x).sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), [2.0, 2.0, 2.0])


def test_grads_accumulate_across_backward_calls():
    x = leaf(X0)
    (x * 3.0).sum().backward()
    (x * 4.0).sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), [7.0, 7.0, 7.0])


# -- retain_graph ------------------------------------------------------------------------
def test_second_backward_without_retain_graph_raises():
    x = leaf(X0)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"retain_graph=True"):
        y.backward()


def test_retain_graph_doubles_grads():
    x = leaf(X0)
    y = (ag.tanh(x) * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.detach().numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), 2 * first, rtol=1e-15)
    t = np.tanh(X0)
    np.testing.assert_allclose(first, (1 - t ** 2) * X0 + t, rtol=1e-14)


def test_saved_values_freed_after_backward_unless_retained():
    x = leaf(X0)
    y = x * x
    node = y.grad_fn
    assert node._saved is not None
    y.sum().backward()
    assert node._saved is None
    y2 = x * x
    y2.sum().backward(retain_graph=True)
    assert y2.grad_fn._saved is not None
    y2.sum().backward()
    assert y2.grad_fn._saved is None


# -- higher order ------------------------------------------------------------------------
def _second_order(torch, fn_ag, fn_t, x0, seed=0):
    """d/dx ⟨v, ∂(Σ f(x))/∂x⟩ in ours and torch's."""
    v = np.random.default_rng(seed).standard_normal(np.shape(x0))
    x = leaf(x0)
    (g,) = ag.grad(fn_ag(x).sum(), x, create_graph=True)
    assert g.requires_grad
    (h,) = ag.grad((g * Tensor(v)).sum(), x)
    tx = tleaf(torch, x0)
    (tg,) = torch.autograd.grad(fn_t(tx).sum(), tx, create_graph=True)
    (th,) = torch.autograd.grad((tg * torch.from_numpy(v)).sum(), tx)
    np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(h.detach().numpy(), th.numpy(), rtol=1e-12, atol=1e-13)


def test_second_derivative_tanh():
    torch = require_torch()
    _second_order(torch, ag.tanh, torch.tanh, [0.3, -1.2, 2.0, 0.0])


def test_second_derivative_cube():
    torch = require_torch()
    _second_order(torch, lambda x: x ** 3, lambda x: x ** 3, [0.3, -1.2, 2.0])


def test_third_derivative_cube():
    x = leaf([0.5, -2.0])
    (g,) = ag.grad((x ** 3).sum(), x, create_graph=True)
    (h,) = ag.grad(g.sum(), x, create_graph=True)
    (k,) = ag.grad(h.sum(), x)
    np.testing.assert_allclose(g.detach().numpy(), 3 * np.array([0.5, -2.0]) ** 2)
    np.testing.assert_allclose(h.detach().numpy(), 6 * np.array([0.5, -2.0]))
    np.testing.assert_allclose(k.detach().numpy(), [6.0, 6.0])


def test_second_derivative_matmul_chain():
    torch = require_torch()
    rng = np.random.default_rng(5)
    w1, w2 = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    x0 = rng.standard_normal((2, 3))
    _second_order(torch, lambda x: ag.tanh(x @ Tensor(w1)) @ Tensor(w2),
                  lambda x: torch.tanh(x @ torch.from_numpy(w1)) @ torch.from_numpy(w2), x0)
    # with respect to the weight too
    _second_order(torch, lambda w: ag.tanh(Tensor(x0) @ w) @ Tensor(w2),
                  lambda w: torch.tanh(torch.from_numpy(x0) @ w) @ torch.from_numpy(w2), w1)


def test_second_derivative_softmax():
    torch = require_torch()
    rng = np.random.default_rng(6)
    c = rng.standard_normal((2, 4))
    _second_order(torch, lambda x: ag.softmax(x, axis=-1) * Tensor(c),
                  lambda x: torch.softmax(x, dim=-1) * torch.from_numpy(c), rng.standard_normal((2, 4)))


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_backward_create_graph_then_backward_of_grad():
    torch = require_torch()
    x = leaf(X0)
    (x ** 3).sum().backward(create_graph=True)
    g = x.grad
    assert g.grad_fn is not None
    x.grad = None
    g.sum().backward()
    tx = tleaf(torch, X0)
    (tx ** 3).sum().backward(create_graph=True)
    tg = tx.grad
    tx.grad = None
    tg.sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), tx.grad.numpy(), rtol=1e-14)
    np.testing.assert_allclose(x.grad.detach().numpy(), 6 * np.array(X0), rtol=1e-14)


# -- hooks and retain_grad -----------------------------------------------------------------
def test_leaf_hook_called_once_with_summed_gradient():
    x = leaf(X0)
    calls = []
    x.register_hook(lambda g: calls.append(g.detach().numpy().copy()))
    (x * 2.0 + x * 3.0 + x).sum().backward()
    assert len(calls) == 1
    np.testing.assert_allclose(calls[0], [6.0, 6.0, 6.0])
    np.testing.assert_allclose(x.grad.detach().numpy(), [6.0, 6.0, 6.0])


def test_leaf_hook_return_value_replaces_gradient():
    torch = require_torch()
    x = leaf(X0)
    handle = x.register_hook(lambda g: g * 10.0)
    (x * x).sum().backward()
    tx = tleaf(torch, X0)
    tx.register_hook(lambda g: g * 10.0)
    (tx * tx).sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), tx.grad.numpy())
    handle.remove()
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), 2 * np.array(X0))


def test_non_leaf_hook_sees_and_replaces_gradient():
    torch = require_torch()
    seen = []
    x = leaf(X0)
    y = x * 2.0
    y.register_hook(lambda g: seen.append(g.detach().numpy().copy()))
    y.register_hook(lambda g: g * 3.0)
    (y * y).sum().backward()
    tx = tleaf(torch, X0)
    ty = tx * 2.0
    ty.register_hook(lambda g: g * 3.0)
    (ty * ty).sum().backward()
    np.testing.assert_allclose(seen[0], 2 * 2 * np.array(X0))
    np.testing.assert_allclose(x.grad.detach().numpy(), tx.grad.numpy())
    assert y.grad is None


def test_hooks_apply_to_autograd_grad_like_torch():
    torch = require_torch()
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: g * 10.0)
    m = x * 3.0
    m.register_hook(lambda g: g * 10.0)
    tx = tleaf(torch, [1.0, 2.0])
    tx.register_hook(lambda g: g * 10.0)
    tm = tx * 3.0
    tm.register_hook(lambda g: g * 10.0)
    for ours, theirs in [(ag.grad((x * 2.0).sum(), x), torch.autograd.grad((tx * 2.0).sum(), tx)),
                         (ag.grad((m * 2.0).sum(), m), torch.autograd.grad((tm * 2.0).sum(), tm)),
                         (ag.grad((m * 2.0).sum(), x), torch.autograd.grad((tm * 2.0).sum(), tx))]:
        np.testing.assert_allclose(ours[0].detach().numpy(), theirs[0].numpy())
    m2 = x * 3.0
    m2.register_hook(lambda g: g * 10.0)
    np.testing.assert_allclose(ag.grad((m2 * m2).sum(), x)[0].data, 10 * 10 * 2 * 3 * 3 * np.array([1.0, 2.0]))


def test_hook_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="register_hook"):
        Tensor([1.0]).register_hook(lambda g: g)


def test_retain_grad():
    x = leaf(X0)
    y = x * 2.0
    y.retain_grad()
    z = y * 5.0
    (z * z).sum().backward()
    np.testing.assert_allclose(y.grad.detach().numpy(), 2 * 5 * 5 * np.array(X0) * 2)
    assert z.grad is None
    assert y.grad.grad_fn is None


# -- grad modes ----------------------------------------------------------------------------
def test_no_grad_context_and_decorator():
    x = leaf(X0)
    with ag.no_grad():
        y = x * 2.0
        assert not ag.is_grad_enabled()
        with ag.enable_grad():
            z = x * 2.0
    assert ag.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None

    @ag.no_grad()
    def f(t):
        return t * 2.0, ag.is_grad_enabled()

    out, mode = f(x)
    assert mode is False and not out.requires_grad
    assert ag.is_grad_enabled()

    @ag.no_grad
    def g(t):
        return t * 2.0

    assert not g(x).requires_grad and ag.is_grad_enabled()

    @ag.enable_grad()
    def h(t):
        return t * 2.0

    with ag.no_grad():
        assert h(x).requires_grad
        assert not ag.is_grad_enabled()


def test_set_grad_enabled_context_decorator_and_call():
    x = leaf(X0)
    with ag.set_grad_enabled(False):
        assert not (x * 2.0).requires_grad
    assert ag.is_grad_enabled()

    @ag.set_grad_enabled(False)
    def f(t):
        return t * 2.0

    assert ag.is_grad_enabled(), "decorating must not change the mode"
    assert not f(x).requires_grad
    assert ag.is_grad_enabled()
    try:
        ag.set_grad_enabled(False)
        assert not ag.is_grad_enabled()
    finally:
        ag.set_grad_enabled(True)
    assert ag.is_grad_enabled()
    with ag.no_grad():
        with ag.set_grad_enabled(True):
            assert (x * 2.0).requires_grad
        assert not ag.is_grad_enabled()
    with pytest.raises(TypeError, match="set_grad_enabled: mode must be a bool"):
        ag.set_grad_enabled(1)


def test_grad_mode_restored_after_exception():
    with pytest.raises(ValueError), ag.no_grad():
        raise ValueError("boom")
    assert ag.is_grad_enabled()


def test_detach():
    x = leaf(X0)
    y = x * 2.0
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and d.grad_fn is None
    assert np.shares_memory(d.detach().numpy(), y.detach().numpy())
    (d * x).sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), 2 * np.array(X0))


# -- in-place ------------------------------------------------------------------------------
def test_version_counter_error_names_op_and_versions():
    x = leaf(X0)
    y = x * 2.0
    z = y * y
    y.add_(1.0)
    assert y._version == 1
    with pytest.raises(RuntimeError, match=r"backward: one of the variables needed for gradient computation has been "
                                           r"modified by an inplace operation: saved item 0 of 'mul' \(shape \(3,\), "
                                           r"float64\) is at version 1; expected version 0\."):
        z.sum().backward()


def test_version_error_on_saved_output_and_leaf():
    x = leaf(X0)
    y = ag.exp(x)
    y.mul_(2.0)
    with pytest.raises(RuntimeError, match=r"its output of 'exp' .* is at version 1; expected version 0"):
        y.sum().backward()
    w = leaf(X0)
    loss = (w * w).sum()
    with ag.no_grad():
        w.mul_(2.0)
    with pytest.raises(RuntimeError, match=r"saved item \d of 'mul' .* is at version 1; expected version 0"):
        loss.backward()


def test_inplace_on_leaf_requiring_grad():
    w = leaf(X0)
    for op in (lambda: w.add_(1.0), lambda: w.mul_(2.0), lambda: w.zero_(), lambda: w.fill_(1.0),
               lambda: w.copy_(np.zeros(3)), lambda: w.sub_(1.0), lambda: w.div_(2.0)):
        with pytest.raises(RuntimeError, match=r"a leaf Variable that requires grad is being used in an in-place operation"):
            op()
    with pytest.raises(RuntimeError, match=r"__setitem__: a leaf Variable that requires grad"):
        w[0] = 5.0
    np.testing.assert_array_equal(w.detach().numpy(), X0)
    with ag.no_grad():
        w.mul_(2.0)
        w.add_(Tensor(np.ones(3)), alpha=0.5)
        w[0] = 7.0
    np.testing.assert_allclose(w.detach().numpy(), [7.0, -1.9, 4.5])
    assert w.is_leaf and w.requires_grad and w._version == 3


def test_inplace_on_non_leaf_matches_torch():
    torch = require_torch()
    a = leaf(X0)
    x = a * 2.0
    x.mul_(3.0)
    assert x.grad_fn.name == "mul" and not x.is_leaf
    x.sum().backward()
    ta = tleaf(torch, X0)
    tx = ta * 2
    tx.mul_(3)
    tx.sum().backward()
    np.testing.assert_allclose(a.grad.detach().numpy(), ta.grad.numpy())
    np.testing.assert_allclose(a.grad.detach().numpy(), [6.0, 6.0, 6.0])


def test_inplace_chain_and_self_operand():
    torch = require_torch()
    b = Tensor(np.array([0.5, 1.5, -1.0]), requires_grad=True)
    a = leaf(X0)
    x = a * 1.0
    x.add_(b, alpha=2.0).mul_(x).sub_(a).div_(b)
    (x * x).sum().backward()
    ta, tb = tleaf(torch, X0), torch.tensor([0.5, 1.5, -1.0], dtype=torch.float64, requires_grad=True)
    tx = ta * 1.0
    tx = (tx + 2.0 * tb)  # torch refuses x.mul_(x) on a saved tensor; write it out of place
    tx = (tx * tx - ta) / tb
    (tx * tx).sum().backward()
    np.testing.assert_allclose(x.detach().numpy(), tx.detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(a.grad.detach().numpy(), ta.grad.numpy(), rtol=1e-13)
    np.testing.assert_allclose(b.grad.detach().numpy(), tb.grad.numpy(), rtol=1e-13)


def test_setitem_with_tracked_value_matches_torch():
    torch = require_torch()
    rng = np.random.default_rng(2)
    a0, v0, w0 = rng.standard_normal(5), rng.standard_normal(2), rng.standard_normal(5)
    a, v = leaf(a0), leaf(v0)
    x = a * 2.0
    x[1:3] = v * v
    x[np.array([4])] = v[0]
    (x * Tensor(w0)).sum().backward()
    ta, tv = tleaf(torch, a0), tleaf(torch, v0)
    tx = ta * 2.0
    tx[1:3] = tv * tv
    tx[torch.tensor([4])] = tv[0]
    (tx * torch.from_numpy(w0)).sum().backward()
    np.testing.assert_allclose(x.detach().numpy(), tx.detach().numpy())
    np.testing.assert_allclose(a.grad.detach().numpy(), ta.grad.numpy())
    np.testing.assert_allclose(v.grad.detach().numpy(), tv.grad.numpy())
    # into a plain buffer: the buffer joins the graph
    buf = ag.zeros(2, 3, dtype="float64")
    buf[:, 1] = v
    assert buf.requires_grad and not buf.is_leaf
    (buf * 3.0).sum().backward()
    np.testing.assert_allclose(v.grad.detach().numpy(), tv.grad.numpy() + 3.0)


def test_copy_and_fill_are_recorded_like_torch():
    torch = require_torch()
    w = leaf(X0)
    a = leaf([1.0, 2.0, 3.0])
    x = a * 2.0
    x.copy_(w * w)
    y = a * 1.0
    y.zero_()
    (x * 3.0 + y).sum().backward()
    tw, ta = tleaf(torch, X0), tleaf(torch, [1.0, 2.0, 3.0])
    tx = ta * 2.0
    tx.copy_(tw * tw)
    ty = ta * 1.0
    ty.zero_()
    (tx * 3.0 + ty).sum().backward()
    np.testing.assert_allclose(w.grad.detach().numpy(), tw.grad.numpy())
    np.testing.assert_allclose(a.grad.detach().numpy(), ta.grad.numpy())
    assert y.requires_grad
    with pytest.raises(ValueError, match=r"copy_: source of shape \(2,\) does not broadcast to \(3,\)"):
        Tensor(np.zeros(3)).copy_(np.ones(2))


# -- deep graphs and memory -----------------------------------------------------------------
def test_deep_tensor_chain_no_recursion_error():
    x = leaf([1.0, 2.0])
    c = Tensor(np.array(1.0))
    y = x
    for _ in range(200_000):
        y = y * c
    assert y.grad_fn.next[0].__class__ is ag.Node
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.detach().numpy(), [1.0, 1.0])
    ref = weakref.ref(y.grad_fn.next[0])
    del y  # dropping a deep chain must not overflow the C stack in deallocation
    assert ref() is None


def test_deep_scalar_chain_no_recursion_error():
    a, c = ag.Scalar(0.5), ag.Scalar(1.0)
    s = a
    for _ in range(1_000_000):
        s = s + c
    assert s.data == 1_000_000.5
    s.backward()
    assert a.grad == 1.0 and c.grad == 1_000_000.0
    ref = weakref.ref(next(iter(s._prev - {c})))
    del s
    assert ref() is None


def test_graph_freed_without_cyclic_gc():
    gc.collect()
    gc.disable()
    try:
        x = leaf(X0)
        y = ag.exp(x * 2.0)
        z = (y * y).sum()
        node_ref, tensor_ref = weakref.ref(y.grad_fn), weakref.ref(y)
        del y, z
        assert node_ref() is None and tensor_ref() is None
        y = ag.tanh(x @ Tensor(np.ones((3, 2))))
        loss = (y * y).sum()
        node_ref, tensor_ref = weakref.ref(y.grad_fn), weakref.ref(y)
        y.retain_grad()
        loss.backward(retain_graph=True)
        del y, loss
        assert node_ref() is None and tensor_ref() is None
        s = ag.Scalar(2.0)
        mid = s * s
        out = mid.tanh()
        mid_ref = weakref.ref(mid)
        out.backward()
        del mid, out
        assert mid_ref() is None
    finally:
        gc.enable()


# -- tensors: dtypes, errors, identity -----------------------------------------------------
def test_constructor_dtype_rules():
    assert Tensor(1.5).dtype == np.float32
    assert Tensor([1.0, 2]).dtype == np.float32
    assert Tensor([[1, 2]]).dtype == np.int64
    assert Tensor(3).dtype == np.int64
    assert Tensor(True).dtype == np.bool_
    assert Tensor([True, False]).dtype == np.bool_
    arr = np.ones(2, dtype=np.float64)
    assert Tensor(arr).dtype == np.float64 and Tensor(arr).numpy() is arr
    assert Tensor(np.ones(2, dtype=np.float16)).dtype == np.float16
    assert Tensor(np.ones(2, dtype=np.int32)).dtype == np.int32
    assert Tensor([1, 2], dtype="float64").dtype == np.float64
    try:
        ag.set_default_dtype("float64")
        assert Tensor(1.5).dtype == np.float64 and ag.get_default_dtype() == np.float64
        assert ag.zeros(2).dtype == np.float64
        ag.set_default_dtype(np.float32)
        assert Tensor([0.5]).dtype == np.float32
    finally:
        ag.set_default_dtype(np.float32)
    with pytest.raises(TypeError, match="set_default_dtype: dtype must be floating; got int64"):
        ag.set_default_dtype("int64")


def test_integer_tensor_cannot_require_grad():
    msg = "Tensor: integer tensors cannot require grad; got dtype int64, expected a floating dtype."
    with pytest.raises(TypeError, match=msg.replace(".", r"\.")):
        Tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match=r"Tensor: bool tensors cannot require grad; got dtype bool"):
        Tensor([True]).requires_grad_()


def test_non_scalar_backward_needs_gradient():
    x = leaf(X0)
    with pytest.raises(RuntimeError, match=r"backward: grad can be implicitly created only for one-element "
                                           r"outputs; got shape \(3,\)"):
        (x * 2.0).backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).backward()


@pytest.mark.parametrize("kind", ["tensor", "ndarray", "number", "list"])
def test_backward_gradient_forms(kind):
    x = leaf(X0)
    y = x * 2.0
    g = {"tensor": Tensor(np.array([1.0, 2.0, 3.0])), "ndarray": np.array([1.0, 2.0, 3.0]),
         "number": 1.5, "list": [1.0, 2.0, 3.0]}[kind]
    if kind == "number":
        y.sum().backward(g)
        np.testing.assert_allclose(x.grad.detach().numpy(), [3.0, 3.0, 3.0])
    else:
        y.backward(g)
        np.testing.assert_allclose(x.grad.detach().numpy(), [2.0, 4.0, 6.0])
    assert x.grad.dtype == np.float64


def test_backward_gradient_shape_checked():
    x = leaf(X0)
    with pytest.raises(ValueError, match=r"backward: gradient has shape \(2,\); expected the output's shape \(3,\)"):
        (x * 2.0).backward(np.ones(2))


def test_grad_allow_unused():
    torch = require_torch()
    x, z = leaf(X0), leaf([1.0])
    y = (x * x).sum()
    with pytest.raises(RuntimeError, match=r"grad: input 1 of shape \(1,\) was not used .* allow_unused=True"):
        ag.grad(y, [x, z], retain_graph=True)
    gx, gz = ag.grad(y, [x, z], allow_unused=True)
    assert gz is None
    np.testing.assert_allclose(gx.detach().numpy(), 2 * np.array(X0))
    tx, tz = tleaf(torch, X0), tleaf(torch, [1.0])
    tgx, tgz = torch.autograd.grad((tx * tx).sum(), [tx, tz], allow_unused=True)
    assert tgz is None
    np.testing.assert_allclose(gx.detach().numpy(), tgx.numpy())
    assert x.grad is None, "grad() must not accumulate into .grad"


def test_grad_multiple_outputs_and_grad_outputs():
    torch = require_torch()
    x = leaf(X0)
    y1, y2 = x * x, ag.exp(x)
    v1, v2 = np.array([1.0, -2.0, 0.5]), 2.0
    (g,) = ag.grad([y1, y2.sum()], [x], [Tensor(v1), v2])
    tx = tleaf(torch, X0)
    (tg,) = torch.autograd.grad([tx * tx, tx.exp().sum()], [tx],
                                [torch.from_numpy(v1), torch.tensor(2.0, dtype=torch.float64)])
    np.testing.assert_allclose(g.detach().numpy(), tg.numpy(), rtol=1e-14)
    # non-leaf input
    x2 = leaf(X0)
    mid = x2 * 3.0
    (gm,) = ag.grad((mid * mid).sum(), mid)
    np.testing.assert_allclose(gm.detach().numpy(), 2 * 3 * np.array(X0))


def test_backward_inputs_restricts_accumulation():
    x, w = leaf(X0), leaf([2.0, 2.0, 2.0])
    (x * w).sum().backward(inputs=[w])
    assert x.grad is None
    np.testing.assert_allclose(w.grad.detach().numpy(), X0)


def test_detect_anomaly_reports_forward_traceback():
    x = leaf([0.0, 1.0])
    with ag.detect_anomaly(), np.errstate(divide="ignore", invalid="ignore"):
        y = ag.log(x); line = sys._getframe().f_lineno  # noqa: E702
        with pytest.raises(RuntimeError) as info:
            y.sum().backward()
    msg = str(info.value)
    assert "backward: 'log' returned a NaN or Inf gradient for input 0" in msg
    assert f'File "{__file__}", line {line}' in msg
    assert "ag.log(x)" in msg
    # a NaN (0/0): the log node gets a zero adjoint at x = 0
    with ag.detect_anomaly(), np.errstate(divide="ignore", invalid="ignore"):
        z = ag.log(x) * 0.0; line = sys._getframe().f_lineno  # noqa: E702 (the op and its line number together)
        with pytest.raises(RuntimeError, match=r"'log' returned a NaN or Inf gradient") as info:
            z.sum().backward()
    assert f'File "{__file__}", line {line}' in str(info.value)
    if hasattr(ag, "sqrt"):
        with ag.detect_anomaly(), np.errstate(divide="ignore", invalid="ignore"):
            r = ag.sqrt(x); line = sys._getframe().f_lineno  # noqa: E702
            with pytest.raises(RuntimeError, match=r"'sqrt' returned a NaN or Inf gradient") as info:
                r.sum().backward()
        assert f'File "{__file__}", line {line}' in str(info.value)
    # outside anomaly mode the same graph gives inf silently (like PyTorch)
    with np.errstate(divide="ignore"):
        ag.log(x).sum().backward()
    assert np.isinf(x.grad.detach().numpy()[0])


def test_comparisons_give_bool_tensors_without_graph():
    x = leaf(X0)
    for out in (x > 0, x >= 0.3, x < 0, x <= 2.0, x == 2.0, x != 2.0, 0 < x):
        assert out.dtype == np.bool_ and not out.requires_grad and out.grad_fn is None
    np.testing.assert_array_equal((x > 0).data, [True, False, True])
    np.testing.assert_array_equal((x == leaf([0.3, 0.0, 2.0])).data, [True, False, True])


def test_tensors_hash_by_identity():
    a, b = Tensor([1.0, 2.0]), Tensor([1.0, 2.0])
    assert hash(a) == id(a) or hash(a) == object.__hash__(a)
    d = {a: "a", b: "b"}
    assert d[a] == "a" and d[b] == "b"
    assert len({a, b, a}) == 2
    assert (a == b).data.all()


def test_factories_and_manual_seed():
    assert ag.zeros(2, 3).shape == (2, 3) and ag.zeros((2, 3)).shape == (2, 3)
    assert ag.ones(4).shape == (4,) and ag.ones([2, 2]).dtype == np.float32
    np.testing.assert_array_equal(ag.full((2, 2), 1.5).data, np.full((2, 2), 1.5, np.float32))
    assert ag.full(3, 2.0).shape == (3,)
    assert ag.rand(2, 3).shape == (2, 3) and ag.randn((2, 3)).shape == (2, 3)
    assert ag.rand(5).dtype == np.float32 and ag.randn(5, dtype="float64").dtype == np.float64
    assert ag.zeros(2, requires_grad=True).requires_grad
    ag.manual_seed(123)
    r1, n1 = ag.rand(4), ag.randn(2, 2)
    ag.manual_seed(123)
    r2, n2 = ag.rand(4), ag.randn(2, 2)
    np.testing.assert_array_equal(r1.detach().numpy(), r2.detach().numpy())
    np.testing.assert_array_equal(n1.detach().numpy(), n2.detach().numpy())
    assert np.all((r1.detach().numpy() >= 0) & (r1.detach().numpy() < 1))
    with pytest.raises(ValueError, match="zeros: sizes must be non-negative"):
        ag.zeros(-1)


def test_item_len_and_repr():
    x = Tensor([[1.0, 2.0]])
    assert len(x) == 1 and x.numel() == 2 and x.size() == (1, 2) and x.size(1) == 2
    assert Tensor(2.5).item() == 2.5
    with pytest.raises(ValueError, match=r"item: only one-element tensors convert"):
        x.item()
    assert "requires_grad=True" in repr(leaf([1.0]))


def test_mul_saves_only_what_the_needed_gradients_use():
    """Ā = Ḡ ⊙ B (and Ḡ ⊘ B) needs B only (PyTorch keeps the same): y·c does not keep y alive, and
    changing y in place afterwards is no error, with the right gradient."""
    x = Tensor([1.0, 2.0], requires_grad=True)
    c = Tensor([3.0, 4.0])
    h = x * 1.0
    y = h * c
    assert y.grad_fn._saved == (c,)
    assert len((x * Tensor([1.0, 1.0], requires_grad=True)).grad_fn._saved) == 2
    assert (h / c).grad_fn._saved == (c,) and len((c / h).grad_fn._saved) == 2  # B̄ needs A and B
    h.add_(5.0)  # h was not saved by the product: no version error
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.detach().numpy(), [3.0, 4.0])
    t = x * 2.0
    z = t * c
    ref = weakref.ref(t)
    del t
    assert ref() is None and z.grad_fn is not None  # z's graph does not keep its input t alive
