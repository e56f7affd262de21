"""`Tensor.data` is PyTorch's (issue 15 §1): a Tensor that shares memory with its tensor and is
cut from the graph; in-place changes through it and `t.data = other` behave as in PyTorch, the
ndarray is `t.numpy()` / `np.asarray(t)`, and numpy's functions called on Tensors work.

PyTorch is the oracle wherever it has the behaviour: the same program (written once, run with
`torch` and with `autograd` as `m`) must leave the same values. Deliberate differences, each
tested below: `.data` shares its tensor's version counter (a change through `.data` of a value
saved for backward raises instead of giving PyTorch's silently wrong gradient); integer data
assigned to a tensor that requires grad raises TypeError (PyTorch: RuntimeError); numpy's
reductions (`np.sum(t)` …) and `np.asarray(t)` work on a tensor that requires grad (PyTorch
2.13: TypeError / RuntimeError), non-differentiable ufuncs such as `np.isnan(t)` too.
"""
import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")

W0 = np.array([[0.5, -1.25, 2.0], [1.5, 0.25, -0.75]], np.float32)
MASK = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]], np.float32)


def _leaf(m, values=W0):
    return m.tensor(values.copy(), requires_grad=True)


def _values(t):
    return t.detach().numpy()


def _pair(fn):
    """Run `fn(m)` with m = PyTorch and m = autograd; return (ours, theirs)."""
    return fn(ag), fn(torch)


# -- what .data is ---------------------------------------------------------------------------
@pytest.mark.parametrize("make", ["leaf", "non-leaf"])
def test_data_is_a_detached_leaf_sharing_memory(make):
    def run(m):
        w = _leaf(m)
        t = w if make == "leaf" else w * 2
        d = t.data
        return t, d

    (t, d), (tt, td) = _pair(run)
    assert type(d) is ag.Tensor and type(td) is torch.Tensor
    assert (d.requires_grad, d.is_leaf, d.grad_fn) == (td.requires_grad, td.is_leaf, td.grad_fn) == (False, True, None)
    assert np.shares_memory(d.numpy(), _values(t)) and td.data_ptr() == tt.data_ptr()
    np.testing.assert_array_equal(d.numpy(), td.numpy())
    assert t.requires_grad and (t.grad_fn is None) == (tt.grad_fn is None)


def test_scalar_data_stays_a_float():
    s = ag.Scalar(1.5) * ag.Scalar(2.0)
    assert type(s.data) is float and s.data == 3.0


# -- in place through .data ------------------------------------------------------------------
def _sgd_step(m, w):
    (w * w * 3).sum().backward()
    w.data -= 0.1 * w.grad


INPLACE = {
    "w.data.fill_(0.5)": lambda m, w: w.data.fill_(0.5),
    "w.data.zero_()": lambda m, w: w.data.zero_(),
    "w.data -= lr * w.grad": _sgd_step,
    "w.data[:] += 1": lambda m, w: w.data[:].__iadd__(1),
    "w.data[:] = w.data[:] + 1": lambda m, w: w.data.__setitem__(slice(None), w.data[:] + 1),
    "w.data *= mask": lambda m, w: w.data.__imul__(m.tensor(MASK)),
    "w.data[0, 1] = 7": lambda m, w: w.data.__setitem__((0, 1), 7.0),
    "w.data.copy_(other)": lambda m, w: w.data.copy_(m.tensor(W0 * 2)),
    "w.data.mul_(2).add_(1)": lambda m, w: w.data.mul_(2).add_(1),
}


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_through_data_changes_the_tensor_as_in_pytorch(name):
    def run(m):
        w = _leaf(m)
        INPLACE[name](m, w)
        return w

    w, tw = _pair(run)
    np.testing.assert_array_equal(_values(w), _values(tw))
    assert not np.array_equal(_values(w), W0)
    assert (w.requires_grad, w.is_leaf, w.grad_fn) == (tw.requires_grad, tw.is_leaf, None) == (True, True, None)


def test_w_data_minus_lr_grad_matches_pytorch_over_steps():
    def run(m):
        w = _leaf(m)
        for _ in range(3):
            w.grad = None
            _sgd_step(m, w)
        return w

    w, tw = _pair(run)
    np.testing.assert_allclose(_values(w), _values(tw), rtol=1e-6)
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-6)


