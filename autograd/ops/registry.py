"""`OPS`: the one table of differentiable ops (STYLE.md section 2).

Each `OpInfo` names an op's public function and `Function` class, how to make sample
inputs (and in which domain), a NumPy reference, the PyTorch counterpart and error inputs
with their expected messages. `install()` builds the Tensor methods and operators from it;
the op tests are parametrized over it; a test fails if a `Function` subclass is missing.

Conventions of the samples: a float ndarray argument becomes a Tensor that requires grad
(float64 in gradcheck); any other argument (int/bool arrays, numbers, tuples) is passed as
it is. ``torch`` entries are ``fn(torch_module, *args, **kwargs)`` on torch tensors.
"""
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from . import arithmetic as ar
from . import elementwise as ew
from . import reduce as rd
from . import shape as sh


# -- sample inputs -------------------------------------------------------------------------
def make_array(rng, shape, domain="real"):
    """A float64 test array of `shape` in `domain`.

    Domains: ``real`` (standard normal), ``positive`` (uniform [0.5, 2]), ``nonzero`` (±[0.5, 2]),
    ``unit`` (uniform [−0.9, 0.9]), ``kinkfree`` (normal, but |x| ≥ 0.1 so kinks at 0 are
    avoided by finite differences).
    """
    if domain == "positive":
        return rng.uniform(0.5, 2.0, shape)
    if domain == "nonzero":
        return rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    if domain == "unit":
        return rng.uniform(-0.9, 0.9, shape)
    x = rng.standard_normal(shape)
    if domain == "kinkfree":
        x = np.where(np.abs(x) < 0.1, np.sign(x + 1e-12) * (0.1 + np.abs(x)), x)
    return np.asarray(x, dtype=np.float64)


@dataclass
class Sample:
    """One call of an op: positional `args` (float arrays become Tensors) and `kwargs`."""
    args: tuple
    kwargs: dict = field(default_factory=dict)


@dataclass
class ErrorInput:
    """Arguments that must raise `exc` with a message matching the regex `match`."""
    args: tuple
    kwargs: dict
    exc: type
    match: str


UNARY_SHAPES = [(), (4,), (2, 3), (2, 1, 3)]
BINARY_SHAPES = [((), ()), ((3,), (3,)), ((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)),
                 ((), (2, 3)), ((4, 1, 3), (2, 1))]


def unary_samples(domain="real", kwargs=None):
    """Sample maker for a one-input elementwise op over `UNARY_SHAPES`."""
    def samples(rng):
        return [Sample((make_array(rng, s, domain),), dict(kwargs or {})) for s in UNARY_SHAPES]
    return samples


def binary_samples(domain=("real", "real")):
    """Sample maker for a broadcasting binary op over `BINARY_SHAPES`."""
    def samples(rng):
        return [Sample((make_array(rng, s0, domain[0]), make_array(rng, s1, domain[1])))
                for s0, s1 in BINARY_SHAPES]
    return samples


def reduction_samples(domain="real", extra=None):
    """Sample maker for a reduction: all axes, one axis, a tuple of axes, keepdims."""
    def samples(rng):
        out = [Sample((make_array(rng, (3, 4), domain),), {}),
               Sample((make_array(rng, (2, 3, 4), domain),), {"axis": 1}),
               Sample((make_array(rng, (2, 3, 4), domain),), {"axis": (0, 2), "keepdims": True}),
               Sample((make_array(rng, (5,), domain),), {"axis": -1}),
               Sample((make_array(rng, (), domain),), {})]
        for s in out:
            s.kwargs.update(extra or {})
        return out
    return samples


@dataclass
class OpInfo:
    """One row of the op table.

    Attributes:
        name: public name (``autograd.<name>``, and the method name when `method` is True).
        function: the `Function` subclass (None for ops composed of other ops).
        op: the public function.
        samples: ``samples(rng) -> list[Sample]``.
        domain: where inputs are valid (for hypothesis-generated inputs).
        ref: NumPy reference ``ref(*arrays, **kwargs)`` or None.
        torch: ``torch_fn(torch, *tensors, **kwargs)`` or None where PyTorch lacks the op.
        errors: `ErrorInput` list.
        method: True to attach ``op`` as a Tensor method, a callable to attach that instead,
            False for none.
        broadcast: None, ``"elementwise"`` (n inputs broadcast together) or a gufunc signature
            for hypothesis shapes (e.g. matmul's).
        nin: number of Tensor inputs (for hypothesis-generated shapes).
        grad: False for ops without gradients (gradcheck skipped).
        gradcheck_kwargs: eps/atol/rtol overrides (e.g. casts to float32 lose precision).
    """
    name: str
    function: Optional[type]
    op: Callable
    samples: Callable
    domain: str = "real"
    ref: Optional[Callable] = None
    torch: Optional[Callable] = None
    errors: list = field(default_factory=list)
    method: object = True
    broadcast: Optional[str] = None
    nin: int = 1
    grad: bool = True
    gradcheck_kwargs: dict = field(default_factory=dict)


