"""Elementwise ops beyond the OPS-table checks: exact kink and tie values, dtypes, extremes
without warnings, gelu/erf accuracy, double backward, `where` broadcasting, Tensor methods."""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import autograd as ag

from ..conftest import require_torch
from .op_db import make_array
from .op_harness import check_against_torch

# (name, callable on a Tensor) for every unary floating op of the family, with options.
UNARY = [
    ("exp", ag.exp), ("log", lambda x: ag.log(ag.abs(x) + 0.5)), ("log1p", lambda x: ag.log1p(ag.abs(x))),
    ("sqrt", lambda x: ag.sqrt(ag.abs(x) + 0.5)), ("abs", ag.abs), ("sign", ag.sign), ("sin", ag.sin),
    ("cos", ag.cos), ("tanh", ag.tanh), ("sigmoid", ag.sigmoid), ("relu", ag.relu),
    ("leaky_relu", lambda x: ag.leaky_relu(x, 0.2)), ("elu", lambda x: ag.elu(x, 0.7)),
    ("gelu", ag.gelu), ("gelu_tanh", lambda x: ag.gelu(x, approximate="tanh")), ("erf", ag.erf),
    ("softplus", lambda x: ag.softplus(x, beta=2.0, threshold=3.0)), ("clip", lambda x: ag.clip(x, -0.5, 0.5)),
    ("maximum", lambda x: ag.maximum(x, 0.25)), ("minimum", lambda x: ag.minimum(-0.25, x)),
]


def _grad(fn, values, dtype=np.float64, gradient=None):
    x = ag.Tensor(np.array(values, dtype=dtype), requires_grad=True)
    y = fn(x)
    y.backward(np.ones(y.shape, dtype) if gradient is None else gradient)
    return y, x.grad


