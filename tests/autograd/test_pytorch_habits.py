"""The PyTorch habits users type first (issue 10 §5), each against PyTorch as the oracle:
dtype conversions, clone/t/mT/cpu, dtype names, from_numpy/as_tensor/tensor, format, numpy()."""
import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")

DTYPES = [("float32", torch.float32), ("float64", torch.float64), ("float16", torch.float16),
          ("int64", torch.int64), ("int32", torch.int32), ("bool", torch.bool)]
X = np.array([[1.5, -2.0, 0.0], [3.25, 0.5, -0.75]])


def _pair(requires_grad=True, dtype=np.float32):
    return (ag.Tensor(X.astype(dtype), requires_grad=requires_grad),
            torch.tensor(X.astype(dtype), requires_grad=requires_grad))


def _same(ours, theirs):
    """Equal values and dtype, and the same answer to 'is there a graph'."""
    expected = theirs.detach().numpy()
    assert ours.dtype == expected.dtype
    np.testing.assert_array_equal(ours.detach().numpy(), expected)
    assert ours.requires_grad == theirs.requires_grad
    assert (ours.grad_fn is None) == (theirs.grad_fn is None)


# -- conversions ---------------------------------------------------------------------------
@pytest.mark.parametrize("method, dtype", [("float", "float32"), ("double", "float64"), ("half", "float16"),
                                           ("long", "int64"), ("int", "int32"), ("bool", "bool")])
def test_dtype_methods_match_torch(method, dtype):
    x, tx = _pair(dtype=np.float64)
    y, ty = getattr(x, method)(), getattr(tx, method)()
    assert y.dtype == np.dtype(dtype)
    _same(y, ty)


@pytest.mark.parametrize("name, tdtype", DTYPES)
def test_to_dtype_forms_match_torch(name, tdtype):
    x, tx = _pair()
    dt = getattr(ag, name)
    _same(x.to(dt), tx.to(tdtype))
    _same(x.to(dtype=dt), tx.to(dtype=tdtype))
    _same(x.to(ag.zeros(1, dtype=dt)), tx.to(torch.zeros(1, dtype=tdtype)))
    _same(x.to("cpu", dt), tx.to("cpu", tdtype))
    _same(x.type(dt), tx.type(tdtype))


def test_to_returns_self_unless_something_changes():
    x, tx = _pair()
    assert x.to(ag.float32) is x and tx.to(torch.float32) is tx
    assert x.to("cpu") is x and tx.to("cpu") is tx
    assert x.cpu() is x and tx.cpu() is tx
    y, ty = x.to(ag.float32, copy=True), tx.to(torch.float32, copy=True)
    assert y is not x and not np.shares_memory(y.detach().numpy(), x.detach().numpy())
    _same(y, ty)


def test_float_casts_are_differentiable_like_torch():
    x, tx = _pair()
    g = np.arange(6.0).reshape(2, 3)
    (x.double() * ag.Tensor(g)).sum().backward()
    (tx.double() * torch.tensor(g)).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.detach().numpy(), tx.grad.numpy())


def test_type_names_match_torch():
    for name, tdtype in DTYPES:
        assert ag.zeros(2, dtype=getattr(ag, name)).type() == torch.zeros(2, dtype=tdtype).type()
    assert ag.zeros(1, dtype=np.uint16).type() == "numpy.uint16"  # no PyTorch tensor type: numpy's name
    x, tx = _pair()
    _same(x.type("torch.DoubleTensor"), tx.type("torch.DoubleTensor"))
    with pytest.raises(TypeError, match=r"type: unknown tensor type 'torch.CudaTensor'"):
        x.type("torch.CudaTensor")


def test_to_errors():
    x = ag.ones(2)
    with pytest.raises(RuntimeError, match=r"to: tracegrad computes on the CPU only; got device 'cuda'"):
        x.to("cuda")
    with pytest.raises(RuntimeError, match=r"to: tracegrad computes on the CPU only; got device 'cuda:0'"):
        x.to(device="cuda:0")
    with pytest.raises(TypeError, match=r"to: expected a device or a dtype; got \[1\] of type list"):
        x.to([1])


