"""Reductions (var std max min prod logsumexp norm argmax argmin) and the network ops
(softmax log_softmax linear): exact subgradients, edge cases, PyTorch and numpy parity,
float32 preservation and second derivatives. The generic checks run from OPS in
test_ops_gradcheck.py / test_ops_torch.py; this file covers what those cannot."""
import numpy as np
import pytest

import autograd as ag

from ..conftest import require_torch

DTYPES = [np.float64, np.float32]
TOL = {np.float64: {"rtol": 1e-10, "atol": 1e-12}, np.float32: {"rtol": 2e-5, "atol": 2e-6}}


def _grad(fn, x, gradient=None, dtype=np.float64):
    """Value and gradient of fn at x (an ndarray) through the engine."""
    t = ag.Tensor(np.array(x, dtype=dtype), requires_grad=True)
    out = fn(t)
    out.backward(np.ones(out.shape, dtype=dtype) if gradient is None else gradient)
    return out, t.grad


def _torch_grad(torch, fn, x, gradient=None, dtype=np.float64):
    t = torch.tensor(np.array(x, dtype=dtype), requires_grad=True)
    out = fn(t)
    g = torch.ones_like(out) if gradient is None else torch.from_numpy(np.asarray(gradient, dtype=dtype))
    out.backward(g)
    return out.detach().numpy(), t.grad.numpy()


def _check_against_torch(torch, ours, theirs, x, gradient=None, dtype=np.float64, out_tol=None):
    """Value and gradient of `ours` equal torch's `theirs` at x (TOL, or `out_tol` for the
    value) and keep `dtype`; returns our value and gradient."""
    out, g = _grad(ours, x, gradient, dtype)
    tout, tg = _torch_grad(torch, theirs, x, gradient, dtype)
    assert out.dtype == dtype and g.dtype == dtype
    np.testing.assert_allclose(out.detach().numpy(), tout, **(TOL[dtype] if out_tol is None else out_tol))
    np.testing.assert_allclose(g.detach().numpy(), tg, **TOL[dtype])
    return out, g


# -- max / min: ties split the gradient equally ----------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_max_all_axes_tie_split_exact(dtype):
    out, g = _grad(lambda t: ag.max(t), [1.0, 3.0, 3.0, 2.0], dtype=dtype)
    assert out.item() == 3.0 and out.dtype == dtype and out.shape == ()
    assert g.dtype == dtype
    np.testing.assert_array_equal(g.detach().numpy(), np.array([0.0, 0.5, 0.5, 0.0], dtype=dtype))


def test_max_three_way_tie_and_axis():
    x = [[4.0, 4.0, 4.0], [1.0, 7.0, 7.0], [0.0, -1.0, 5.0]]
    out, g = _grad(lambda t: t.max(1), x, gradient=np.array([3.0, 2.0, 1.0]))
    np.testing.assert_array_equal(out.detach().numpy(), [4.0, 7.0, 5.0])
    np.testing.assert_array_equal(g.detach().numpy(), [[1.0, 1.0, 1.0], [0.0, 1.0, 1.0], [0.0, 0.0, 1.0]])
    out, g = _grad(lambda t: ag.max(t, dim=0, keepdim=True), x)
    assert out.shape == (1, 3)
    np.testing.assert_array_equal(g.detach().numpy(), [[1.0, 0.0, 0.0], [0.0, 1.0, 1.0], [0.0, 0.0, 0.0]])


def test_min_ties_over_all_and_tuple_axis():
    x = np.array([[[2.0, -1.0], [-1.0, 0.0]], [[-1.0, -1.0], [3.0, 5.0]]])
    out, g = _grad(lambda t: t.min(), x)
    assert out.item() == -1.0
    expected = np.where(x == -1.0, 0.25, 0.0)
    np.testing.assert_array_equal(g.detach().numpy(), expected)
    out, g = _grad(lambda t: ag.min(t, axis=(1, 2)), x, gradient=np.array([2.0, 6.0]))
    np.testing.assert_array_equal(out.detach().numpy(), [-1.0, -1.0])
    np.testing.assert_array_equal(g.detach().numpy(), [[[0.0, 1.0], [1.0, 0.0]], [[3.0, 3.0], [0.0, 0.0]]])


