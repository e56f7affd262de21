"""Turning `OPS` samples into calls: shared by the gradcheck, torch and broadcasting tests.

A sample argument that is an ndarray, or a list of ndarrays (the tensors of a join such
as `concatenate`), is converted; its float arrays are the differentiable inputs.
"""
import numpy as np

import autograd as ag

from .op_db import OPS

OPS_BY_NAME = {info.name: info for info in OPS}


def is_diff(arg):
    return isinstance(arg, np.ndarray) and arg.dtype.kind == "f"


def _is_array_list(arg):
    return isinstance(arg, list) and bool(arg) and all(isinstance(a, np.ndarray) for a in arg)


def convert_arrays(args, diff, other):
    """args with each float array a → diff(a) and each other array → other(a), also inside
    list arguments of arrays; the remaining arguments are passed as they are."""
    def one(a):
        if is_diff(a):
            return diff(a)
        if isinstance(a, np.ndarray):
            return other(a)
        return [one(x) for x in a] if _is_array_list(a) else a
    return [one(a) for a in args]


def to_tensors(args, dtype=np.float64, requires_grad=True):
    """Float arrays → Tensors (requires grad); int/bool arrays → Tensors without grad."""
    return convert_arrays(args, lambda a: ag.Tensor(a.astype(dtype), requires_grad=requires_grad), ag.Tensor)


def diff_positions(args):
    """Where the float arrays of `args` sit: (i, None) for args[i], (i, j) for args[i][j]."""
    out = []
    for i, a in enumerate(args):
        if is_diff(a):
            out.append((i, None))
        elif _is_array_list(a):
            out.extend((i, j) for j, x in enumerate(a) if is_diff(x))
    return out


def pick(args, positions):
    """The arguments at `positions` (from `diff_positions`)."""
    return [args[i] if j is None else args[i][j] for i, j in positions]


def flat_outputs(value):
    if isinstance(value, ag.Tensor):
        return [value]
    return [v for v in value if isinstance(v, ag.Tensor)]


def call_with(info, sample, tensors):
    """fn(*differentiable tensors) that calls the op with the sample's other args fixed."""
    positions = diff_positions(sample.args)

    def fn(*diff):
        args = [list(a) if isinstance(a, list) else a for a in tensors]
        for (i, j), t in zip(positions, diff):
            if j is None:
                args[i] = t
            else:
                args[i][j] = t
        return info.op(*args, **sample.kwargs)

    return fn, pick(tensors, positions)


def sample_calls(info, rng, dtype=np.float64, diff_only=False):
    """(sample, fn, diff) for each of `info`'s samples drawn from `rng`, with the sample's
    arrays as Tensors of `dtype` and ``fn(*diff)`` calling the op (see `call_with`); with
    `diff_only`, samples without differentiable inputs are skipped."""
    for sample in info.samples(rng):
        fn, diff = call_with(info, sample, to_tensors(sample.args, dtype=dtype))
        if diff or not diff_only:
            yield sample, fn, diff


def check_against_torch(torch, fn, torch_fn, arrays, rng, forward_tol, grad_tol):
    """float64 gradcheck of fn on Tensors of `arrays`; fn's output equals torch_fn's on torch
    tensors of them (within `forward_tol`), and so do the gradients of both for one random
    upstream gradient (within `grad_tol`), each with its input's shape."""
    xs = [ag.Tensor(a, requires_grad=True) for a in arrays]
    assert ag.gradcheck(fn, xs, atol=1e-6, rtol=1e-4)
    out = fn(*xs)
    txs = [torch.tensor(a, requires_grad=True) for a in arrays]
    tout = torch_fn(*txs)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), **forward_tol)
    v = rng.standard_normal(out.shape)
    ours = ag.grad([out], xs, [v])
    theirs = torch.autograd.grad([tout], txs, [torch.from_numpy(v)])
    for g, tg, x in zip(ours, theirs, xs):
        assert g.shape == x.shape
        np.testing.assert_allclose(g.data, tg.numpy(), **grad_tol)