def test_clone_is_a_differentiable_copy_like_torch():
    x, tx = _pair()
    y, ty = x.clone(), tx.clone()
    _same(y, ty)
    assert not np.shares_memory(y.detach().numpy(), x.detach().numpy())
    assert y.grad_fn.name == "clone"
    g = np.arange(6.0, dtype=np.float32).reshape(2, 3)
    (y * y * ag.Tensor(g)).sum().backward()
    (ty * ty * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), tx.grad.numpy())
    z = ag.Tensor([1, 2]).clone()
    assert z.dtype == np.int64 and z.grad_fn is None


def test_t_and_mT_match_torch():
    for shape in [(), (3,), (2, 3)]:
        a = np.arange(float(np.prod(shape))).reshape(shape)
        np.testing.assert_array_equal(ag.Tensor(a).t().data, torch.tensor(a).t().numpy())
    a = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(ag.Tensor(a).mT.data, torch.tensor(a).mT.numpy())
    x, tx = _pair()
    g = np.arange(6.0, dtype=np.float32).reshape(3, 2)
    (x.t() * ag.Tensor(g)).sum().backward()
    (tx.t() * torch.tensor(g)).sum().backward()
    np.testing.assert_array_equal(x.grad.detach().numpy(), tx.grad.numpy())
    with pytest.raises(RuntimeError, match=r"t\(\) expects a tensor with <= 2 dimensions"):
        torch.ones(2, 3, 4).t()
    with pytest.raises(ValueError, match=r"t: expects a tensor with at most 2 dims; got shape \(2, 3, 4\)"):
        ag.ones(2, 3, 4).t()
    with pytest.raises(RuntimeError, match=r"mT is only supported on matrices"):
        torch.ones(3).mT
    with pytest.raises(ValueError, match=r"mT: expects a matrix or a batch of matrices; got shape \(3,\)"):
        ag.ones(3).mT


# -- dtype names and factories -------------------------------------------------------------
def test_dtype_names_are_numpy_dtypes():
    for name, tdtype in DTYPES:
        dt = getattr(ag, name)
        assert isinstance(dt, np.dtype)
        assert ag.zeros(1, dtype=dt).dtype == torch.zeros(1, dtype=tdtype).numpy().dtype
    for alias in ("float", "double", "half", "long", "int", "short"):
        assert torch.zeros(1, dtype=getattr(torch, alias)).numpy().dtype == getattr(ag, alias)
    ns = {}
    exec("from autograd import *", ns)
    assert "float32" in ns and "Tensor" in ns
    assert "int" not in ns and "float" not in ns and "bool" not in ns  # builtins stay builtins


def test_from_numpy_shares_memory_and_dtype_like_torch():
    for dt in (np.float64, np.float16, np.int32, np.uint8, np.bool_):
        a = np.zeros(3, dtype=dt)
        t, tt = ag.from_numpy(a), torch.from_numpy(a)
        assert t.dtype == tt.numpy().dtype == dt
        assert np.shares_memory(t.detach().numpy(), a) and np.shares_memory(tt.numpy(), a)
    a = np.zeros(3)
    t = ag.from_numpy(a)
    a[0] = 5.0
    assert t.detach().numpy()[0] == 5.0
    with pytest.raises(TypeError, match=r"expected np.ndarray"):
        torch.from_numpy([1.0])
    with pytest.raises(TypeError, match=r"from_numpy: expected an np.ndarray; got list"):
        ag.from_numpy([1.0])


