"""Values at the edges follow PyTorch: empty softmax axes, x**0 at 0, NaN through relu/abs/max_pool
gradients, clip_grad_norm_ with a non-finite norm, Scalar pow/exp beyond real float results."""
import math

import numpy as np
import pytest

import nn
import nn.functional as F
from autograd import Tensor
from autograd.scalar import Scalar

from ..conftest import require_torch


def _same(ours, theirs):
    """Equal values (NaN where PyTorch has NaN, signs of infinities included), float64."""
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0, equal_nan=True)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape, axis", [((3, 0), -1), ((3, 0), 1), ((2, 0, 4), 1), ((0, 3), -1), ((0,), 0)])
def test_softmax_over_empty_axis(fn, shape, axis):
    torch = require_torch()
    x = Tensor(np.zeros(shape), requires_grad=True)
    tx = torch.zeros(shape, dtype=torch.float64, requires_grad=True)
    y = getattr(F, fn)(x, axis)
    ty = getattr(torch, fn)(tx, axis)
    _same(y.data, ty)
    y.backward(Tensor(np.ones(shape)))
    ty.backward(torch.ones(shape, dtype=torch.float64))
    _same(x.grad.data, tx.grad)
    # create_graph runs the Tensor-op form of the VJP
    x2 = Tensor(np.zeros(shape), requires_grad=True)
    getattr(F, fn)(x2, axis).backward(Tensor(np.ones(shape)), create_graph=True)
    assert x2.grad.shape == shape


BASES = np.array([0.0, -0.0, 1.5, -2.0, 0.0, -0.0, 2.0, -3.0, 0.0])