def test_normal_through_data_fills_the_tensor():
    ag.manual_seed(0)
    torch.manual_seed(0)

    def run(m):
        w = m.zeros(100, 100, requires_grad=True)
        r = w.data.normal_(0, 0.01)
        return w, r

    (w, r), (tw, tr) = _pair(run)
    for t, res in ((w, r), (tw, tr)):  # the generators differ; what is written is the same in kind
        np.testing.assert_array_equal(_values(t), res.numpy())
        assert abs(float(_values(t).std()) - 0.01) < 5e-4 and abs(float(_values(t).mean())) < 5e-4
        assert t.requires_grad and t.is_leaf


# -- t.data = other --------------------------------------------------------------------------
def test_data_assignment_takes_the_others_memory_shape_and_dtype_keeps_grad():
    def run(m):
        w = _leaf(m)
        (w * w).sum().backward()
        other = m.arange(4, dtype=m.float64)
        w.data = other
        return w, other

    (w, other), (tw, tother) = _pair(run)
    assert w.shape == tuple(tw.shape) == (4,) and w.dtype == np.float64 and tw.dtype == torch.float64
    assert (w.requires_grad, w.is_leaf) == (tw.requires_grad, tw.is_leaf) == (True, True)
    np.testing.assert_array_equal(w.grad.numpy(), tw.grad.numpy())  # the old gradient, shape (2, 3), is kept
    assert w.grad.shape == (2, 3)
    assert np.shares_memory(_values(w), other.numpy()) and tw.data_ptr() == tother.data_ptr()
    np.testing.assert_array_equal(_values(w), _values(tw))


def test_data_assignment_of_an_ndarray_raises_typeerror():
    with pytest.raises(TypeError):
        _leaf(torch).data = np.zeros(3)
    with pytest.raises(TypeError, match=r"^data: assigned data must be a Tensor; got ndarray, expected a Tensor\. "
                                        r"Hint: wrap it with autograd\.tensor"):
        _leaf(ag).data = np.zeros(3)


def test_data_assignment_of_integer_data_to_a_tensor_that_requires_grad_raises_typeerror():
    """PyTorch raises RuntimeError here; tracegrad's dtype errors are TypeErrors."""
    with pytest.raises(RuntimeError, match="floating point"):
        _leaf(torch).data = torch.zeros(3, dtype=torch.int64)
    w = _leaf(ag)
    with pytest.raises(TypeError, match=r"^data: a tensor that requires grad needs floating data; got dtype int64, "
                                        r"expected a floating dtype\.$"):
        w.data = ag.zeros(3, dtype=ag.int64)
    np.testing.assert_array_equal(_values(w), W0)  # nothing changed
    plain = ag.tensor(W0)
    plain.data = ag.zeros(3, dtype=ag.int64)  # a tensor that does not require grad takes any data
    assert plain.dtype == np.int64


def test_a_views_data_assignment_makes_it_stop_being_a_view():
    def run(m):
        base = m.zeros(2, 3)
        v = base[0]
        v.data = m.ones(3)
        v.add_(1)  # into its new memory only
        after_v = base.clone()
        base.add_(5)  # no longer seen by v
        return after_v, v

    (after_v, v), (tafter_v, tv) = _pair(run)
    np.testing.assert_array_equal(after_v.numpy(), tafter_v.numpy())
    np.testing.assert_array_equal(after_v.numpy(), np.zeros((2, 3)))
    np.testing.assert_array_equal(v.numpy(), tv.numpy())
    np.testing.assert_array_equal(v.numpy(), [2.0, 2.0, 2.0])


# -- .data and the version counter (a deliberate difference) ----------------------------------
def test_changing_a_saved_value_through_data_before_backward_raises():
    """PyTorch gives `.data` a version counter of its own, so `w.data.mul_(2)` between forward
    and backward goes unseen and backward silently uses the new values (here d(w·w)/dw = 2·w_new
    instead of 2·w_old). tracegrad's `.data` shares w's version counter, as `detach()` does,
    so the same program raises backward's "modified by an inplace operation" error."""
    def run(m):
        w = _leaf(m)
        loss = (w * w).sum()
        w.data.mul_(2)
        return w, loss

    tw, tloss = run(torch)
    tloss.backward()
    np.testing.assert_allclose(tw.grad.numpy(), 2 * (2 * W0))  # PyTorch: the gradient at the new values
    assert tw._version == 0

    w, loss = run(ag)
    assert w._version == 1
    with pytest.raises(RuntimeError, match=r"^backward: one of the variables needed for gradient computation has been "
                                           r"modified by an inplace operation: saved item 0 of 'mul' \(shape \(2, 3\), "
                                           r"float32\) is at version 1; expected version 0\."):
        loss.backward()