def test_as_tensor_shares_when_it_can_like_torch():
    a = np.arange(3.0)
    for dtype, tdtype in [(None, None), (ag.float64, torch.float64)]:
        t, tt = ag.as_tensor(a, dtype=dtype), torch.as_tensor(a, dtype=tdtype)
        assert np.shares_memory(t.detach().numpy(), a) == np.shares_memory(tt.numpy(), a) is True
    t, tt = ag.as_tensor(a, dtype=ag.float32), torch.as_tensor(a, dtype=torch.float32)
    assert np.shares_memory(t.detach().numpy(), a) == np.shares_memory(tt.numpy(), a) is False
    assert t.dtype == tt.numpy().dtype
    x = ag.ones(2)
    assert ag.as_tensor(x) is x and torch.as_tensor(tt) is tt
    assert ag.as_tensor([1.0, 2.0]).dtype == torch.as_tensor([1.0, 2.0]).numpy().dtype
    assert ag.as_tensor([1, 2]).dtype == torch.as_tensor([1, 2]).numpy().dtype


def test_tensor_copies_like_torch():
    a = np.arange(3.0)
    for src_ours, src_torch in [(a, a), (ag.from_numpy(a), torch.from_numpy(a))]:
        t, tt = ag.tensor(src_ours), torch.tensor(src_torch) if src_torch is a else src_torch.clone()
        assert not np.shares_memory(t.detach().numpy(), a) and not np.shares_memory(tt.numpy(), a)
        assert t.dtype == tt.numpy().dtype
    a[0] = 7.0
    assert ag.tensor(a, dtype=ag.float64).data[0] == 7.0
    x = ag.tensor(ag.ones(2, requires_grad=True))
    assert x.is_leaf and not x.requires_grad


# -- format and numpy() --------------------------------------------------------------------
@pytest.mark.parametrize("spec", [".4f", ".3e", "", "8.2f", "g"])
def test_format_of_a_0d_tensor_matches_torch(spec):
    for v in (1.23456, -0.5):
        x, tx = ag.tensor(v, requires_grad=True), torch.tensor(v, requires_grad=True)
        assert format(x * 2, spec) == format(tx * 2, spec)
    assert f"{ag.tensor(3)}" == f"{torch.tensor(3)}"


def test_format_of_larger_tensors():
    loss = ag.Tensor(np.array([0.25]))
    assert f"{loss:.3f}" == "0.250"  # a one-element tensor formats its value (PyTorch: TypeError)
    assert f"{loss}" == str(loss)  # an empty spec prints the tensor, as PyTorch
    assert f"{ag.ones(2)}" == str(ag.ones(2))
    with pytest.raises(TypeError, match=r"unsupported format string"):
        format(torch.ones(2), ".2f")
    with pytest.raises(TypeError, match=r"format: a format spec applies to one-element tensors; got shape \(2,\)"):
        format(ag.ones(2), ".2f")


def test_numpy_on_a_tensor_that_requires_grad_raises_like_torch():
    x, tx = _pair()
    with pytest.raises(RuntimeError, match=r"numpy\(\) on Tensor that requires grad"):
        tx.numpy()
    with pytest.raises(RuntimeError, match=r"numpy: can't call numpy\(\) on a tensor that requires grad\. "
                                           r"Hint: use tensor.detach\(\).numpy\(\) instead\."):
        x.numpy()
    with pytest.raises(RuntimeError, match=r"numpy: can't call numpy\(\)"):
        (x * 2).numpy()
    arr = x.detach().numpy()
    assert isinstance(arr, np.ndarray) and np.shares_memory(arr, x.detach().numpy())


