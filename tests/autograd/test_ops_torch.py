"""Every op in OPS with a PyTorch counterpart: forward values and input gradients (for a
random upstream gradient) equal torch's on CPU, in float64 and float32."""
import numpy as np
import pytest

import autograd as ag

from ..conftest import require_torch
from .op_db import OPS
from .op_harness import convert_arrays, diff_positions, flat_outputs, pick, sample_calls

TORCH_OPS = [info for info in OPS if info.torch is not None]
TOL = {np.float64: {"rtol": 1e-10, "atol": 1e-10}, np.float32: {"rtol": 2e-4, "atol": 2e-5}}


def _torch_args(torch, args, dtype):
    return convert_arrays(args, lambda a: torch.tensor(a.astype(dtype), requires_grad=True),
                          lambda a: torch.from_numpy(a.copy()))


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("info", TORCH_OPS, ids=lambda i: i.name)
def test_matches_torch(info, dtype):
    torch = require_torch()
    rng = np.random.default_rng(3)
    for sample, fn, diff in sample_calls(info, rng, dtype=dtype):
        outs = flat_outputs(fn(*diff))
        targs = _torch_args(torch, sample.args, dtype)
        tout = info.torch(torch, *targs, **sample.kwargs)
        touts = [tout] if isinstance(tout, torch.Tensor) else list(tout)
        assert len(outs) == len(touts)
        for o, t in zip(outs, touts):
            assert o.shape == tuple(t.shape), (info.name, o.shape, tuple(t.shape))
            np.testing.assert_allclose(o.data, t.detach().numpy(), **TOL[dtype])
            if o.data.dtype.kind == "f":
                assert o.dtype == dtype, f"{info.name}: output dtype {o.dtype} for {np.dtype(dtype).name} inputs"
        if not diff:
            continue
        vs = [rng.standard_normal(o.shape).astype(dtype) for o in outs]
        ours = ag.grad(outs, diff, vs, allow_unused=True)
        tdiff = pick(targs, diff_positions(sample.args))
        theirs = torch.autograd.grad(touts, tdiff, [torch.from_numpy(v) for v in vs], allow_unused=True)
        for g, tg in zip(ours, theirs):
            if tg is None:
                assert g is None or not np.any(g.data)
                continue
            assert g.dtype == dtype, f"{info.name}: gradient dtype {g.dtype}, expected {np.dtype(dtype).name}"
            np.testing.assert_allclose(g.data, tg.numpy(), **TOL[dtype])
