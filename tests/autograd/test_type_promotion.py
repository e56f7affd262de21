"""Binary arithmetic promotes dtypes as PyTorch does (issue 15 §6), not as numpy: float32 with
an int64 tensor stays float32 — numpy's float64 silently doubled memory and time."""
import itertools

import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64", "int64", "int32", "bool"]
SHAPES = [((3,), (3,)), ((3,), ()), ((), (3,))]


def _torch_dtype(op, a, b):
    try:
        return str(getattr(torch, op)(torch.from_numpy(a), torch.from_numpy(b)).dtype).replace("torch.", "")
    except RuntimeError:  # e.g. bool - bool: PyTorch refuses; not compared
        return None


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow"])
def test_result_dtype_matches_torch(op):
    compared = 0
    for (da, db), (sa, sb) in itertools.product(itertools.product(DTYPES, DTYPES), SHAPES):
        a, b = np.full(sa, 2, da), np.full(sb, 3, db)
        want = _torch_dtype(op, a, b)
        if want is None or (op == "pow" and "bool" in (da, db)):
            continue
        got = getattr(ag, op)(ag.Tensor(a), ag.Tensor(b))
        assert got.dtype.name == want, (op, da, sa, db, sb)
        np.testing.assert_allclose(got.data, getattr(torch, op)(torch.from_numpy(a), torch.from_numpy(b)).numpy(),
                                   rtol=1e-6)
        compared += 1
    assert compared >= 45


@pytest.mark.parametrize("scalar", [2, 2.5, True])
def test_python_scalars_follow_torch(scalar):
    for da in DTYPES:
        for op in ("add", "mul", "div"):
            want = str(getattr(torch, op)(torch.ones(3, dtype=getattr(torch, da)), scalar).dtype).replace("torch.", "")
            assert getattr(ag, op)(ag.Tensor(np.ones(3, da)), scalar).dtype.name == want, (op, da, scalar)


def test_float32_with_int64_stays_float32_and_gradients_keep_dtypes():
    x = ag.Tensor(np.ones((2, 3), np.float32), requires_grad=True)
    i = ag.Tensor(np.arange(6).reshape(2, 3))
    y = x * i + i / 2
    assert y.dtype == np.float32  # numpy would say float64
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, np.arange(6).reshape(2, 3))
    w = ag.Tensor(np.ones(3, np.float64), requires_grad=True)
    z = x * w  # both dimensioned floats: the wider dtype, as PyTorch
    assert z.dtype == np.float64
    z.sum().backward()
    assert w.grad.dtype == np.float64 and x.grad.dtype == np.float32
    s = x * ag.Tensor(np.float64(2.0))  # a 0-d float64 does not widen a float32 tensor (PyTorch)
    assert s.dtype == np.float32
