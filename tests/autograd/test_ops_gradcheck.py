"""Every op in OPS: float64 central-difference gradcheck and the dot-product test
⟨u, VJP(v)⟩ = ⟨v, J u⟩ (with J u by finite differences) on its samples."""
import dataclasses

import numpy as np
import pytest

import autograd as ag
from autograd.ops import registry

from .op_db import OPS
from .op_harness import flat_outputs, sample_calls, to_tensors

DIFF_OPS = [info for info in OPS if info.function is None or info.grad]


@pytest.mark.parametrize("info", DIFF_OPS, ids=lambda i: i.name)
def test_gradcheck(info):
    for _, fn, diff in sample_calls(info, np.random.default_rng(0), diff_only=True):
        assert ag.gradcheck(fn, diff, **{"eps": 1e-6, "atol": 1e-6, "rtol": 1e-4, **info.gradcheck_kwargs})


@pytest.mark.parametrize("info", DIFF_OPS, ids=lambda i: i.name)
def test_dot_product(info):
    rng = np.random.default_rng(1)
    for _, fn, diff in sample_calls(info, rng, diff_only=True):
        outs = flat_outputs(fn(*diff))
        vs = [rng.standard_normal(o.shape) for o in outs]
        us = [rng.standard_normal(d.shape) for d in diff]
        grads = ag.grad(outs, diff, vs, allow_unused=True)
        lhs = sum(float(np.sum(u * (0 if g is None else g.data))) for u, g in zip(us, grads))
        eps = info.gradcheck_kwargs.get("eps", 1e-6)
        tol = {"rtol": 1e-5, "atol": 1e-6} if "eps" not in info.gradcheck_kwargs else {"rtol": 1e-3, "atol": 1e-3}
        plus = [t.data + eps * u for t, u in zip(diff, us)]
        minus = [t.data - eps * u for t, u in zip(diff, us)]
        out_p = flat_outputs(fn(*[ag.Tensor(p) for p in plus]))
        out_m = flat_outputs(fn(*[ag.Tensor(m) for m in minus]))
        rhs = sum(float(np.sum(v * (p.data - m.data) / (2 * eps))) for v, p, m in zip(vs, out_p, out_m))
        assert np.isclose(lhs, rhs, **tol), (info.name, lhs, rhs)


def test_every_function_is_registered():
    """A Function subclass defined in autograd/ops must have a row in the registry's OPS."""
    import importlib
    import pkgutil

    import autograd.ops as ops_pkg
    from autograd.function import Function

    registered = {row.function for row in registry.OPS if row.function is not None}
    missing = []
    for mod in pkgutil.iter_modules(ops_pkg.__path__):
        module = importlib.import_module(f"autograd.ops.{mod.name}")
        for obj in vars(module).values():
            if (isinstance(obj, type) and issubclass(obj, Function) and obj is not Function
                    and obj.__module__ == module.__name__ and obj not in registered):
                missing.append(f"{module.__name__}.{obj.__name__}")
    assert not missing, f"Function subclasses missing from OPS: {missing}"


def test_every_registered_op_has_test_data():
    """The registry (wiring) and tests/autograd/op_db.py (test data) list the same ops, in order."""
    assert [info.name for info in OPS] == [row.name for row in registry.OPS]
    assert all(info.op is row.op and info.function is row.function for info, row in zip(OPS, registry.OPS))


def test_registry_holds_wiring_only():
    """An `Op` row is name, Function, public function and method flag; no test data."""
    assert [f.name for f in dataclasses.fields(registry.Op)] == ["name", "function", "op", "method"]


@pytest.mark.parametrize("info", [i for i in OPS if i.errors], ids=lambda i: i.name)
def test_error_messages(info):
    for err in info.errors:
        args = to_tensors(err.args, requires_grad=False)
        with pytest.raises(err.exc, match=err.match):
            info.op(*args, **err.kwargs)


@pytest.mark.parametrize("info", [i for i in OPS if i.ref is not None], ids=lambda i: i.name)
def test_forward_matches_numpy(info):
    rng = np.random.default_rng(2)
    for sample in info.samples(rng):
        out = info.op(*to_tensors(sample.args, requires_grad=False), **sample.kwargs)
        ref = info.ref(*sample.args, **sample.kwargs)
        outs, refs = flat_outputs(out), (list(ref) if isinstance(ref, (list, tuple)) else [ref])
        for o, r in zip(outs, refs):
            np.testing.assert_allclose(o.data, r, rtol=1e-12, atol=1e-12)