@pytest.mark.parametrize("dtype", DTYPES)
def test_max_min_ties_match_torch_amax(dtype):
    torch = require_torch()
    x = np.array([[1.0, 5.0, 5.0, 2.0], [3.0, 3.0, 3.0, 3.0], [0.0, 1.0, 2.0, 2.0]])
    v = np.array([1.5, -2.0, 4.0])
    for ours, theirs in [(lambda t: ag.max(t, 1), lambda t: torch.amax(t, 1)),
                         (lambda t: ag.min(t, 1), lambda t: torch.amin(t, 1))]:
        out, g = _grad(ours, x, v.astype(dtype), dtype)
        tout, tg = _torch_grad(torch, theirs, x, v, dtype)
        np.testing.assert_array_equal(out.detach().numpy(), tout)
        np.testing.assert_allclose(g.detach().numpy(), tg, **TOL[dtype])


def test_max_on_integers_and_scalar_input():
    out = ag.max(ag.Tensor([[3, 9], [4, 1]]), axis=0)
    assert out.dtype == np.int64 and out.tolist() == [4, 9]
    out, g = _grad(lambda t: t.max(axis=0), 2.5)
    assert out.item() == 2.5 and g.item() == 1.0


# -- prod with zeros -------------------------------------------------------------------------
PROD_CASES = [
    ([2.0, -3.0, 0.5, 4.0], None),                       # no zero
    ([2.0, 0.0, 0.5, 4.0], None),                        # one zero
    ([2.0, 0.0, 0.5, 0.0], None),                        # two zeros
    ([0.0, 0.0, 0.0], None),                             # only zeros
    ([[1.5, 0.0, 2.0], [0.0, 0.0, 3.0], [1.0, 2.0, -1.0]], 1),
    ([[1.5, 0.0, 2.0], [0.0, 0.0, 3.0], [1.0, 2.0, -1.0]], 0),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x, axis", PROD_CASES)
def test_prod_with_zeros_matches_torch(x, axis, dtype):
    torch = require_torch()
    x = np.array(x)
    rng = np.random.default_rng(7)
    shape = np.prod(x, axis=axis).shape
    v = rng.standard_normal(shape).astype(dtype)
    _check_against_torch(torch, lambda t: ag.prod(t, axis=axis),
                         (lambda t: torch.prod(t)) if axis is None else (lambda t: torch.prod(t, axis)), x, v, dtype)


def test_prod_zero_gradients_exact_values():
    _, g = _grad(ag.prod, [2.0, 0.0, 0.5, 4.0])
    np.testing.assert_array_equal(g.detach().numpy(), [0.0, 4.0, 0.0, 0.0])  # only the zero gets Π of the others
    _, g = _grad(ag.prod, [2.0, 0.0, 0.5, 0.0])
    np.testing.assert_array_equal(g.detach().numpy(), [0.0, 0.0, 0.0, 0.0])


@pytest.mark.parametrize("x", [[2.0, -3.0, 0.5, 4.0], [2.0, 0.0, 0.5, 4.0], [2.0, 0.0, 0.5, 0.0],
                               [0.0, 0.0, 0.0, 1.5]])
def test_prod_second_derivatives_with_zeros(x):
    # prod is multilinear, so central differences of the gradient are exact
    t = ag.Tensor(np.array(x), requires_grad=True)
    assert ag.gradgradcheck(lambda a: ag.prod(a), [t], atol=1e-8, rtol=1e-6)
    torch = require_torch()
    hess = torch.autograd.functional.hessian(lambda a: torch.prod(a), torch.tensor(x))
    (g,) = ag.grad([ag.prod(t)], [t], create_graph=True)
    ours = np.stack([ag.grad([g[i]], [t], retain_graph=True)[0].data for i in range(len(x))])
    np.testing.assert_allclose(ours, hess.numpy(), rtol=1e-12, atol=1e-12)


# -- logsumexp / softmax / log_softmax at ±1000 ----------------------------------------------
HUGE = [np.array([1000.0, 1000.0, -1000.0]),
        np.array([[1000.0, 0.0, -5.0], [-1000.0, -1000.0, -999.0], [1e4, -1e4, 0.5]])]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x", HUGE, ids=["vector", "matrix"])
def test_logsumexp_softmax_huge_inputs_finite_and_match_torch(x, dtype):
    torch = require_torch()
    rng = np.random.default_rng(0)
    pairs = [(lambda t: ag.logsumexp(t, axis=-1), lambda t: torch.logsumexp(t, dim=-1)),
             (lambda t: ag.logsumexp(t), lambda t: torch.logsumexp(t, dim=tuple(range(t.ndim)))),
             (lambda t: ag.softmax(t), lambda t: torch.softmax(t, dim=-1)),
             (lambda t: ag.softmax(t, axis=0), lambda t: torch.softmax(t, dim=0)),
             (lambda t: ag.log_softmax(t), lambda t: torch.log_softmax(t, dim=-1)),
             (lambda t: ag.log_softmax(t, dim=0), lambda t: torch.log_softmax(t, dim=0))]
    for ours, theirs in pairs:
        out = ours(ag.Tensor(x.astype(dtype)))
        v = rng.standard_normal(out.shape).astype(dtype)
        out, g = _check_against_torch(torch, ours, theirs, x, v, dtype,
                                      out_tol={"rtol": 1e-6 if dtype == np.float32 else 1e-12, "atol": 1e-6})
        assert np.all(np.isfinite(out.detach().numpy())) and np.all(np.isfinite(g.detach().numpy()))


def test_logsumexp_exact_values_and_infinities():
    out = ag.logsumexp(ag.Tensor(np.array([1000.0, 1000.0])))
    assert out.item() == pytest.approx(1000.0 + np.log(2.0), rel=1e-15)
    out = ag.logsumexp(ag.Tensor(np.array([[-np.inf, -np.inf], [0.0, -np.inf]])), axis=1)
    assert out.detach().numpy()[0] == -np.inf and out.detach().numpy()[1] == 0.0
    out = ag.logsumexp(ag.Tensor(np.zeros((0, 3))), axis=0)
    np.testing.assert_array_equal(out.detach().numpy(), [-np.inf] * 3)
    out = ag.Tensor(np.array([[1.0, 2.0], [3.0, 4.0]])).logsumexp(dim=0, keepdim=True)
    assert out.shape == (1, 2)


def test_softmax_rows_sum_to_one_and_gradient_rule():
    x = np.array([[0.3, -1.2, 2.0], [5.0, 5.0, 5.0]])
    v = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, 1.0]])
    out, g = _grad(lambda t: t.softmax(-1), x, v)
    p = out.detach().numpy()
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(p[1], [1 / 3] * 3, rtol=1e-15)
    np.testing.assert_allclose(g.detach().numpy(), p * (v - np.sum(v * p, axis=-1, keepdims=True)), rtol=1e-14)
    out, g = _grad(lambda t: t.log_softmax(axis=-1), x, v)
    np.testing.assert_allclose(g.detach().numpy(), v - p * v.sum(axis=-1, keepdims=True), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("fn", [lambda t: ag.softmax(t, axis=1), lambda t: ag.log_softmax(t, axis=0),
                                lambda t: ag.logsumexp(t, axis=1), lambda t: ag.var(t, axis=0),
                                lambda t: ag.std(t, axis=1, correction=0), lambda t: ag.norm(t, 3, axis=1),
                                lambda t: ag.norm(t), lambda t: ag.max(t, 1)],
                         ids=["softmax", "log_softmax", "logsumexp", "var", "std", "norm3", "fro", "max"])
def test_second_derivatives(fn):
    x = ag.Tensor(np.random.default_rng(5).standard_normal((3, 4)), requires_grad=True)
    assert ag.gradgradcheck(fn, [x], atol=1e-5, rtol=1e-4)


# -- var / std corrections -------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("correction", [0, 1, 2])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_var_std_corrections_match_torch(correction, axis, dtype):
    torch = require_torch()
    rng = np.random.default_rng(correction)
    x = rng.standard_normal((4, 5)) * 3 + 1
    for name in ("var", "std"):
        kw = {} if axis is None else {"dim": axis}
        out = getattr(ag, name)(ag.Tensor(x.astype(dtype)), axis, correction=correction)
        v = rng.standard_normal(out.shape).astype(dtype)
        _check_against_torch(torch, lambda t, name=name: getattr(t, name)(axis, correction=correction),
                             lambda t, name=name, kw=kw: getattr(torch, name)(t, correction=correction, **kw),
                             x, v, dtype)


def test_var_std_spellings_and_keepdims():
    x = ag.Tensor(np.arange(12.0).reshape(3, 4))
    np.testing.assert_allclose(ag.var(x, 1, correction=0).data, np.var(x.detach().numpy(), axis=1))
    np.testing.assert_allclose(x.var(dim=1, unbiased=False).data, np.var(x.detach().numpy(), axis=1))
    np.testing.assert_allclose(x.std(axis=0, ddof=2, keepdims=True).data,
                               np.std(x.detach().numpy(), axis=0, ddof=2, keepdims=True))
    assert ag.std(x, 0, keepdim=True).shape == (1, 4)
    assert x.var().item() == pytest.approx(np.var(x.detach().numpy(), ddof=1), rel=1e-15)


def test_var_std_degenerate_counts_like_torch():
    torch = require_torch()
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cases = [(np.array([1.0]), 1), (np.array([1.0, 2.0]), 2), (np.array([1.0, 2.0]), 3),
                 (np.array([[1.0, 2.0, 5.0]]), 5), (np.array([4.0, 4.0]), 2)]
        for x, c in cases:
            for name in ("var", "std"):
                ours = getattr(ag, name)(ag.Tensor(x), correction=c).data
                theirs = getattr(torch, name)(torch.tensor(x), correction=c).numpy()
                np.testing.assert_array_equal(ours, theirs)
                ours = getattr(ag, name)(ag.Tensor(np.atleast_2d(x)), axis=1, correction=c).data
                theirs = getattr(torch, name)(torch.tensor(np.atleast_2d(x)), dim=1, correction=c).numpy()
                np.testing.assert_array_equal(ours, theirs)


def test_std_gradient_is_zero_where_std_is_zero():
    # (x − mean) / std would be 0/0 on the constant row; PyTorch's subgradient there is 0
    torch = require_torch()
    x = [[0.5, 0.5, 0.5], [1.0, 2.0, 4.0]]
    _, g = _grad(lambda t: ag.std(t, axis=1), x)
    _, tg = _torch_grad(torch, lambda t: torch.std(t, dim=1), x)
    np.testing.assert_array_equal(g.detach().numpy()[0], [0.0, 0.0, 0.0])
    np.testing.assert_allclose(g.detach().numpy(), tg, rtol=1e-14)


# -- norm ------------------------------------------------------------------------------------
VECTOR_ORDS = [2, 1, np.inf, -np.inf, 3, 0.5, -1, 0, 1.5]


@pytest.mark.parametrize("ord", VECTOR_ORDS)
def test_vector_norm_orders_match_numpy_and_torch(ord):
    torch = require_torch()
    rng = np.random.default_rng(11)
    x = rng.standard_normal((3, 5))
    for axis in (None, 0, 1, -1):
        a = x[0] if axis is None else x
        ours = ag.norm(ag.Tensor(a), ord, axis)
        np.testing.assert_allclose(ours.detach().numpy(), np.linalg.norm(a, ord, axis), rtol=1e-12)
        v = rng.standard_normal(ours.shape)
        out, g = _grad(lambda t, axis=axis: ag.norm(t, ord, axis), a, v)
        if ord == 0:  # a count of non-zeros: piecewise constant (torch returns no gradient)
            np.testing.assert_array_equal(g.detach().numpy(), np.zeros_like(a))
            continue
        _, tg = _torch_grad(torch, lambda t, axis=axis: torch.linalg.vector_norm(t, ord, dim=axis), a, v)
        np.testing.assert_allclose(g.detach().numpy(), tg, rtol=1e-10, atol=1e-12)
    x32 = ag.Tensor(x.astype(np.float32), requires_grad=True)
    out = x32.norm(ord, 1)
    out.sum().backward()
    assert out.dtype == np.float32 and x32.grad.dtype == np.float32


@pytest.mark.parametrize("dtype", DTYPES)
def test_frobenius_default_matches_numpy_and_torch(dtype):
    torch = require_torch()
    x = np.random.default_rng(3).standard_normal((4, 3))
    np.testing.assert_allclose(ag.norm(ag.Tensor(x)).data, np.linalg.norm(x), rtol=1e-14)
    np.testing.assert_allclose(ag.norm(ag.Tensor(x), "fro").data, np.linalg.norm(x, "fro"), rtol=1e-14)
    _check_against_torch(torch, lambda t: t.norm(), lambda t: torch.linalg.matrix_norm(t, "fro"), x, dtype=dtype)
    out = ag.norm(ag.Tensor(x), keepdims=True)
    assert out.shape == (1, 1)
    x3 = np.random.default_rng(4).standard_normal((2, 3, 4))
    np.testing.assert_allclose(ag.norm(ag.Tensor(x3), axis=(1, 2)).data, np.linalg.norm(x3, axis=(1, 2)),
                               rtol=1e-14)


@pytest.mark.parametrize("ord", [1, -1, np.inf, -np.inf])
def test_matrix_orders_match_numpy_and_torch(ord):
    torch = require_torch()
    x = np.random.default_rng(6).standard_normal((3, 4))
    np.testing.assert_allclose(ag.norm(ag.Tensor(x), ord).data, np.linalg.norm(x, ord), rtol=1e-14)
    _, g = _grad(lambda t: ag.norm(t, ord), x)
    _, tg = _torch_grad(torch, lambda t: torch.linalg.matrix_norm(t, ord), x)
    np.testing.assert_allclose(g.detach().numpy(), tg, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("ord", [2, 1, np.inf, 3, 0.5, -1, 1.5])
def test_norm_gradient_at_zero_is_zero(ord):
    torch = require_torch()
    for x in (np.zeros(4), np.zeros((2, 3))):
        axis = None if x.ndim == 1 else 1
        _, g = _grad(lambda t, axis=axis: ag.norm(t, ord, axis), x)
        _, tg = _torch_grad(torch, lambda t, axis=axis: torch.linalg.vector_norm(t, ord, dim=axis), x)
        np.testing.assert_array_equal(g.detach().numpy(), np.zeros_like(x))
        np.testing.assert_array_equal(g.detach().numpy(), tg)
    _, g = _grad(lambda t: ag.norm(t, 0.5), [0.0, -3.0, 1.0])  # partly zero, p < 1
    _, tg = _torch_grad(torch, lambda t: torch.linalg.vector_norm(t, 0.5), [0.0, -3.0, 1.0])
    np.testing.assert_allclose(g.detach().numpy(), tg, rtol=1e-12)


def test_norm_inf_ties_split_equally():
    _, g = _grad(lambda t: ag.norm(t, np.inf), [3.0, -3.0, 1.0, 3.0])
    np.testing.assert_allclose(g.detach().numpy(), [1 / 3, -1 / 3, 0.0, 1 / 3], rtol=1e-15)


# -- linear ----------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x_shape", [(3,), (5, 3), (2, 4, 3), (2, 1, 2, 3)])
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear_matches_torch(x_shape, with_bias, dtype):
    torch = require_torch()
    rng = np.random.default_rng(len(x_shape))
    x, w = rng.standard_normal(x_shape).astype(dtype), rng.standard_normal((4, 3)).astype(dtype)
    b = rng.standard_normal(4).astype(dtype) if with_bias else None
    xs = [ag.Tensor(a, requires_grad=True) for a in (x, w) + ((b,) if with_bias else ())]
    out = ag.linear(*xs)
    assert out.shape == x_shape[:-1] + (4,) and out.dtype == dtype
    v = rng.standard_normal(out.shape).astype(dtype)
    out.backward(v)
    ts = [torch.tensor(a, requires_grad=True) for a in (x, w) + ((b,) if with_bias else ())]
    tout = torch.nn.functional.linear(*ts)
    tout.backward(torch.from_numpy(v))
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), **TOL[dtype])
    for ours, theirs in zip(xs, ts):
        assert ours.grad.dtype == dtype and ours.grad.shape == ours.shape
        np.testing.assert_allclose(ours.grad.detach().numpy(), theirs.grad.numpy(), **TOL[dtype])


