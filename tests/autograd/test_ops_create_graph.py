"""The guard that keeps every way of computing a gradient honest (issue: each derivative
written once): for every differentiable row of the op table and every sample, in float64,
the gradient computed with ``create_graph=True`` (the recorded backward) equals the plain
one to 1e-12, and the second derivatives pass `gradgradcheck` against finite differences."""
import numpy as np
import pytest

import autograd as ag

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
            scale = max(1.0, float(np.max(np.abs(p.data)))) if p.data.size else 1.0
            np.testing.assert_allclose(r.data, p.data, rtol=0, atol=1e-12 * scale, err_msg=f"{info.name} input {i}")
        checked += 1
    assert checked


@pytest.mark.parametrize("info", DIFF_OPS, ids=lambda i: i.name)
def test_gradgradcheck(info):
    checked = 0
    for _, fn, diff in sample_calls(info, np.random.default_rng(3), diff_only=True):
        assert ag.gradgradcheck(fn, diff, **{"eps": 1e-6, "atol": 1e-5, "rtol": 1e-3, **info.gradcheck_kwargs})
        checked += 1
    assert checked