def _t_reduce(fname):
    def call(T, a, axis=None, keepdims=False, **kw):
        fn = getattr(T, fname)
        if axis is None:
            out = fn(a, **kw)
            return out.reshape((1,) * a.ndim) if keepdims else out
        return fn(a, dim=axis, keepdim=keepdims, **kw)
    return call


# One list per op family (each family's rows are kept together); OPS is their concatenation.
ARITHMETIC = [
    OpInfo("add", ar.Add, ar.add, binary_samples(), ref=np.add, torch=lambda T, a, b: T.add(a, b),
           broadcast="elementwise", nin=2,
           errors=[ErrorInput((np.ones((2, 3)), np.ones((4,))), {}, ValueError,
                              r"add: shapes \(2, 3\) and \(4,\) do not broadcast")]),
    OpInfo("sub", ar.Sub, ar.sub, binary_samples(), ref=np.subtract, torch=lambda T, a, b: T.sub(a, b),
           broadcast="elementwise", nin=2),
    OpInfo("mul", ar.Mul, ar.mul, binary_samples(), ref=np.multiply, torch=lambda T, a, b: T.mul(a, b),
           broadcast="elementwise", nin=2),
    OpInfo("div", ar.Div, ar.div, binary_samples(("real", "nonzero")), ref=np.divide,
           torch=lambda T, a, b: T.div(a, b), broadcast="elementwise", nin=2, domain="nonzero"),
    OpInfo("neg", ar.Neg, ar.neg, unary_samples(), ref=np.negative, torch=lambda T, a: T.neg(a)),
    OpInfo("pow", ar.Pow, ar.pow, binary_samples(("positive", "real")), ref=np.power,
           torch=lambda T, a, b: T.pow(a, b), broadcast="elementwise", nin=2, domain="positive"),
    OpInfo("matmul", ar.Matmul, ar.matmul,
           lambda rng: [Sample((make_array(rng, a), make_array(rng, b))) for a, b in
                        [((2, 3), (3, 4)), ((3,), (3, 2)), ((2, 3), (3,)), ((3,), (3,)),
                         ((2, 2, 3), (3, 4)), ((2, 1, 2, 3), (3, 3, 2)), ((4, 3), (2, 3, 2))]],
           ref=np.matmul, torch=lambda T, a, b: T.matmul(a, b), broadcast="(n?,k),(k,m?)->(n?,m?)", nin=2,
           errors=[ErrorInput((np.ones((2, 3)), np.ones((4, 5))), {}, ValueError,
                              r"matmul: shapes \(2, 3\) and \(4, 5\) are not aligned")]),
]

ELEMENTWISE = [
    OpInfo("exp", ew.Exp, ew.exp, unary_samples(), ref=np.exp, torch=lambda T, a: T.exp(a)),
    OpInfo("log", ew.Log, ew.log, unary_samples("positive"), ref=np.log, torch=lambda T, a: T.log(a),
           domain="positive"),
    OpInfo("relu", ew.Relu, ew.relu, unary_samples("kinkfree"), ref=lambda a: np.maximum(a, 0),
           torch=lambda T, a: T.relu(a), domain="kinkfree"),
    OpInfo("where", ew.Where, ew.where,
           lambda rng: [Sample((make_array(rng, (2, 3)) > 0, make_array(rng, (2, 3)), make_array(rng, (2, 3)))),
                        Sample((make_array(rng, (2, 1)) > 0, make_array(rng, (3,)), make_array(rng, (2, 3))))],
           ref=np.where, torch=lambda T, c, a, b: T.where(c, a, b),
           method=lambda self, cond, other: ew.where(cond, self, other),
           errors=[ErrorInput((np.ones((2,)), np.ones((2,)), np.ones((2,))), {}, TypeError,
                              r"where: cond must be a bool tensor; got dtype float64")]),
]

REDUCTIONS = [
    OpInfo("sum", rd.Sum, rd.sum, reduction_samples(), ref=np.sum, torch=_t_reduce("sum")),
    OpInfo("mean", rd.Mean, rd.mean, reduction_samples(), ref=np.mean, torch=_t_reduce("mean"),
           errors=[ErrorInput((np.ones((2, 3)),), {"axis": 2}, ValueError,
                              r"mean: axis 2 is out of range for a tensor with 2 dims")]),
]

