"""Turning `OPS` samples into calls: shared by the gradcheck, torch and broadcasting tests."""
import numpy as np

import autograd as ag
from autograd.ops.registry import OPS

OPS_BY_NAME = {info.name: info for info in OPS}


def is_diff(arg):
    return isinstance(arg, np.ndarray) and arg.dtype.kind == "f"


def to_tensors(args, dtype=np.float64, requires_grad=True):
    """Float arrays → Tensors (requires grad); int/bool arrays → Tensors without grad."""
    out = []
    for a in args:
        if is_diff(a):
            out.append(ag.Tensor(a.astype(dtype), requires_grad=requires_grad))
        elif isinstance(a, np.ndarray):
            out.append(ag.Tensor(a))
        else:
            out.append(a)
    return out


def flat_outputs(value):
    if isinstance(value, ag.Tensor):
        return [value]
    return [v for v in value if isinstance(v, ag.Tensor)]


def call_with(info, sample, tensors):
    """fn(*differentiable tensors) that calls the op with the sample's other args fixed."""
    positions = [i for i, a in enumerate(sample.args) if is_diff(a)]

    def fn(*diff):
        args = list(tensors)
        for p, t in zip(positions, diff):
            args[p] = t
        return info.op(*args, **sample.kwargs)

    return fn, [tensors[p] for p in positions]