def test_changing_an_unsaved_value_through_data_before_backward_is_fine():
    def run(m):
        w = _leaf(m)
        loss = (w * 3).sum()  # mul by a constant saves nothing of w
        w.data.mul_(2)
        loss.backward()
        return w

    w, tw = _pair(run)
    np.testing.assert_array_equal(w.grad.numpy(), tw.grad.numpy())
    np.testing.assert_array_equal(_values(w), _values(tw))


# -- the ndarray ---------------------------------------------------------------------------------
def test_numpy_detach_numpy_and_asarray():
    w, tw = _leaf(ag), _leaf(torch)
    with pytest.raises(RuntimeError):
        tw.numpy()
    with pytest.raises(RuntimeError, match=r"^numpy: can't call numpy\(\) on a tensor that requires grad\. "
                                           r"Hint: use tensor\.detach\(\)\.numpy\(\) instead\."):
        w.numpy()
    for arr in (w.detach().numpy(), w.data.numpy(), np.asarray(w)):
        assert type(arr) is np.ndarray and np.shares_memory(arr, w.detach().numpy())
        np.testing.assert_array_equal(arr, tw.detach().numpy())
    # np.asarray(t) on a tensor that requires grad: PyTorch raises, tracegrad gives the array (nn, optim use it)
    with pytest.raises(RuntimeError):
        np.asarray(tw)


# -- numpy's functions on Tensors --------------------------------------------------------------
A = np.array([[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]], np.float32)
# numpy's function -> PyTorch's function with numpy's meaning (np.std/np.var: population, ddof=0)
REDUCTIONS = {
    "sum": lambda t, **k: torch.sum(t, **k), "mean": lambda t, **k: torch.mean(t, **k),
    "max": lambda t, **k: torch.amax(t, **k), "min": lambda t, **k: torch.amin(t, **k),
    "argmax": lambda t, **k: torch.argmax(t, **k), "argmin": lambda t, **k: torch.argmin(t, **k),
    "std": lambda t, **k: torch.std(t, correction=0, **k), "var": lambda t, **k: torch.var(t, correction=0, **k),
    "prod": lambda t, **k: torch.prod(t, **k) if k else torch.prod(t),
    "all": lambda t, **k: torch.all(t > -1.5, **k), "any": lambda t, **k: torch.any(t > 3.5, **k),
}


@pytest.mark.parametrize("axis", [None, 1])
@pytest.mark.parametrize("name", list(REDUCTIONS))
def test_numpy_reductions_on_a_tensor_give_pytorchs_values(name, axis):
    x, tx = ag.tensor(A), torch.tensor(A)
    if name in ("all", "any"):
        x, tx = (x > -1.5) if name == "all" else (x > 3.5), tx
    kwargs = {} if axis is None else {"axis": axis}
    got = getattr(np, name)(x, **kwargs)
    expected = REDUCTIONS[name](tx, **({} if axis is None else {"dim": axis}))
    assert type(got) is ag.Tensor
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6)
    assert got.dtype == expected.numpy().dtype
    np.testing.assert_allclose(got.numpy(), getattr(np, name)(x.numpy(), **kwargs), rtol=1e-6)  # and numpy's


@pytest.mark.filterwarnings("ignore:__array_wrap__ must accept context:DeprecationWarning")  # torch's
def test_numpy_argmax_on_a_torch_tensor_agrees():
    # of the reductions, PyTorch 2.13 takes numpy's argmax/argmin calls; compare those directly
    for name in ("argmax", "argmin"):
        np.testing.assert_array_equal(getattr(np, name)(ag.tensor(A), axis=0).numpy(),
                                      getattr(np, name)(torch.tensor(A), axis=0).numpy())


def test_numpy_sum_and_mean_are_differentiable():
    w, tw = _leaf(ag), _leaf(torch)
    (np.sum(w * w) + np.mean(w)).backward()
    ((tw * tw).sum() + tw.mean()).backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("name", ["sum", "max", "mean"])
def test_numpy_reduction_with_out_raises_typeerror(name):
    with pytest.raises(TypeError, match=rf"^{name}: out= is not supported; got ndarray, expected None \(the result is "
                                        rf"returned as a new tensor\)\. Hint: assign it, or copy_\(\) it into place\."):
        getattr(np, name)(ag.tensor(A), out=np.empty((), np.float32))


