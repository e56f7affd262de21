"""Calls tutorial code makes that tracegrad lacked (issue 15): `all`/`any`, `cumsum`, the
operators ``| & ^ ~`` on bool and integer tensors, in-place `normal_`/`uniform_`, `empty`,
`empty_like`, and ``device=``/``dtype=`` on `zeros_like`/`ones_like` — against PyTorch."""
import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")


def _same(ours, theirs):
    """Equal values, shape and dtype (by name: bool, int64 …)."""
    t = theirs.detach().numpy()
    assert ours.shape == t.shape and ours.dtype == t.dtype, (ours, theirs)
    np.testing.assert_allclose(ours.numpy() if not ours.requires_grad else ours.detach().numpy(), t, rtol=1e-6)


# -- all / any ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["all", "any"])
def test_all_any_match_torch(name):
    x = np.array([[1.0, 0.0, 2.0], [3.0, 4.0, 5.0]], dtype=np.float32)
    b = x > 0.5
    for data in (x, b, np.zeros((0, 3), dtype=bool)):
        ours, theirs = ag.tensor(data), torch.tensor(data)
        _same(getattr(ours, name)(), getattr(theirs, name)())
        _same(getattr(ag, name)(ours, dim=1), getattr(torch, name)(theirs, dim=1))
        _same(getattr(ours, name)(0, keepdim=True), getattr(theirs, name)(0, keepdim=True))
    assert not ag.tensor(x, requires_grad=True).all().requires_grad
    with pytest.raises(ValueError, match=f"{name}: axis 2 is out of range for a tensor with 2 dims"):
        getattr(ag.tensor(x), name)(2)


def test_all_any_are_not_exported_by_star_import():
    assert "all" not in ag.__all__ and "any" not in ag.__all__ and "cumsum" in ag.__all__