def test_linear_second_derivatives_and_frozen_inputs():
    rng = np.random.default_rng(2)
    x = ag.Tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
    w = ag.Tensor(rng.standard_normal((5, 4)), requires_grad=True)
    b = ag.Tensor(rng.standard_normal(5), requires_grad=True)
    assert ag.gradgradcheck(lambda x, w, b: ag.linear(x, w, b) * ag.linear(x, w, b), [x, w, b])
    frozen = ag.Tensor(rng.standard_normal((5, 4)))  # no grad for the weight: only x gets one
    xx = ag.Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    ag.linear(xx, frozen).sum().backward()
    np.testing.assert_allclose(xx.grad.detach().numpy(), np.ones((3, 5)) @ frozen.detach().numpy(), rtol=1e-14)


def test_linear_error_messages():
    with pytest.raises(ValueError) as err:
        ag.linear(ag.zeros(32, 10), ag.zeros(5, 12))
    assert str(err.value) == "linear: x.shape[-1] must equal weight.shape[1]; got x (32, 10), weight (5, 12)."
    with pytest.raises(TypeError, match=r"linear: x, weight and bias must share one floating dtype; "
                                        r"got float32, float64, float32"):
        ag.linear(ag.zeros(2, 3), ag.Tensor(np.zeros((4, 3))), ag.zeros(4))
    with pytest.raises(ValueError, match=r"linear: bias must have shape \(out,\); got bias \(1, 4\)"):
        ag.linear(ag.zeros(2, 3), ag.zeros(4, 3), ag.zeros(1, 4))


