"""Hypothesis-generated shapes (incl. 0-d and size-1 axes) for every broadcasting op in OPS:
float64 gradcheck, and forward + gradient parity with PyTorch."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from ..conftest import require_torch
from .op_db import OPS, make_array
from .op_harness import check_against_torch

BCAST_OPS = [info for info in OPS if info.broadcast]


def _shapes(info):
    if info.broadcast == "elementwise":
        return mutually_broadcastable_shapes(num_shapes=info.nin, min_dims=0, max_dims=3, max_side=3)
    return mutually_broadcastable_shapes(signature=info.broadcast, min_dims=0, max_dims=2, max_side=3)


@pytest.mark.parametrize("info", BCAST_OPS, ids=lambda i: i.name)
def test_broadcast_gradcheck_and_torch(info):
    torch = require_torch()

    @given(_shapes(info), st.integers(0, 2**16))
    def check(shapes, seed):
        rng = np.random.default_rng(seed)
        arrays = [make_array(rng, s, info.domain if i == info.nin - 1 or info.domain != "nonzero" else "real")
                  for i, s in enumerate(shapes.input_shapes)]
        tol = {"rtol": 1e-10, "atol": 1e-12}
        check_against_torch(torch, info.op, lambda *t: info.torch(torch, *t), arrays, rng, tol, tol)

    check()