# -- grad, requires_grad and hooks are checked (issue 10 §3) -------------------------------
def test_assigned_grad_of_another_shape_or_dtype_raises_like_torch():
    x, tx = ag.ones(3, requires_grad=True), torch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"gradient of size '\[2\]' to a tensor of size '\[3\]'"):
        tx.grad = torch.ones(2)
    with pytest.raises(RuntimeError, match=r"grad: assigned grad has data of a different size; got shape \(2,\), "
                                           r"expected \(3,\)\."):
        x.grad = ag.ones(2)
    with pytest.raises(RuntimeError, match=r"assign a gradient with dtype 'double'"):
        tx.grad = torch.ones(3, dtype=torch.float64)
    with pytest.raises(RuntimeError, match=r"grad: assigned grad has data of a different type; got float64, "
                                           r"expected float32\."):
        x.grad = ag.ones(3, dtype=ag.float64)
    with pytest.raises(TypeError, match=r"assigned grad expected to be a Tensor or None"):
        tx.grad = np.ones(3)
    with pytest.raises(TypeError, match=r"grad: assigned grad must be a Tensor or None; got ndarray\."):
        x.grad = np.ones(3)
    assert x.grad is None
    g = ag.full(3, 2.0)
    x.grad = g
    assert x.grad is g
    x.grad = None
    assert x.grad is None


def _shrink(g):
    return g.sum().reshape(1)


def _to_double(g):
    return g.double()


@pytest.mark.parametrize("leaf", [True, False], ids=["leaf", "non-leaf"])
def test_hook_that_changes_the_shape_raises_naming_it_like_torch(leaf):
    def run(lib, hook):
        x = lib.ones(3, requires_grad=True)
        y = x if leaf else x * 2
        y.register_hook(hook)
        (y * y).sum().backward()
        return x

    with pytest.raises(RuntimeError, match=r"hook '_shrink' has changed the size of value"):
        run(torch, _shrink)
    with pytest.raises(RuntimeError, match=r"backward: hook '_shrink' has changed the size of the gradient; "
                                           r"got shape \(1,\), expected \(3,\)\."):
        run(ag, _shrink)
    with pytest.raises(RuntimeError, match=r"hook '_to_double' has changed the type of value"):
        run(torch, _to_double)
    with pytest.raises(RuntimeError, match=r"backward: hook '_to_double' has changed the type of the gradient; "
                                           r"got float64, expected float32\."):
        run(ag, _to_double)
    with pytest.raises(RuntimeError, match=r"backward: hook '<lambda>' has changed the size"):
        run(ag, lambda g: g[:1])
    with pytest.raises(TypeError, match=r"backward: hook '<lambda>' returned ndarray; expected a Tensor or None\."):
        run(ag, lambda g: g.detach().numpy() * 2)
    np.testing.assert_array_equal(run(ag, lambda g: g * 3).grad.data, run(torch, lambda g: g * 3).grad.numpy())


def test_hook_checks_apply_to_autograd_grad_captures():
    x = ag.ones(3, requires_grad=True)
    y = x * 2
    y.register_hook(_shrink)
    with pytest.raises(RuntimeError, match=r"hook '_shrink' has changed the size"):
        ag.grad((y * y).sum(), y)


def test_requires_grad_assignment_is_checked_like_torch():
    y, ty = ag.ones(2, requires_grad=True) * 2, torch.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"you can only change requires_grad flags of leaf variables"):
        ty.requires_grad = False
    with pytest.raises(RuntimeError, match=r"requires_grad_: cannot turn off requires_grad on a non-leaf tensor\. "
                                           r"Hint: use detach\(\)"):
        y.requires_grad = False
    assert y.requires_grad and y.detach().requires_grad is False
    i, ti = ag.Tensor([1, 2]), torch.tensor([1, 2])
    with pytest.raises(RuntimeError, match=r"only Tensors of floating point and complex dtype can require gradients"):
        ti.requires_grad = True
    with pytest.raises(TypeError, match=r"Tensor: integer tensors cannot require grad; got dtype int64"):
        i.requires_grad = True
    with pytest.raises(TypeError, match=r"Tensor: bool tensors cannot require grad"):
        ag.Tensor([True]).requires_grad = True
    assert not i.requires_grad
    x = ag.ones(2)
    x.requires_grad = True
    assert x.requires_grad and x.is_leaf
    x.requires_grad = False
    assert not x.requires_grad
    i.requires_grad = False  # turning it off is always allowed on a leaf, as PyTorch