@pytest.mark.parametrize("exponent", [0, 0.0, 2, 0.5, -1.0])
def test_pow_constant_exponent_gradient(exponent):
    """d(x**0)/dx = 0 everywhere, x = 0 included (was NaN); other constant exponents as PyTorch."""
    torch = require_torch()
    x = Tensor(BASES.copy(), requires_grad=True)
    tx = torch.tensor(BASES.copy(), requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        (x ** exponent).sum().backward()
    (tx ** exponent).sum().backward()
    if exponent == 0:
        np.testing.assert_array_equal(x.grad.data, np.zeros_like(BASES))
    if exponent in (0.5, -1.0):  # PyTorch computes these as sqrt and reciprocal: compare off −0
        keep = np.signbit(BASES) == (BASES < 0)
        _same(x.grad.data[keep], tx.grad[torch.tensor(keep)])
    else:
        _same(x.grad.data, tx.grad)


def test_pow_tensor_exponent_gradients():
    """Both adjoints of A ** B at the edges: A = 0 (B ≥ 0 and B < 0), A < 0, B = 0, as PyTorch."""
    torch = require_torch()
    a = np.array([0.0, 0.0, 0.0, -2.0, -2.0, 2.0, 0.0, -8.0, 3.0])
    b = np.array([0.0, 2.0, -1.0, 0.0, 3.0, 0.0, 0.5, 1 / 3, 2.5])
    x, e = Tensor(a.copy(), requires_grad=True), Tensor(b.copy(), requires_grad=True)
    tx, te = torch.tensor(a.copy(), requires_grad=True), torch.tensor(b.copy(), requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = x ** e
        y.sum().backward()
    ty = tx ** te
    ty.sum().backward()
    _same(y.data, ty)
    _same(x.grad.data, tx.grad)
    _same(e.grad.data, te.grad)
    assert x.grad.data[0] == 0.0 and e.grad.data[3] != e.grad.data[3]  # 0 at 0⁰; NaN for log(−2)


VALUES = np.array([np.nan, 0.0, -0.0, 1.5, -1.5, np.inf, -np.inf])


@pytest.mark.parametrize("fn", ["relu", "abs"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_nan_through_relu_and_abs(fn, create_graph):
    """relu′(NaN) = 1 (was 0) and abs′(NaN) = 0 (was NaN), as PyTorch."""
    torch = require_torch()
    x = Tensor(VALUES.copy(), requires_grad=True)
    tx = torch.tensor(VALUES.copy(), requires_grad=True)
    y = getattr(x, fn)()
    y.backward(Tensor(np.arange(1.0, 8.0)), create_graph=create_graph)
    ty = getattr(torch, fn)(tx)
    ty.backward(torch.arange(1.0, 8.0, dtype=torch.float64))
    _same(y.data, ty)
    _same(x.grad.data, tx.grad)


def _nan_image(seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 2, 7, 6))
    x[0, 0, 1, 1] = x[0, 0, 2, 1] = x[0, 0, 1, 2] = np.nan  # NaNs sharing windows
    x[0, 1, 4, 5] = x[1, 0, 0, 0] = x[1, 1, 6, 3] = np.nan  # at edges
    return x


@pytest.mark.parametrize("kernel, stride, padding, dilation", [
    (2, 2, 0, 1), (3, 1, 0, 1), (3, 2, 1, 1), (2, 1, 1, 1), (3, 3, 0, 1), (2, 1, 0, 2)])
def test_max_pool2d_with_nan_in_a_window(kernel, stride, padding, dilation):
    """A window holding NaN pools to NaN, its arg-max (index and gradient) is its last NaN, as PyTorch."""
    torch = require_torch()
    data = _nan_image(0)
    x = Tensor(data.copy(), requires_grad=True)
    tx = torch.tensor(data.copy(), requires_grad=True)
    y, idx = F.max_pool2d(x, kernel, stride, padding, dilation, return_indices=True)
    ty, tidx = torch.nn.functional.max_pool2d(tx, kernel, stride, padding, dilation, return_indices=True)
    g = np.random.default_rng(1).standard_normal(ty.shape)
    y.backward(Tensor(g))
    ty.backward(torch.tensor(g))
    _same(y.data, ty)
    np.testing.assert_array_equal(np.asarray(getattr(idx, "data", idx)), tidx.numpy())
    _same(x.grad.data, tx.grad)
    x2 = Tensor(data.copy(), requires_grad=True)  # create_graph: the index-based VJP
    F.max_pool2d(x2, kernel, stride, padding, dilation).backward(Tensor(g), create_graph=True)
    _same(x2.grad.data, tx.grad)


GRADS = [[1.0, np.inf, 2.0], [1.0, np.nan, 2.0], [np.inf, -np.inf, 1.0], [3.0, 4.0, 0.0]]


@pytest.mark.parametrize("values", GRADS, ids=["inf", "nan", "inf-inf", "finite"])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf])
def test_clip_grad_norm_non_finite_as_torch(values, norm_type):
    """A NaN total makes every gradient NaN (was: left unchanged); an infinite one scales by 0."""
    torch = require_torch()
    ours = [Tensor(np.zeros(3), requires_grad=True), Tensor(np.zeros(2), requires_grad=True)]
    theirs = [torch.zeros(3, dtype=torch.float64, requires_grad=True),
              torch.zeros(2, dtype=torch.float64, requires_grad=True)]
    for p, tp, g in zip(ours, theirs, (values, [0.5, -1.0])):
        p.grad = Tensor(np.array(g))
        tp.grad = torch.tensor(g, dtype=torch.float64)
    total = nn.utils.clip_grad_norm_(ours, 1.0, norm_type=norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(theirs, 1.0, norm_type=norm_type)
    _same(total.data, ttotal)
    for p, tp in zip(ours, theirs):
        _same(p.grad.data, tp.grad)


@pytest.mark.parametrize("values", GRADS[:3], ids=["inf", "nan", "inf-inf"])
def test_clip_grad_norm_error_if_nonfinite(values):
    torch = require_torch()
    p = Tensor(np.zeros(3), requires_grad=True)
    p.grad = Tensor(np.array(values))
    tp = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    tp.grad = torch.tensor(values, dtype=torch.float64)
    with pytest.raises(RuntimeError, match="non-finite"):
        torch.nn.utils.clip_grad_norm_([tp], 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError, match=r"clip_grad_norm_: the total norm of order 2\.0 of the gradients is "
                                           r"non-finite; got (nan|inf), expected a finite number\. Hint: pass "
                                           r"error_if_nonfinite=False to clip anyway\."):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(p.grad.data, np.array(values))  # nothing scaled
    p.grad = Tensor(np.array([3.0, 4.0, 0.0]))
    assert float(nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True).data) == 5.0


POW_CASES = [(-8.0, 1 / 3), (-2.0, 2.5), (-1e200, 2.5), (-1e-200, -2.5), (0.0, -1.0), (-0.0, -1.0),
             (-0.0, -2.0), (0.0, 0.5), (0.0, -0.5), (1e200, 2.0), (-1e200, 3.0), (1e-200, -2.4), (0.0, 0.0),
             (-2.0, 0.0), (0.0, 2.0), (-2.0, 3.0), (2.0, 3.0), (np.nan, 0.0), (0.0, -np.inf)]


@pytest.mark.parametrize("a, b", POW_CASES, ids=[f"{a}**{b}" for a, b in POW_CASES])
def test_scalar_pow_is_float_math(a, b):
    """Never complex, never OverflowError/ZeroDivisionError: nan/±inf as PyTorch, gradients too."""
    torch = require_torch()
    x, y = Scalar(a), Scalar(b)
    z = x ** y
    z.backward()
    tx = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    tz = tx ** ty
    tz.backward()
    for ours, theirs in ((z.data, tz), (x.grad, tx.grad), (y.grad, ty.grad)):
        assert isinstance(ours, float)
        _same(np.array(ours), theirs)
    xc = Scalar(a)  # a constant exponent: the same value and ∂/∂a
    zc = xc ** b
    zc.backward()
    assert isinstance(zc.data, float) and isinstance(xc.grad, float)
    _same(np.array(zc.data), tz)
    _same(np.array(xc.grad), tx.grad)


@pytest.mark.parametrize("v", [1000.0, 709.9, -1000.0, math.inf, -math.inf])
def test_scalar_exp_overflows_to_inf(v):
    torch = require_torch()
    x = Scalar(v)
    z = x.exp()
    (z * 2.0).backward()
    tx = torch.tensor(v, dtype=torch.float64, requires_grad=True)
    tz = tx.exp()
    (tz * 2.0).backward()
    _same(np.array(z.data), tz)
    _same(np.array(x.grad), tx.grad)