# -- argmax / argmin -------------------------------------------------------------------------
def test_argmax_argmin_int64_no_graph():
    x = ag.Tensor(np.array([[1.0, 9.0, 9.0], [7.0, -2.0, 7.0]]), requires_grad=True)
    for out in (ag.argmax(x), x.argmax(1), ag.argmin(x, dim=0), x.argmin(axis=-1, keepdims=True)):
        assert out.dtype == np.int64 and not out.requires_grad and out.grad_fn is None
    assert ag.argmax(x).item() == 1  # flattened index, first among ties
    assert x.argmax(1).tolist() == [1, 0]
    assert x.argmin(0).tolist() == [0, 1, 1]
    assert x.argmin(axis=-1, keepdims=True).tolist() == [[0], [1]]
    assert ag.argmax(x, dim=1, keepdim=True).shape == (2, 1)
    assert ag.argmax(ag.Tensor(np.array(3.0))).item() == 0


def test_argmax_matches_torch():
    torch = require_torch()
    x = np.random.default_rng(8).standard_normal((3, 4, 5))
    for axis in (None, 0, 1, 2, -1):
        np.testing.assert_array_equal(ag.argmax(ag.Tensor(x), axis).data, torch.argmax(torch.tensor(x), axis).numpy())
        np.testing.assert_array_equal(ag.argmin(ag.Tensor(x), axis).data, torch.argmin(torch.tensor(x), axis).numpy())