# -- kinks and ties: exact values -------------------------------------------------------------
def test_relu_and_abs_have_zero_slope_at_zero():
    _, g = _grad(ag.relu, [-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(g.detach().numpy(), [0.0, 0.0, 1.0])
    _, g = _grad(ag.abs, [-2.0, 0.0, -0.0, 3.0])
    np.testing.assert_array_equal(g.detach().numpy(), [-1.0, 0.0, 0.0, 1.0])


def test_leaky_relu_and_elu_slopes_at_zero_match_torch():
    torch = require_torch()
    x = [-2.0, 0.0, 1.5]
    _, g = _grad(lambda t: ag.leaky_relu(t, 0.1), x)
    np.testing.assert_array_equal(g.detach().numpy(), [0.1, 0.1, 1.0])
    _, g = _grad(ag.leaky_relu, x)
    np.testing.assert_array_equal(g.detach().numpy(), [0.01, 0.01, 1.0])
    _, g = _grad(lambda t: ag.elu(t, alpha=2.0), x)
    np.testing.assert_allclose(g.detach().numpy(), [2.0 * math.exp(-2.0), 2.0, 1.0], rtol=1e-15)
    for ours, theirs in [(lambda t: ag.leaky_relu(t, 0.1), lambda t: torch.nn.functional.leaky_relu(t, 0.1)),
                         (lambda t: ag.elu(t, 2.0), lambda t: torch.nn.functional.elu(t, 2.0))]:
        _, g = _grad(ours, x)
        tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        theirs(tx).sum().backward()
        np.testing.assert_array_equal(g.detach().numpy(), tx.grad.numpy())


@pytest.mark.parametrize("slope", [0.0, 0.5, 1.0, 2.0, -1.5])
def test_leaky_relu_any_slope_matches_torch(slope, torch):
    x = [-2.0, -0.5, 0.0, 0.5, 3.0]
    v = np.array([1.0, -2.0, 3.0, 0.5, 2.0])
    y, g = _grad(lambda t: ag.leaky_relu(t, slope), x, gradient=v)
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    ty = torch.nn.functional.leaky_relu(tx, slope)
    ty.backward(torch.from_numpy(v))
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(g.detach().numpy(), tx.grad.numpy())


def test_sign_has_zero_gradient_everywhere():
    y, g = _grad(ag.sign, [-3.0, 0.0, 2.0], gradient=np.array([np.inf, 1.0, 5.0]))
    np.testing.assert_array_equal(y.detach().numpy(), [-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(g.detach().numpy(), [0.0, 0.0, 0.0])


def test_clip_gradient_is_inclusive_at_both_bounds():
    y, g = _grad(lambda t: ag.clip(t, -0.5, 0.5), [-1.0, -0.5, 0.0, 0.5, 1.0])
    np.testing.assert_array_equal(y.detach().numpy(), [-0.5, -0.5, 0.0, 0.5, 0.5])
    np.testing.assert_array_equal(g.detach().numpy(), [0.0, 1.0, 1.0, 1.0, 0.0])
    _, g = _grad(lambda t: t.clamp(min=0.0), [-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(g.detach().numpy(), [0.0, 1.0, 1.0])
    _, g = _grad(lambda t: t.clip(max=0.0), [-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(g.detach().numpy(), [1.0, 1.0, 0.0])


def test_clip_with_tensor_bounds_matches_torch_incl_ties_and_crossed_bounds():
    torch = require_torch()
    x = np.array([-1.0, 0.5, 2.0, 0.3, 0.7, 5.0])
    lo = np.array([0.0, 0.5, 3.0, 0.3, 0.0, 1.0])   # ties at x == lo; lo > hi in entries 2 and 5
    hi = np.array([1.0, 0.9, 1.0, 0.6, 0.7, 0.5])
    v = np.arange(1.0, 7.0)
    for kwargs in [{"min": True, "max": True}, {"min": True}, {"max": True}]:
        xs = [ag.Tensor(a.copy(), requires_grad=True) for a in (x, lo, hi)]
        ts = [torch.tensor(a, requires_grad=True) for a in (x, lo, hi)]
        ours = ag.clip(xs[0], xs[1] if "min" in kwargs else None, xs[2] if "max" in kwargs else None)
        theirs = torch.clamp(ts[0], ts[1] if "min" in kwargs else None, ts[2] if "max" in kwargs else None)
        np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
        ours.backward(v)
        theirs.backward(torch.from_numpy(v))
        for a, t in zip(xs, ts):
            if t.grad is None:
                assert a.grad is None
            else:
                np.testing.assert_array_equal(a.grad.detach().numpy(), t.grad.numpy())


def test_clip_tensor_bounds_broadcast_and_gradcheck():
    rng = np.random.default_rng(5)
    x = make_array(rng, (2, 1, 3))
    lo = rng.uniform(-1.0, -0.2, (4, 1))
    hi = rng.uniform(0.2, 1.0, (3,))
    ts = [ag.Tensor(a, requires_grad=True) for a in (x, lo, hi)]
    out = ag.clip(*ts)
    assert out.shape == (2, 4, 3)
    np.testing.assert_array_equal(out.detach().numpy(), np.minimum(np.maximum(x, lo), hi))
    assert ag.gradcheck(lambda a, b, c: ag.clip(a, b, c), ts, atol=1e-6, rtol=1e-4)


@pytest.mark.parametrize("op", [ag.maximum, ag.minimum], ids=["maximum", "minimum"])
def test_ties_split_the_gradient_equally(op, torch):
    a = ag.Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = ag.Tensor(np.array([1.0, 5.0, -3.0]), requires_grad=True)
    op(a, b).backward(np.array([2.0, 1.0, 1.0]))
    big = op is ag.maximum
    np.testing.assert_array_equal(a.grad.detach().numpy(), [1.0, 0.0 if big else 1.0, 1.0 if big else 0.0])
    np.testing.assert_array_equal(b.grad.detach().numpy(), [1.0, 1.0 if big else 0.0, 0.0 if big else 1.0])
    # broadcast tie: b of shape (1,) ties with two entries of a
    a = ag.Tensor(np.array([[0.0, 1.0], [1.0, 2.0]]), requires_grad=True)
    b = ag.Tensor(np.array([1.0]), requires_grad=True)
    op(a, b).backward(np.ones((2, 2)))
    ta = torch.tensor(a.detach().numpy(), requires_grad=True)
    tb = torch.tensor(b.detach().numpy(), requires_grad=True)
    getattr(torch, op.__name__)(ta, tb).sum().backward()
    np.testing.assert_array_equal(a.grad.detach().numpy(), ta.grad.numpy())
    np.testing.assert_array_equal(b.grad.detach().numpy(), tb.grad.numpy())
    assert b.grad.detach().numpy()[0] == 2.0  # two ties (½ each) and one win


def test_maximum_with_a_number():
    y, g = _grad(lambda t: ag.maximum(t, 0.0), [-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(y.detach().numpy(), [0.0, 0.0, 2.0])
    np.testing.assert_array_equal(g.detach().numpy(), [0.0, 0.5, 1.0])
    y, g = _grad(lambda t: ag.minimum(1.0, t), [-1.0, 1.0, 2.0], dtype=np.float32)
    assert y.dtype == np.float32 and g.dtype == np.float32
    np.testing.assert_array_equal(g.detach().numpy(), [1.0, 0.5, 0.0])
    y, g = _grad(lambda t: t.maximum(ag.Tensor(np.float64(0.5))), [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(g.detach().numpy(), [0.0, 0.5, 1.0])


# -- dtypes ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name,fn", UNARY, ids=[n for n, _ in UNARY])
def test_float32_stays_float32(name, fn):
    x = ag.Tensor(np.array([[-1.3, 0.7, 2.2], [0.1, -0.4, 3.0]], dtype=np.float32), requires_grad=True)
    y = fn(x)
    assert y.dtype == np.float32, name
    (g,) = ag.grad([y], [x], [np.ones(y.shape, np.float32)])
    assert g.dtype == np.float32, name
    (g2,) = ag.grad([fn(x)], [x], [np.ones(y.shape, np.float32)], create_graph=True)
    assert g2.dtype == np.float32, name
    np.testing.assert_allclose(g2.detach().numpy(), g.detach().numpy(), rtol=1e-6)


def test_integer_inputs():
    i = ag.Tensor(np.array([-2, 0, 3]))
    for fn in (ag.exp, ag.log, ag.sqrt, ag.sigmoid, ag.tanh, ag.sin, ag.gelu, ag.softplus, ag.erf):
        with pytest.raises(TypeError, match=r"expected a floating dtype; got int64"):
            fn(i)
    # ops that make sense on integers keep them
    assert ag.abs(i).data.tolist() == [2, 0, 3] and ag.abs(i).dtype == np.int64
    assert ag.relu(i).data.tolist() == [0, 0, 3]
    assert ag.maximum(i, 1).data.tolist() == [1, 1, 3] and ag.maximum(i, 1).dtype == np.int64
    assert ag.clip(i, -1, 1).data.tolist() == [-1, 0, 1]


def test_mixed_float_dtypes_are_rejected():
    a = ag.Tensor(np.ones(2, np.float32))
    b = ag.Tensor(np.ones(2, np.float64))
    with pytest.raises(TypeError, match=r"maximum: operands must have the same dtype; got float32 and float64"):
        ag.maximum(a, b)
    with pytest.raises(TypeError, match=r"clip: max must have the dtype of the input; got float64, expected float32"):
        ag.clip(a, 0.0, b)
    # numbers and ndarrays adopt the tensor's dtype
    assert ag.clip(a, np.zeros(2), 0.5).dtype == np.float32
    assert ag.maximum(np.zeros(2), a).dtype == np.float32


# -- extremes: finite, exact limits, no numpy warnings --------------------------------------------
EXTREME = [-1000.0, -100.0, -20.0, 0.0, 20.0, 100.0, 1000.0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_saturating_ops_are_finite_without_warnings(dtype):
    torch = require_torch()
    cases = [(ag.sigmoid, torch.sigmoid), (ag.softplus, torch.nn.functional.softplus),
             (lambda t: ag.softplus(t, beta=0.5, threshold=100.0),
              lambda t: torch.nn.functional.softplus(t, beta=0.5, threshold=100.0)),
             (ag.tanh, torch.tanh), (ag.elu, torch.nn.functional.elu), (ag.gelu, torch.nn.functional.gelu),
             (lambda t: ag.gelu(t, approximate="tanh"), lambda t: torch.nn.functional.gelu(t, approximate="tanh")),
             (ag.erf, torch.erf)]
    for ours, theirs in cases:
        with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
            warnings.simplefilter("error")
            y, g = _grad(ours, EXTREME, dtype)
            x = ag.Tensor(np.array(EXTREME, dtype), requires_grad=True)
            (g2,) = ag.grad([ours(x)], [x], [np.ones(len(EXTREME), dtype)], create_graph=True)
        np.testing.assert_allclose(g2.detach().numpy(), g.detach().numpy(), rtol=1e-13, atol=0)
        assert np.all(np.isfinite(y.detach().numpy())) and np.all(np.isfinite(g.detach().numpy()))
        assert y.dtype == dtype and g.dtype == dtype
        tx = torch.tensor(np.array(EXTREME, dtype), requires_grad=True)
        ty = theirs(tx)
        ty.sum().backward()
        # atol: tails below 1e-30 differ (torch flushes sigmoid's denormals or cancels 1 + erf to 0)
        tol = {"rtol": 1e-6 if dtype == np.float32 else 1e-12, "atol": 1e-30}
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), **tol)
        np.testing.assert_allclose(g.detach().numpy(), tx.grad.numpy(), **tol)
    y, g = _grad(ag.sigmoid, [-1000.0, 1000.0], dtype)
    np.testing.assert_array_equal(y.detach().numpy(), [0.0, 1.0])
    np.testing.assert_array_equal(g.detach().numpy(), [0.0, 0.0])
    y, g = _grad(ag.softplus, [-1000.0, 1000.0], dtype)
    np.testing.assert_array_equal(y.detach().numpy(), [0.0, 1000.0])
    np.testing.assert_array_equal(g.detach().numpy(), [0.0, 1.0])


def test_sigmoid_and_softplus_accurate_in_the_tails():
    x = np.array([-700.0, -50.0, -30.0, -1e-3, 30.0, 50.0])
    np.testing.assert_allclose(ag.sigmoid(ag.Tensor(x)).data, np.exp(-np.logaddexp(0, -x)), rtol=1e-14)
    np.testing.assert_allclose(ag.softplus(ag.Tensor(x[:4])).data, np.log1p(np.exp(x[:4])), rtol=1e-14)
    y = ag.sigmoid(ag.Tensor(np.array([np.nan, np.inf, -np.inf])))
    assert np.isnan(y.detach().numpy()[0]) and y.detach().numpy()[1] == 1.0 and y.detach().numpy()[2] == 0.0


# -- gelu and erf accuracy ------------------------------------------------------------------------
def test_erf_matches_math_erf_to_float64_precision():
    x = np.concatenate([np.linspace(-8, 8, 20001), [0.0, -0.0, 1e-300, 0.46875, 4.0, 26.0, 40.0, -40.0]])
    ref = np.array([math.erf(v) for v in x])
    out = ag.erf(ag.Tensor(x)).data
    np.testing.assert_allclose(out, ref, rtol=4e-16, atol=3e-16)
    special = ag.erf(ag.Tensor(np.array([np.inf, -np.inf, np.nan, -0.0]))).data
    assert special[0] == 1.0 and special[1] == -1.0 and np.isnan(special[2]) and math.copysign(1, special[3]) < 0
    x32 = np.linspace(-5, 5, 1001, dtype=np.float32)
    out32 = ag.erf(ag.Tensor(x32)).data
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, [math.erf(v) for v in x32.astype(np.float64)], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_matches_torch_in_float64(approximate):
    torch = require_torch()
    rng = np.random.default_rng(7)
    x = np.concatenate([np.linspace(-10, 10, 4001), rng.standard_normal(1000) * 3, [0.0, -40.0, 40.0]])
    v = rng.standard_normal(x.shape)
    t = ag.Tensor(x, requires_grad=True)
    y = ag.gelu(t, approximate=approximate)
    y.backward(v)
    tx = torch.tensor(x, requires_grad=True)
    ty = torch.nn.functional.gelu(tx, approximate=approximate)
    ty.backward(torch.from_numpy(v))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(t.grad.detach().numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_gelu_exact_tail_is_accurate():
    # x Φ(x) for x ≪ 0 is tiny but nonzero; computed through erfc, not 1 + erf
    x = np.array([-10.0, -20.0])
    ref = x * 0.5 * np.array([math.erfc(-v / math.sqrt(2)) for v in x])
    np.testing.assert_allclose(ag.gelu(ag.Tensor(x)).data, ref, rtol=1e-13)


# -- double backward (create_graph path of every VJP) ---------------------------------------------
SMOOTH = [("exp", ag.exp, "real"), ("log", ag.log, "positive"), ("log1p", ag.log1p, "unit"),
          ("sqrt", ag.sqrt, "positive"), ("sin", ag.sin, "real"), ("cos", ag.cos, "real"),
          ("tanh", ag.tanh, "real"), ("sigmoid", ag.sigmoid, "real"), ("erf", ag.erf, "real"),
          ("gelu", ag.gelu, "real"), ("gelu_tanh", lambda t: ag.gelu(t, approximate="tanh"), "real"),
          ("softplus", lambda t: ag.softplus(t, beta=1.5), "real"), ("elu", lambda t: ag.elu(t, 0.8), "kinkfree"),
          ("abs", ag.abs, "kinkfree"), ("relu", ag.relu, "kinkfree"), ("sign", ag.sign, "kinkfree"),
          ("leaky_relu", lambda t: ag.leaky_relu(t, 0.3), "kinkfree")]


@pytest.mark.parametrize("name,fn,domain", SMOOTH, ids=[s[0] for s in SMOOTH])
def test_double_backward(name, fn, domain):
    rng = np.random.default_rng(11)
    x = ag.Tensor(make_array(rng, (2, 3), domain), requires_grad=True)
    assert ag.gradgradcheck(fn, [x], atol=1e-6, rtol=1e-4)
    # the numpy fast path (no create_graph) and the Tensor-op path give the same gradient
    v = rng.standard_normal((2, 3))
    (fast,) = ag.grad([fn(x)], [x], [v])
    (graph,) = ag.grad([fn(x)], [x], [v], create_graph=True)
    np.testing.assert_allclose(fast.detach().numpy(), graph.detach().numpy(), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("op", [ag.maximum, ag.minimum, lambda a, b: ag.clip(a, b, b + 1.0),
                                lambda a, b: ag.where(a.detach().numpy() > 0, a * b, b)],
                         ids=["maximum", "minimum", "clip", "where"])
def test_double_backward_binary(op):
    rng = np.random.default_rng(12)
    xs = [ag.Tensor(make_array(rng, (2, 3)), requires_grad=True), ag.Tensor(make_array(rng, (3,)), requires_grad=True)]
    assert ag.gradgradcheck(op, xs, atol=1e-6, rtol=1e-4)


# -- what is saved ----------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [ag.sqrt, ag.tanh, ag.sigmoid, ag.exp, ag.relu],
                         ids=["sqrt", "tanh", "sigmoid", "exp", "relu"])
def test_ops_that_save_their_output_survive_an_inplace_change_of_the_input(fn):
    x = ag.Tensor(np.array([0.5, 1.5]), requires_grad=True)
    h = x * 1.0
    y = fn(h)
    expected = ag.grad([fn(x * 1.0)], [x], [np.ones(2)])[0].data
    with ag.no_grad():
        h.mul_(3.0)
    y.backward(np.ones(2))
    np.testing.assert_allclose(x.grad.detach().numpy(), expected, rtol=1e-15)


def test_ops_that_save_their_input_report_an_inplace_change():
    x = ag.Tensor(np.array([0.5, 1.5]), requires_grad=True)
    h = x * 1.0
    y = ag.sin(h)
    with ag.no_grad():
        h.mul_(3.0)
    with pytest.raises(RuntimeError, match="saved item 0 of 'sin' .* is at version 1; expected version 0"):
        y.backward(np.ones(2))


# -- where ------------------------------------------------------------------------------------------
def test_where_broadcasting_gradcheck_and_torch():
    torch = require_torch()

    @given(mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3), st.integers(0, 2**16))
    def check(shapes, seed):
        rng = np.random.default_rng(seed)
        sc, sx, sy = shapes.input_shapes
        cond = rng.standard_normal(sc) > 0
        arrays = [make_array(rng, sx), make_array(rng, sy)]
        check_against_torch(torch, lambda a, b: ag.where(cond, a, b),
                            lambda a, b: torch.where(torch.from_numpy(np.asarray(cond)), a, b),
                            arrays, rng, {"rtol": 0, "atol": 0}, {"rtol": 1e-12, "atol": 1e-14})

    check()


def test_where_method_and_numbers():
    x = ag.Tensor(np.array([1.0, -2.0, 3.0], np.float32), requires_grad=True)
    cond = x > 0
    y = x.where(cond, 0.0)
    assert y.dtype == np.float32
    y.backward(np.ones(3, np.float32))
    np.testing.assert_array_equal(y.detach().numpy(), [1.0, 0.0, 3.0])
    np.testing.assert_array_equal(x.grad.detach().numpy(), [1.0, 0.0, 1.0])


# -- spellings --------------------------------------------------------------------------------------
def test_tensor_methods_and_aliases():
    x = ag.Tensor(np.array([-1.0, 0.25, 2.0]))
    for name in ("exp", "log", "log1p", "sqrt", "abs", "sign", "sin", "cos", "tanh", "sigmoid", "relu", "erf"):
        np.testing.assert_array_equal(getattr(x.abs(), name)().data, getattr(ag, name)(ag.abs(x)).data)
    np.testing.assert_array_equal(x.clip(0.0, 1.0).data, [0.0, 0.25, 1.0])
    np.testing.assert_array_equal(x.clamp(min=0.0).data, [0.0, 0.25, 2.0])
    np.testing.assert_array_equal(x.maximum(ag.zeros_like(x)).data, [0.0, 0.25, 2.0])
    np.testing.assert_array_equal(x.minimum(ag.zeros_like(x)).data, [-1.0, 0.0, 0.0])
    assert ag.clamp is ag.clip
    assert ag.sigmoid(0.0).item() == 0.5 and ag.sigmoid(0.0).dtype == np.float32


def test_select_is_np_where_bit_for_bit():
    from autograd.ops.common import select
    rng = np.random.default_rng(3)
    for dtype in (np.float32, np.float64):
        for sc, sx, sy in [((3, 1), (1, 4), (4,)), ((), (2, 3), ()), ((), (), ()), ((2, 1, 3), (3,), (2, 1))]:
            cond = rng.standard_normal(sc) > 0
            x = rng.standard_normal(sx).astype(dtype)
            y = rng.standard_normal(sy).astype(dtype)
            ref = np.where(cond, x, y)
            out = select(cond, x, y)
            assert out.shape == ref.shape and out.dtype == ref.dtype
            np.testing.assert_array_equal(out, ref)
        specials = np.array([-0.0, np.inf, -np.inf, np.nan, 1.0], dtype)
        cond = np.array([True, True, False, True, False])
        out = select(cond, specials, specials[::-1].copy())
        ref = np.where(cond, specials, specials[::-1])
        assert np.array_equal(out, ref, equal_nan=True) and np.array_equal(np.signbit(out), np.signbit(ref))
    # other dtypes fall back to numpy's promotion
    assert select(np.array([True, False]), np.array([1, 2]), np.array([0.5, 0.5])).tolist() == [1.0, 0.5]
