"""The guard that keeps every way of computing a gradient honest (issue: each derivative
written once): for every differentiable row of the op table and every sample, in float64,
the gradient computed with ``create_graph=True`` (the recorded backward) equals the plain
one to 1e-12, and the second derivatives pass `gradgradcheck` against finite differences."""
import importlib
import inspect
import pkgutil
import re

import numpy as np
import pytest

import autograd as ag
import autograd.ops as ops_package
from autograd.function import Function, Op

from .op_db import OPS
from .op_harness import flat_outputs, sample_calls

DIFF_OPS = [info for info in OPS if info.function is None or info.grad]


def _grads(fn, diff, vs, create_graph):
    outs = flat_outputs(fn(*diff))
    return ag.grad(outs, diff, vs, create_graph=create_graph, allow_unused=True)


@pytest.mark.parametrize("info", DIFF_OPS, ids=lambda i: i.name)
def test_create_graph_gradient_equals_plain_gradient(info):
    rng = np.random.default_rng(2)
    checked = 0
    for _, fn, diff in sample_calls(info, rng, diff_only=True):
        vs = [rng.standard_normal(o.shape) for o in flat_outputs(fn(*diff))]
        plain = _grads(fn, diff, vs, create_graph=False)
        recorded = _grads(fn, diff, vs, create_graph=True)
        for i, (p, r) in enumerate(zip(plain, recorded)):
            assert (p is None) == (r is None), (info.name, i)
            if p is None:
                continue
            assert r.dtype == p.dtype == np.float64 and r.shape == p.shape
            scale = max(1.0, float(np.max(np.abs(p.detach().numpy())))) if p.detach().numpy().size else 1.0
            np.testing.assert_allclose(r.detach().numpy(), p.detach().numpy(), rtol=0, atol=1e-12 * scale, err_msg=f"{info.name} input {i}")
        checked += 1
    assert checked


@pytest.mark.parametrize("info", DIFF_OPS, ids=lambda i: i.name)
def test_gradgradcheck(info):
    checked = 0
    for _, fn, diff in sample_calls(info, np.random.default_rng(3), diff_only=True):
        assert ag.gradgradcheck(fn, diff, **{"eps": 1e-6, "atol": 1e-5, "rtol": 1e-3, **info.gradcheck_kwargs})
        checked += 1
    assert checked


def _all_functions():
    out = []
    for mod in pkgutil.iter_modules(ops_package.__path__):
        module = importlib.import_module(f"autograd.ops.{mod.name}")
        out += [obj for obj in vars(module).values() if isinstance(obj, type) and issubclass(obj, Function)
                and obj is not Function and obj.__module__ == module.__name__]
    return out


@pytest.mark.parametrize("fn", _all_functions(), ids=lambda f: f.__name__)
def test_no_vjp_reads_grad_mode(fn):
    # issue 11: each derivative is written once; the engine, not the VJP, decides what kind flows
    source = inspect.getsource(fn.vjp)
    for word in (r"\b_grad\b", r"grad_mode", r"is_grad_enabled", r"set_grad_enabled", r"no_grad", r"_state\b",
                 r"saved_tensors"):
        assert not re.search(word, source), (fn.__name__, word)


@pytest.mark.parametrize("info", DIFF_OPS, ids=lambda i: i.name)
def test_one_vjp_body_gets_ndarrays_plain_and_tensors_recorded(info, monkeypatch):
    # every VJP the op's backward runs receives ndarrays in a plain backward (nothing recorded,
    # nothing wrapped) and Tensors when create_graph records it: the same body for both
    kinds = []
    for fn in _all_functions():
        original = fn.__dict__["vjp"].__func__

        def spy(ctx, grad_out, _original=original):
            kinds.append(type(grad_out).__name__)
            return _original(ctx, grad_out)

        monkeypatch.setattr(fn, "vjp", staticmethod(spy))
    rng = np.random.default_rng(4)
    for _, fn_, diff in sample_calls(info, rng, diff_only=True):
        for create_graph in (False, True):
            outs = flat_outputs(fn_(*diff))  # (a forward may itself run a recorded backward)
            vs = [np.ones(o.shape) for o in outs]
            kinds.clear()
            ag.grad(outs, diff, vs, create_graph=create_graph, allow_unused=True)
            expected = ("Tensor",) if create_graph else ("ndarray", "float64", "float32")
            assert kinds and all(k in expected for k in kinds), (info.name, create_graph, kinds)


def test_a_users_function_gets_tensors_as_in_pytorch():
    # a Function written the PyTorch way (Tensor methods on grad_out and the saved tensors) works in a
    # plain backward too: user Functions receive Tensors; tracegrad's own ops (Op) receive ndarrays
    seen = []

    class Square(ag.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a.detach().numpy() ** 2

        @staticmethod
        def vjp(ctx, grad_out):
            (a,) = ctx.saved_tensors
            seen.append(type(grad_out).__name__)
            return (grad_out.mul(a).mul(2.0).exp().log(),)  # Tensor methods, as PyTorch code uses

    x = ag.Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    (Square.apply(x) * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), [6.0, -12.0, 18.0])
    (g,) = ag.grad((Square.apply(x) * 3.0).sum(), [x], create_graph=True)
    (h,) = ag.grad(g.sum(), [x])
    np.testing.assert_allclose(h.detach().numpy(), [6.0, 6.0, 6.0])
    assert seen == ["Tensor", "Tensor"]  # the plain backward and the recorded one
    assert issubclass(ag.ops.arithmetic.Mul, Op) and not Op.tensor_vjp and ag.Function.tensor_vjp