def test_argmax_errors():
    with pytest.raises(ValueError, match=r"argmax: axis 2 is out of range for a tensor with 2 dims"):
        ag.argmax(ag.zeros(2, 3), 2)
    with pytest.raises(TypeError, match=r"argmin: axis must be an int or None; got tuple"):
        ag.argmin(ag.zeros(2, 3), (0, 1))
    with pytest.raises(ValueError, match=r"argmax: cannot reduce over an empty axis"):
        ag.argmax(ag.zeros(0, 3), 0)


# -- spellings -------------------------------------------------------------------------------
def test_methods_and_aliases_exist():
    x = ag.Tensor(np.arange(6.0).reshape(2, 3))
    assert x.max(1).tolist() == [2.0, 5.0] and x.min(dim=0).tolist() == [0.0, 1.0, 2.0]
    assert x.prod(1, keepdims=True).tolist() == [[0.0], [60.0]]
    assert x.max(axis=1, keepdim=True).shape == (2, 1)
    assert ag.softmax(x, dim=0).shape == (2, 3) and x.logsumexp(1).shape == (2,)
    assert x.norm(1, 1).tolist() == [3.0, 12.0]
    assert x.norm(p=1, dim=1).tolist() == [3.0, 12.0]
    with pytest.raises(ValueError, match=r"max: axis contains a repeated axis"):
        x.max((1, 1))
    with pytest.raises(TypeError, match=r"softmax: got both axis=0 and dim=1"):
        ag.softmax(x, 0, dim=1)