# softmax, log_softmax, linear
NETWORK = [
]

SHAPE = [
    OpInfo("reshape", sh.Reshape, sh.reshape,
           lambda rng: [Sample((make_array(rng, (2, 3)), (3, 2))), Sample((make_array(rng, (2, 3)), -1)),
                        Sample((make_array(rng, (6,)), 1, 2, 3))],
           ref=lambda a, *s: np.reshape(a, s[0] if len(s) == 1 else s),
           torch=lambda T, a, *s: a.reshape(*s),
           errors=[ErrorInput((np.ones((2, 3)), (4, 2)), {}, ValueError,
                              r"reshape: cannot reshape a tensor of shape \(2, 3\) \(6 elements\) into \(4, 2\)")]),
    OpInfo("permute", sh.Permute, sh.permute,
           lambda rng: [Sample((make_array(rng, (2, 3, 4)), (2, 0, 1))), Sample((make_array(rng, (2, 3)), 1, 0))],
           ref=lambda a, *p: np.transpose(a, p[0] if len(p) == 1 else p),
           torch=lambda T, a, *p: a.permute(*p)),
    OpInfo("expand", sh.Expand, sh.expand,
           lambda rng: [Sample((make_array(rng, (3, 1)), (2, 3, 4))), Sample((make_array(rng, (3,)), 2, -1))],
           ref=lambda a, *s: np.broadcast_to(a, s[0] if len(s) == 1 else tuple(
               a.shape[i - (len(s) - a.ndim)] if v == -1 else v for i, v in enumerate(s))),
           torch=lambda T, a, *s: a.expand(*s),
           errors=[ErrorInput((np.ones((2, 3)), (4, 3)), {}, ValueError,
                              r"expand: a tensor of shape \(2, 3\) cannot be broadcast to \(4, 3\)")]),
    OpInfo("astype", sh.AsType, sh.astype, lambda rng: [Sample((make_array(rng, (2, 3)), np.float32))],
           ref=lambda a, d: a.astype(d), torch=None, method=False,
           gradcheck_kwargs=dict(eps=1e-3, atol=1e-4, rtol=1e-3)),
]

# __getitem__, index_put, concatenate/cat, stack, split, chunk, pad
INDEXING = [
]

# conv2d, max_pool2d, avg_pool2d, embedding, dropout, batch norm
CONV = [
]

# fused losses: cross_entropy, nll_loss, binary_cross_entropy(_with_logits), …
LOSSES = [
]

OPS = ARITHMETIC + ELEMENTWISE + REDUCTIONS + NETWORK + SHAPE + INDEXING + CONV + LOSSES

# Public functions that are thin spellings of a table op (same Function underneath).
ALIASES = {
    "view": sh.view, "flatten": sh.flatten, "transpose": sh.transpose, "swapaxes": sh.swapaxes,
    "squeeze": sh.squeeze, "unsqueeze": sh.unsqueeze, "broadcast_to": sh.broadcast_to,
}

# Python operators → public functions (reflected forms swap the operands).
OPERATORS = {
    "__add__": ar.add, "__radd__": lambda a, b: ar.add(b, a),
    "__sub__": ar.sub, "__rsub__": lambda a, b: ar.sub(b, a),
    "__mul__": ar.mul, "__rmul__": lambda a, b: ar.mul(b, a),
    "__truediv__": ar.div, "__rtruediv__": lambda a, b: ar.div(b, a),
    "__pow__": ar.pow, "__rpow__": lambda a, b: ar.pow(b, a),
    "__matmul__": ar.matmul, "__rmatmul__": lambda a, b: ar.matmul(b, a),
    "__neg__": ar.neg,
    "__eq__": ew.eq, "__ne__": ew.ne, "__lt__": ew.lt, "__le__": ew.le, "__gt__": ew.gt, "__ge__": ew.ge,
}


def install(tensor_cls):
    """Attach the table's methods, aliases and operators to `tensor_cls` (called once on import)."""
    for info in OPS:
        if info.method is True:
            setattr(tensor_cls, info.name, info.op)
        elif callable(info.method):
            setattr(tensor_cls, info.name, info.method)
    for name, fn in ALIASES.items():
        setattr(tensor_cls, name, fn)
    for name, fn in OPERATORS.items():
        setattr(tensor_cls, name, fn)


def public_functions():
    """``{name: function}`` of every op exported as ``autograd.<name>``."""
    out = {info.name: info.op for info in OPS}
    out.update(ALIASES)
    return out