def test_np_isnan_gives_a_bool_tensor():
    vals = np.array([1.0, np.nan, -np.inf], np.float32)
    for t in (ag.tensor(vals), ag.tensor(vals, requires_grad=True)):  # bool: no gradient to lose
        got = np.isnan(t)
        assert type(got) is ag.Tensor and got.dtype == np.bool_ and got.grad_fn is None
        np.testing.assert_array_equal(got.numpy(), torch.isnan(torch.tensor(vals)).numpy())
    zero_d = np.isnan(ag.tensor(2.0))  # a 0-d Tensor where numpy would give np.bool_, as PyTorch
    assert type(zero_d) is ag.Tensor and zero_d.shape == () and zero_d.item() is False


def test_unmapped_ufunc_computes_values_on_plain_tensors():
    a, b = np.array([3.0, 5.0], np.float32), np.array([4.0, 12.0], np.float32)
    got = np.hypot(ag.tensor(a), ag.tensor(b))
    assert type(got) is ag.Tensor and got.grad_fn is None and not got.requires_grad
    np.testing.assert_allclose(got.numpy(), torch.hypot(torch.tensor(a), torch.tensor(b)).numpy())
    np.testing.assert_allclose(np.hypot(ag.tensor(3.0), 4.0).numpy(), 5.0)  # 0-d: a Tensor too
    parts = np.modf(ag.tensor([1.5, -2.25]))  # several outputs: a tuple of Tensors
    assert all(type(p) is ag.Tensor for p in parts)
    np.testing.assert_array_equal(parts[0].numpy(), [0.5, -0.25])


def test_unmapped_ufunc_on_a_tensor_that_requires_grad_raises():
    w = _leaf(ag)
    with pytest.raises(RuntimeError):  # PyTorch too (its numpy() refuses)
        np.hypot(_leaf(torch), 1.0)
    with pytest.raises(RuntimeError, match=r"^np\.hypot: tracegrad has no differentiable op for this numpy call on a "
                                           r"tensor that requires grad, so its gradient would be lost\. Hint: use the "
                                           r"autograd op of the same name, or call it on t\.detach\(\)\."):
        np.hypot(w, 1.0)
    with pytest.raises(RuntimeError, match=r"^np\.add\.reduce: tracegrad has no differentiable op"):
        np.add.reduce(w)
    np.testing.assert_allclose(np.hypot(w.detach(), 1.0).numpy(), np.hypot(W0, 1.0))


def test_ufunc_writing_into_a_tensor_raises_typeerror():
    t = ag.tensor(A)
    with pytest.raises(TypeError, match=r"^np\.exp: cannot write into a Tensor; got a Tensor as out=, expected an "
                                        r"ndarray \(tracegrad records no in-place numpy call\)\. Hint: compute the "
                                        r"result, then t\.copy_\(result\), or write into t\.numpy\(\)\."):
        np.exp(t, out=ag.zeros(2, 3))
    with pytest.raises(TypeError, match=r"^np\.add\.at: cannot write into a Tensor; got a Tensor as the operand "
                                        r"written in place"):
        np.add.at(t, [0], 1.0)
    np.testing.assert_array_equal(t.numpy(), A)
    out = np.empty((2, 3), np.float32)  # into an ndarray: numpy's values, no graph
    assert np.exp(t, out=out) is out
    np.testing.assert_allclose(out, np.exp(A))


def test_grad_of_the_old_shape_is_not_broadcast_into():
    """After ``w.data = other`` of another shape, a kept .grad of the old shape would take
    the new gradient by broadcasting ((2, 3) += (3,) adds it to every row). PyTorch does
    exactly that, with only a UserWarning about the gradient layout, leaving a .grad that no
    longer fits its tensor; tracegrad refuses with a RuntimeError (never a silent wrong
    result) and accumulates normally once .grad is reset."""
    w = ag.tensor(np.ones((2, 3)), requires_grad=True)
    (w * 2.0).sum().backward()
    w.data = ag.tensor(np.ones(3))
    tw = torch.ones(2, 3, requires_grad=True)
    (tw * 2.0).sum().backward()
    tw.data = torch.ones(3)
    with pytest.warns(UserWarning):
        (tw * 3.0).sum().backward()
    assert tuple(tw.grad.shape) == (2, 3) and np.all(tw.grad.numpy() == 5.0)  # PyTorch: broadcast, silently
    with pytest.raises(RuntimeError, match=r"backward: the gradient of shape \(3,\) cannot be accumulated into "
                                           r"\.grad of shape \(2, 3\); expected \.grad to have the tensor's "
                                           r"shape \(3,\)\. Hint: set t\.grad = None"):
        (w * 3.0).sum().backward()
    w.grad = None
    (w * 3.0).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.full(3, 3.0))