def _weight(t):
    return ag.Tensor((np.arange(8.0).reshape(2, 4) / 7.0).astype(t.dtype))


SLOW_FAST = [lambda t: ag.softmax(t, axis=0), lambda t: ag.log_softmax(t), lambda t: ag.logsumexp(t, axis=(0, 2)),
             lambda t: ag.var(t, axis=1, keepdims=True), lambda t: ag.std(t, correction=0),
             lambda t: ag.max(t, axis=-1), lambda t: ag.min(t), lambda t: ag.sum(t, axis=1),
             lambda t: ag.mean(t, axis=(0, 1)), lambda t: ag.prod(t, axis=2), lambda t: ag.norm(t, 3, axis=1),
             lambda t: ag.linear(t, _weight(t), ag.Tensor(np.ones(2, dtype=t.dtype))),
             lambda t: ag.linear(t.reshape(-1, 4), _weight(t))]


@pytest.mark.parametrize("fn", SLOW_FAST, ids=[f"fn{i}" for i in range(len(SLOW_FAST))])
@pytest.mark.parametrize("dtype", DTYPES)
def test_plain_and_create_graph_backward_agree(fn, dtype):
    """The numpy path (plain backward) and the Tensor-op path (create_graph) give the same gradient."""
    rng = np.random.default_rng(9)
    x = np.round(rng.standard_normal((2, 3, 4)), 1)
    x[0, 0, :2] = x[0, 0, 3]  # a tie for max/min
    t = ag.Tensor(x.astype(dtype), requires_grad=True)
    out = fn(t)
    v = rng.standard_normal(out.shape).astype(dtype)
    (plain,) = ag.grad([out], [t], [v], retain_graph=True)
    (graph,) = ag.grad([out], [t], [v], create_graph=True)
    assert plain.dtype == dtype and graph.dtype == dtype
    np.testing.assert_allclose(plain.detach().numpy(), graph.detach().numpy(), **TOL[dtype])