# -- cumsum --------------------------------------------------------------------------------------
def test_cumsum_values_and_gradient_match_torch():
    x = np.random.default_rng(0).standard_normal((3, 4))
    w = np.random.default_rng(1).standard_normal((3, 4))
    for dim in (0, 1, -1):
        a, t = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ya, yt = a.cumsum(dim), torch.cumsum(t, dim)
        _same(ya, yt)
        (ya * ag.tensor(w)).sum().backward()
        (yt * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_cumsum_second_derivative_matches_torch():
    x = np.array([0.5, -1.0, 2.0])
    a, t = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (ga,) = ag.grad((ag.cumsum(a, 0) ** 3).sum(), a, create_graph=True)
    (gt,) = torch.autograd.grad((torch.cumsum(t, 0) ** 3).sum(), t, create_graph=True)
    (hga,) = ag.grad((ga * ga).sum(), a)
    (hgt,) = torch.autograd.grad((gt * gt).sum(), t)
    np.testing.assert_allclose(hga.numpy(), hgt.numpy(), rtol=1e-12)


def test_cumsum_dtypes_and_edge_shapes_match_torch():
    for data in (np.array([True, False, True]), np.array([1, 2, 3], dtype=np.int32), np.array(2.5),
                 np.zeros((0, 2), dtype=np.float32)):
        _same(ag.tensor(data).cumsum(0), torch.tensor(data).cumsum(0))
    _same(ag.cumsum(ag.tensor([1, 2]), dim=0, dtype=ag.float64),
          torch.cumsum(torch.tensor([1, 2]), dim=0, dtype=torch.float64))
    with pytest.raises(TypeError, match=r"cumsum: dim must be an int; got None, expected the axis to scan"):
        ag.tensor([1.0]).cumsum()
    with pytest.raises(ValueError, match="cumsum: axis 1 is out of range for a tensor with 1 dims"):
        ag.tensor([1.0]).cumsum(1)


# -- | & ^ ~ -------------------------------------------------------------------------------------
_BOOLS = (np.array([True, False, True, False]), np.array([True, True, False, False]))
_INTS = (np.array([1, 2, 3, 12], dtype=np.int64), np.array([3, 6, 5, 10], dtype=np.int64))


@pytest.mark.parametrize("op", ["__or__", "__and__", "__xor__"])
def test_bitwise_operators_match_torch(op):
    for x, y in (_BOOLS, _INTS, (_BOOLS[0], _INTS[1]), (_INTS[0].astype(np.int32), np.array(5))):
        _same(getattr(ag.tensor(x), op)(ag.tensor(y)), getattr(torch.tensor(x), op)(torch.tensor(y)))
    rop = op.replace("__", "__r", 1)
    for scalar in (True, 3):
        _same(getattr(ag.tensor(_INTS[0]), rop)(scalar), getattr(torch.tensor(_INTS[0]), rop)(scalar))
        _same(getattr(ag.tensor(_BOOLS[0]), op)(scalar), getattr(torch.tensor(_BOOLS[0]), op)(scalar))
    a, b = ag.tensor(_BOOLS[0]), ag.tensor(_BOOLS[1])
    assert (True | b).tolist() == [True] * 4 and (a & b).tolist() == [True, False, False, False]
    name = {"__or__": "bitwise_or", "__and__": "bitwise_and", "__xor__": "bitwise_xor"}[op]
    with pytest.raises(TypeError, match=f"{name}: expected bool or integer tensors; got float32"):
        getattr(ag.tensor([1.0, 2.0]), op)(ag.tensor([True, False]))
    with pytest.raises(ValueError, match=r"[|&^]: shapes \(4,\) and \(3,\) do not broadcast"):
        getattr(a, op)(ag.tensor([True, False, True]))


def test_invert_matches_torch_and_refuses_floats():
    for data in (_BOOLS[0], _INTS[0], _INTS[0].astype(np.int32)):
        _same(~ag.tensor(data), ~torch.tensor(data))
        _same(ag.bitwise_not(ag.tensor(data)), torch.bitwise_not(torch.tensor(data)))
    x = ag.tensor([1.0, -2.0, 3.0])
    assert (~(x > 0)).tolist() == [False, True, False]
    assert ((x > 0) | (x < -1)).all().item() and not (~((x > 0) | (x < -1))).any().item()
    with pytest.raises(TypeError, match="bitwise_not: expected a bool or integer tensor; got float32"):
        ~x


# -- normal_ / uniform_ ------------------------------------------------------------------------
def test_normal_and_uniform_fill_in_place_from_the_global_generator():
    ag.manual_seed(7)
    w = ag.zeros(200, 50)
    data = w.detach().numpy()
    out = w.normal_(1.0, 0.5)
    assert out is w and w.detach().numpy() is data and w._version == 1
    assert abs(float(w.mean()) - 1.0) < 0.02 and abs(float(w.std()) - 0.5) < 0.02
    ag.manual_seed(7)
    np.testing.assert_array_equal(ag.zeros(200, 50).normal_(1.0, 0.5).numpy(), w.numpy())  # reproducible
    u = ag.zeros(200, 50, dtype=ag.float64).uniform_(-2.0, 3.0)
    assert u.dtype == np.float64 and -2.0 <= float(u.min()) and float(u.max()) < 3.0
    assert abs(float(u.mean()) - 0.5) < 0.05
    assert 0.0 <= float(ag.empty(10).uniform_().min()) and float(ag.empty(10).normal_().std()) > 0
    t = torch.zeros(3)  # the defaults are PyTorch's: N(0, 1) and U[0, 1)
    assert t.normal_() is t and t.uniform_() is t


def test_random_fills_refuse_what_torch_refuses():
    p = ag.zeros(3, requires_grad=True)
    tp = torch.zeros(3, requires_grad=True)
    for op in ("normal_", "uniform_"):
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
            getattr(tp, op)()
        with pytest.raises(RuntimeError, match=f"{op}: a leaf Variable that requires grad is being used in an "
                                               f"in-place operation"):
            getattr(p, op)()
        with ag.no_grad():
            assert getattr(p, op)() is p and not p.grad_fn
        with pytest.raises(TypeError, match=f"{op}: expected a floating tensor; got int64"):
            getattr(ag.zeros(3, dtype=ag.int64), op)()
    with pytest.raises(ValueError, match=r"normal_: std must be non-negative; got -1\.0"):
        ag.zeros(2).normal_(0.0, -1.0)
    with pytest.raises(ValueError, match=r"uniform_: expects a <= b; got a=1\.0, b=0\.0"):
        ag.zeros(2).uniform_(1.0, 0.0)


def test_random_fill_of_a_graph_tensor_cuts_the_gradient_like_torch():
    x, tx = ag.ones(3, requires_grad=True), torch.ones(3, requires_grad=True)
    y, ty = x * 2, tx * 2
    y.normal_()
    ty.normal_()
    (y * 3).sum().backward()
    (ty * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())  # zeros: the old values are overwritten


# -- empty, empty_like, zeros_like/ones_like with device= and dtype= ------------------------------
def test_empty_and_like_factories_match_torch_shapes_and_dtypes():
    for args, kw in (((2, 3), {}), (((2, 3),), {}), ((), {"size": (4,)}), ((3,), {"dtype": "int64"})):
        tkw = {k: getattr(torch, v) if k == "dtype" else v for k, v in kw.items()}
        ours, theirs = ag.empty(*args, **kw), torch.empty(*args, **tkw)
        assert ours.shape == tuple(theirs.shape) and ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
        assert not ours.any().item()  # tracegrad's "uninitialized" memory is zeros
    e = ag.empty(2, requires_grad=True, device="cpu")
    assert e.requires_grad and e.is_leaf
    src, tsrc = ag.ones(2, 3, dtype=ag.int32), torch.ones(2, 3, dtype=torch.int32)
    for name in ("empty_like", "zeros_like", "ones_like"):
        ours = getattr(ag, name)(src, device="cpu")
        theirs = getattr(torch, name)(tsrc, device="cpu")
        assert ours.shape == tuple(theirs.shape) and ours.dtype == np.int32
        ours = getattr(ag, name)(src, dtype=ag.float64, device=ag.device("cpu"), requires_grad=True)
        assert ours.dtype == np.float64 and ours.requires_grad
        if name != "empty_like":
            _same(getattr(ag, name)(src, dtype=ag.float64), getattr(torch, name)(tsrc, dtype=torch.float64))
        with pytest.raises(RuntimeError, match=f"{name}: tracegrad computes on the CPU only; got device 'cuda'"):
            getattr(ag, name)(src, device="cuda")