def test_max_min_with_a_tensor_are_elementwise_like_torch():
    a, b = ag.Tensor([1.0, 5.0, 3.0]), ag.Tensor([2.0, 4.0, 3.0])
    assert a.max(b).tolist() == [2.0, 5.0, 3.0]
    assert ag.min(a, b).tolist() == [1.0, 4.0, 3.0]


# -- each VJP written once (issue 11): one body for ndarrays and Tensors ------------------------
def _functions(module):
    from autograd.function import Function
    return [v for v in vars(module).values()
            if isinstance(v, type) and issubclass(v, Function) and v.__module__ == module.__name__]


def test_reduce_and_network_vjps_are_written_once():
    """Every VJP of ops/reduce.py, statistics.py, norm.py and network.py is generic (the engine hands it ndarrays in
    a plain backward) and never asks which mode it runs in."""
    import inspect
    import re

    from autograd.ops import network, norm, reduce, statistics
    classes = _functions(reduce) + _functions(statistics) + _functions(norm) + _functions(network)
    assert {c.name for c in classes} >= {"sum", "mean", "var", "std", "max", "min", "prod", "logsumexp",
                                         "norm", "softmax", "log_softmax", "linear"}
    for cls in classes:
        src = inspect.getsource(cls.vjp)
        for word in (r"\b_grad\b", r"grad_mode", r"is_grad_enabled", r"saved_tensors", r"\.data\b"):
            assert not re.search(word, src), (cls.name, word)


def _spy_vjps(monkeypatch):
    """Wrap every VJP of ops/reduce.py, statistics.py, norm.py and network.py; returns the list of (op, kind of
    Ḡ, kinds of the returned adjoints) they append to."""
    from autograd.ops import network, norm, reduce, statistics
    seen = []
    for cls in _functions(reduce) + _functions(statistics) + _functions(norm) + _functions(network):
        def spy(ctx, grad_out, _orig=cls.vjp, _name=cls.name):
            out = _orig(ctx, grad_out)
            seen.append((_name, type(grad_out), {type(g) for g in out if g is not None}))
            return out
        monkeypatch.setattr(cls, "vjp", staticmethod(spy))
    return seen


@pytest.mark.parametrize("fn", SLOW_FAST, ids=[f"fn{i}" for i in range(len(SLOW_FAST))])
def test_vjp_takes_and_returns_ndarrays_in_a_plain_backward_and_tensors_when_recorded(fn, monkeypatch):
    seen = _spy_vjps(monkeypatch)
    x = np.random.default_rng(4).standard_normal((2, 3, 4))
    t = ag.Tensor(x, requires_grad=True)
    fn(t).sum().backward()
    assert seen and all(kind is np.ndarray and outs <= {np.ndarray, np.float64} for _, kind, outs in seen), seen
    seen.clear()
    out = fn(t)
    ag.grad([out], [t], [np.ones(out.shape)], create_graph=True)
    assert seen and all(kind is ag.Tensor and outs == {ag.Tensor} for _, kind, outs in seen), seen


def _hessian(f, x):
    """Hessian of the scalar f at x (an ndarray) through create_graph, one row per entry."""
    t = ag.Tensor(x, requires_grad=True)
    (g,) = ag.grad([f(t)], [t], create_graph=True)
    flat = g.reshape(-1)
    rows = []
    for i in range(x.size):
        (h,) = ag.grad([flat[i]], [t], retain_graph=True, allow_unused=True)
        rows.append(np.zeros(x.size) if h is None else h.detach().numpy().reshape(-1))
    return np.stack(rows)


_V = np.random.default_rng(8).standard_normal((3, 4))
_HESSIAN_CASES = {  # name: (ours, PyTorch's), both scalar functions of a (3, 4) input
    "softmax": (lambda t: (ag.softmax(t, axis=1) * _V).sum(),
                lambda T, t: (T.softmax(t, 1) * T.tensor(_V)).sum()),
    "log_softmax": (lambda t: (ag.log_softmax(t, axis=0) * _V).sum(),
                    lambda T, t: (T.log_softmax(t, 0) * T.tensor(_V)).sum()),
    "linear": (lambda t: (ag.linear(t[:, :3], t[:, 1:], t[0, :3]) * _V[:, :3]).sum(),
               lambda T, t: (T.nn.functional.linear(t[:, :3], t[:, 1:], t[0, :3]) * T.tensor(_V[:, :3])).sum()),
    "logsumexp": (lambda t: (ag.logsumexp(t, axis=1) * _V[:, 0]).sum(),
                  lambda T, t: (T.logsumexp(t, 1) * T.tensor(_V[:, 0])).sum()),
    "var": (lambda t: (ag.var(t, axis=0) * _V[0]).sum(), lambda T, t: (T.var(t, 0) * T.tensor(_V[0])).sum()),
    "std_zero_row": (lambda t: (ag.std(t, axis=1) * _V[:, 0]).sum(),
                     lambda T, t: (T.std(t, 1) * T.tensor(_V[:, 0])).sum()),
    "norm3": (lambda t: (ag.norm(t, 3, axis=1) * _V[:, 0]).sum(),
              lambda T, t: (T.linalg.vector_norm(t, 3, dim=1) * T.tensor(_V[:, 0])).sum()),
    "mean_sq": (lambda t: (ag.mean(t * t, axis=1) * _V[:, 0]).sum(),
                lambda T, t: (T.mean(t * t, 1) * T.tensor(_V[:, 0])).sum()),
}


@pytest.mark.parametrize("name", list(_HESSIAN_CASES))
def test_second_derivatives_of_the_one_body_match_torch(name):
    """Differentiating each single VJP body gives PyTorch's Hessian (std: also on a constant
    row, where the subgradient 0 must stay finite one order up)."""
    torch = require_torch()
    x = np.random.default_rng(6).standard_normal((3, 4))
    x[1] = 0.25  # a constant row: std = 0 there
    ours, theirs = _HESSIAN_CASES[name]
    expected = torch.autograd.functional.hessian(lambda t: theirs(torch, t), torch.tensor(x)).numpy()
    np.testing.assert_allclose(_hessian(ours, x), expected.reshape(x.size, x.size), rtol=1e-10, atol=1e-10)
