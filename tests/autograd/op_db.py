"""`OPS`: the test data of every op of `autograd/ops/registry.py` (PyTorch's OpInfo idea).

Each `OpInfo` names a registered op and says how to make sample inputs (and in which domain),
gives a NumPy reference, the PyTorch counterpart and error inputs with their expected
messages. The op tests are parametrized over it (gradcheck, gradgradcheck, create_graph ==
plain backward, torch parity, broadcasting, error messages); `test_ops_gradcheck` fails if a
registered op has no entry here or an entry names no registered op.

Conventions of the samples: a float ndarray argument, also as an item of a list of arrays
(the tensors of a join), becomes a Tensor that requires grad (float64 in gradcheck); an
int/bool array becomes a Tensor without grad; any other argument (numbers, tuples) is
passed as it is. ``torch`` entries are ``fn(torch_module, *args, **kwargs)`` on torch tensors.
"""
import math
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from autograd.ops import conv as cv
from autograd.ops import indexing as ix
from autograd.ops import pool as pl
from autograd.ops import registry


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
    """The test data of one op of the table (`autograd.ops.registry.OPS`), found by `name`.

    Attributes:
        name: the op's name in the registry; `function` and `op` are read from its row.
        samples: ``samples(rng) -> list[Sample]``.
        domain: where inputs are valid (for hypothesis-generated inputs).
        ref: NumPy reference ``ref(*arrays, **kwargs)`` or None.
        torch: ``torch_fn(torch, *tensors, **kwargs)`` or None where PyTorch lacks the op.
        errors: `ErrorInput` list.
        broadcast: None, ``"elementwise"`` (n inputs broadcast together) or a gufunc signature
            for hypothesis shapes (e.g. matmul's).
        nin: number of Tensor inputs (for hypothesis-generated shapes).
        grad: False for ops without gradients (gradcheck skipped).
        gradcheck_kwargs: eps/atol/rtol overrides (e.g. casts to float32 lose precision).
        function: the op's `Function` subclass (None for ops composed of other ops), from the registry.
        op: the op's public function, from the registry.
    """
    name: str
    samples: Callable
    domain: str = "real"
    ref: Optional[Callable] = None
    torch: Optional[Callable] = None
    errors: list = field(default_factory=list)
    broadcast: Optional[str] = None
    nin: int = 1
    grad: bool = True
    gradcheck_kwargs: dict = field(default_factory=dict)
    function: Optional[type] = field(init=False)
    op: Callable = field(init=False)

    def __post_init__(self):
        if self.name not in registry.BY_NAME:
            raise KeyError(f"op_db: {self.name!r} is not an op of autograd/ops/registry.py; add its row there.")
        row = registry.BY_NAME[self.name]
        self.function, self.op = row.function, row.op


def _t_reduce(fname):
    def call(T, a, axis=None, keepdims=False, **kw):
        fn = getattr(T, fname)
        if axis is None:
            out = fn(a, **kw)
            return out.reshape((1,) * a.ndim) if keepdims else out
        return fn(a, dim=axis, keepdim=keepdims, **kw)
    return call


# One list per op family (in the registry's order); OPS is their concatenation.
ARITHMETIC = [
    OpInfo("add", binary_samples(), ref=np.add, torch=lambda T, a, b: T.add(a, b),
           broadcast="elementwise", nin=2,
           errors=[ErrorInput((np.ones((2, 3)), np.ones((4,))), {}, ValueError,
                              r"add: shapes \(2, 3\) and \(4,\) do not broadcast")]),
    OpInfo("sub", binary_samples(), ref=np.subtract, torch=lambda T, a, b: T.sub(a, b),
           broadcast="elementwise", nin=2),
    OpInfo("mul", binary_samples(), ref=np.multiply, torch=lambda T, a, b: T.mul(a, b),
           broadcast="elementwise", nin=2),
    OpInfo("div", binary_samples(("real", "nonzero")), ref=np.divide,
           torch=lambda T, a, b: T.div(a, b), broadcast="elementwise", nin=2, domain="nonzero"),
    OpInfo("neg", unary_samples(), ref=np.negative, torch=lambda T, a: T.neg(a)),
    OpInfo("pow", binary_samples(("positive", "real")), ref=np.power,
           torch=lambda T, a, b: T.pow(a, b), broadcast="elementwise", nin=2, domain="positive"),
    OpInfo("matmul",
           lambda rng: [Sample((make_array(rng, a), make_array(rng, b))) for a, b in
                        [((2, 3), (3, 4)), ((3,), (3, 2)), ((2, 3), (3,)), ((3,), (3,)),
                         ((2, 2, 3), (3, 4)), ((2, 1, 2, 3), (3, 3, 2)), ((4, 3), (2, 3, 2))]],
           ref=np.matmul, torch=lambda T, a, b: T.matmul(a, b), broadcast="(n?,k),(k,m?)->(n?,m?)", nin=2,
           errors=[ErrorInput((np.ones((2, 3)), np.ones((4, 5))), {}, ValueError,
                              r"matmul: shapes \(2, 3\) and \(4, 5\) are not aligned")]),
]

# -- elementwise samples and references ---------------------------------------------
_EW_EXTREMES = np.array([-1000.0, -40.0, -1.5, 0.25, 40.0, 1000.0])


def _ew_samples(domain="real", kwargs_list=({},), extra=()):
    """Unary samples over UNARY_SHAPES for each kwargs dict, plus fixed extra arrays."""
    def samples(rng):
        out = [s for kw in kwargs_list for s in unary_samples(domain, kw)(rng)]
        return out + [Sample((np.array(x, dtype=np.float64),), dict(kw)) for x, kw in extra]
    return samples


def _away(x, *bounds, gap=0.05):
    """Move entries of x that are within `gap` of a bound to bound ± gap (no kinks for FD)."""
    for b in bounds:
        x = np.where(np.abs(x - b) < gap, b + np.where(x >= b, gap, -gap), x)
    return np.asarray(x, dtype=np.float64)


def _clip_samples(rng):
    x, lo, hi = make_array(rng, (2, 3)), rng.uniform(-1.0, -0.2, (3,)), rng.uniform(0.2, 1.0, (2, 1))
    crossed_lo, crossed_hi = np.array([0.5, -0.5, 0.3, 1.0]), np.array([-0.5, 0.5, 0.1, 2.0])
    return [Sample((_away(make_array(rng, (2, 3)), -0.5, 0.5),), {"min": -0.5, "max": 0.5}),
            Sample((_away(make_array(rng, (4,)), 0.2),), {"min": 0.2}),
            Sample((_away(make_array(rng, ()), -0.1),), {"max": -0.1}),
            Sample((_away(make_array(rng, (2, 1, 3)), 0.0, 1.0),), {"min": 0.0, "max": 1.0}),
            Sample((_away(x, lo, hi), lo, hi)),
            Sample((_away(make_array(rng, (4,)), crossed_lo, crossed_hi), crossed_lo, crossed_hi))]


def _clip_ref(a, *bounds, min=None, max=None):
    lo, hi = (bounds + (None, None))[:2] if bounds else (min, max)
    out = a if lo is None else np.maximum(a, lo)
    return out if hi is None else np.minimum(out, hi)


def _gelu_ref(a, approximate="none"):
    if approximate == "tanh":
        return 0.5 * a * (1 + np.tanh(np.sqrt(2 / np.pi) * (a + 0.044715 * a ** 3)))
    return a * 0.5 * np.vectorize(math.erfc, otypes=[float])(-a / np.sqrt(2))


def _softplus_ref(a, beta=1.0, threshold=20.0):
    return np.where(a * beta > threshold, a, np.logaddexp(0, a * beta) / beta)


def _t_binary(fname):
    def call(T, a, b):
        if not isinstance(b, T.Tensor):
            b = T.tensor(b, dtype=a.dtype)
        elif not isinstance(a, T.Tensor):
            a = T.tensor(a, dtype=b.dtype)
        return getattr(T, fname)(a, b)
    return call


def _rejects_int(op):
    """The ErrorInput of a floating-only op: an int64 array raises `check_float`'s TypeError."""
    return ErrorInput((np.array([1, 2, 3]),), {}, TypeError, rf"{op}: expected a floating dtype; got int64")


ELEMENTWISE = [
    OpInfo("exp", unary_samples(), ref=np.exp, torch=lambda T, a: T.exp(a),
           errors=[_rejects_int("exp")]),
    OpInfo("log", unary_samples("positive"), ref=np.log, torch=lambda T, a: T.log(a),
           domain="positive"),
    OpInfo("relu", unary_samples("kinkfree"), ref=lambda a: np.maximum(a, 0),
           torch=lambda T, a: T.relu(a), domain="kinkfree"),
    OpInfo("log1p", unary_samples("unit"), ref=np.log1p, torch=lambda T, a: T.log1p(a),
           domain="unit", errors=[_rejects_int("log1p")]),
    OpInfo("sqrt", unary_samples("positive"), ref=np.sqrt, torch=lambda T, a: T.sqrt(a),
           domain="positive", errors=[_rejects_int("sqrt")]),
    OpInfo("abs", unary_samples("kinkfree"), ref=np.abs, torch=lambda T, a: T.abs(a),
           domain="kinkfree"),
    OpInfo("sign", unary_samples("kinkfree"), ref=np.sign, torch=lambda T, a: T.sign(a),
           domain="kinkfree"),
    OpInfo("sin", unary_samples(), ref=np.sin, torch=lambda T, a: T.sin(a)),
    OpInfo("cos", unary_samples(), ref=np.cos, torch=lambda T, a: T.cos(a),
           errors=[_rejects_int("cos")]),
    OpInfo("tanh", _ew_samples(extra=[(_EW_EXTREMES, {})]), ref=np.tanh,
           torch=lambda T, a: T.tanh(a)),
    OpInfo("sigmoid", _ew_samples(extra=[(_EW_EXTREMES, {})]),
           ref=lambda a: np.exp(-np.logaddexp(0, -a)), torch=lambda T, a: T.sigmoid(a),
           errors=[_rejects_int("sigmoid")]),
    OpInfo("leaky_relu",
           _ew_samples("kinkfree", ({}, {"negative_slope": 0.2}, {"negative_slope": -1.5})),
           ref=lambda a, negative_slope=0.01: np.where(a > 0, a, a * negative_slope),
           torch=lambda T, a, **kw: T.nn.functional.leaky_relu(a, **kw), domain="kinkfree",
           errors=[ErrorInput((np.ones(2),), {"negative_slope": "a"}, TypeError,
                              r"leaky_relu: negative_slope must be a real number; got str")]),
    OpInfo("elu", _ew_samples("kinkfree", ({}, {"alpha": 0.5}), extra=[(_EW_EXTREMES[1:-1], {})]),
           ref=lambda a, alpha=1.0: np.where(a > 0, a, alpha * np.expm1(np.minimum(a, 0))),
           torch=lambda T, a, **kw: T.nn.functional.elu(a, **kw), domain="kinkfree",
           errors=[_rejects_int("elu")]),
    OpInfo("gelu",
           _ew_samples("real", ({}, {"approximate": "tanh"}),
                       extra=[(_EW_EXTREMES * 0.01, {}), (_EW_EXTREMES * 0.01, {"approximate": "tanh"}),
                              ([-12.0, -6.0, -3.0, 3.5, 6.0], {})]),
           ref=_gelu_ref, torch=lambda T, a, **kw: T.nn.functional.gelu(a, **kw),
           errors=[ErrorInput((np.ones(2),), {"approximate": "foo"}, ValueError,
                              r"gelu: approximate must be 'none' or 'tanh'; got 'foo'"),
                   _rejects_int("gelu")]),
    OpInfo("gelu_backward",
           lambda rng: [Sample((make_array(rng, s), make_array(rng, s))) for s in UNARY_SHAPES],
           torch=lambda T, g, a: T.ops.aten.gelu_backward(g, a), nin=2),
    OpInfo("erf",
           _ew_samples(extra=[(np.linspace(-6, 6, 25), {}), ([-0.46875, 0.46875, 4.0, -4.0, 27.0], {})]),
           ref=np.vectorize(math.erf, otypes=[float]), torch=lambda T, a: T.erf(a),
           errors=[_rejects_int("erf")]),
    OpInfo("softplus",
           _ew_samples("real", ({}, {"beta": 2.0}),
                       extra=[(_EW_EXTREMES, {}), ([-3.0, 0.4, 2.6, 10.0], {"beta": 2.0, "threshold": 4.0}),
                              ([-2.0, 0.5, 30.0], {"beta": 0.5})]),
           ref=_softplus_ref, torch=lambda T, a, **kw: T.nn.functional.softplus(a, **kw),
           errors=[ErrorInput((np.ones(2),), {"beta": 0}, ValueError, r"softplus: beta must be nonzero; got 0.0"),
                   ErrorInput((np.ones(2),), {"threshold": None}, TypeError,
                              r"softplus: threshold must be a real number; got NoneType")]),
    OpInfo("clip", _clip_samples, ref=_clip_ref,
           torch=lambda T, a, *b, **kw: T.clamp(a, *b, **kw),
           errors=[ErrorInput((np.ones((2, 3)),), {}, ValueError,
                              r"clip: at least one of min and max must be given; got min=None and max=None"),
                   ErrorInput((np.ones((2, 3)), np.ones((4,))), {}, ValueError,
                              r"clip: shapes \(2, 3\), \(4,\) do not broadcast"),
                   ErrorInput((np.ones((2, 3)),), {"min": "0"}, TypeError,
                              r"clip: min must be a number or a Tensor; got str")]),
    OpInfo("maximum",
           lambda rng: binary_samples()(rng) + [Sample((make_array(rng, (2, 3)), 0.3))],
           ref=np.maximum, torch=_t_binary("maximum"), broadcast="elementwise", nin=2,
           errors=[ErrorInput((np.ones((2, 3)), np.ones((4,))), {}, ValueError,
                              r"maximum: shapes \(2, 3\) and \(4,\) do not broadcast")]),
    OpInfo("minimum",
           lambda rng: binary_samples()(rng) + [Sample((-0.3, make_array(rng, (2, 3))))],
           ref=np.minimum, torch=_t_binary("minimum"), broadcast="elementwise", nin=2,
           errors=[ErrorInput((np.ones((2, 3)), np.ones((4,))), {}, ValueError,
                              r"minimum: shapes \(2, 3\) and \(4,\) do not broadcast")]),
    OpInfo("where",
           lambda rng: [Sample((make_array(rng, (2, 3)) > 0, make_array(rng, (2, 3)), make_array(rng, (2, 3)))),
                        Sample((make_array(rng, (2, 1)) > 0, make_array(rng, (3,)), make_array(rng, (2, 3))))],
           ref=np.where, torch=lambda T, c, a, b: T.where(c, a, b),
           errors=[ErrorInput((np.ones((2,)), np.ones((2,)), np.ones((2,))), {}, TypeError,
                              r"where: cond must be a bool tensor; got dtype float64")]),
]

# -- helpers of the REDUCTIONS and NETWORK rows (references and torch counterparts) ------------
def _stat_samples(rng):
    """var/std samples: n − correction > 0 on every one."""
    return [Sample((make_array(rng, (3, 4)),), {}),
            Sample((make_array(rng, (2, 3, 4)),), {"axis": 1}),
            Sample((make_array(rng, (2, 3, 4)),), {"axis": (0, 2), "keepdims": True}),
            Sample((make_array(rng, (5,)),), {"axis": -1, "correction": 0}),
            Sample((make_array(rng, (3, 4)),), {"axis": 1, "correction": 2})]


def _np_stat(fn):
    return lambda a, axis=None, keepdims=False, correction=1: fn(a, axis=axis, ddof=correction, keepdims=keepdims)


def _prod_samples(rng):
    """prod samples, with one zero and with two zeros in a reduced slice."""
    one_zero = make_array(rng, (3, 4), "nonzero")
    one_zero[1, 2] = 0.0
    two_zeros = make_array(rng, (2, 4), "nonzero")
    two_zeros[0, 1] = two_zeros[0, 3] = 0.0
    return [Sample((make_array(rng, (3, 4), "nonzero"),), {}),
            Sample((make_array(rng, (2, 3, 4), "nonzero"),), {"axis": 1}),
            Sample((make_array(rng, (2, 3, 4), "nonzero"),), {"axis": (0, 2), "keepdims": True}),
            Sample((np.asarray(make_array(rng, (), "nonzero")),), {}),
            Sample((one_zero,), {"axis": 1}), Sample((one_zero,), {}),
            Sample((two_zeros,), {"axis": -1, "keepdims": True})]


def _t_prod(T, a, axis=None, keepdims=False):
    if axis is None:
        out = T.prod(a)
        return out.reshape((1,) * a.ndim) if keepdims else out
    axes = sorted(ax % a.ndim for ax in ((axis,) if isinstance(axis, int) else axis))
    for ax in axes:
        a = T.prod(a, dim=ax, keepdim=True)
    return a if keepdims else a.squeeze(tuple(axes))


def _np_logsumexp(a, axis=None, keepdims=False):
    return np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims))


def _t_logsumexp(T, a, axis=None, keepdims=False):
    return T.logsumexp(a, dim=tuple(range(a.ndim)) if axis is None else axis, keepdim=keepdims)


_MATRIX_ORDS = (1, -1, np.inf, -np.inf)


def _norm_samples(rng):
    """norm samples: vector orders, the Frobenius default, numpy's matrix orders."""
    vec = [Sample((make_array(rng, (5,), "kinkfree"), o)) for o in (2, 1, np.inf, -np.inf, 3, 0.5, -1, 0)]
    return vec + [Sample((make_array(rng, (3, 4)),), {}),
                  Sample((make_array(rng, (3, 4), "kinkfree"), 1)),
                  Sample((make_array(rng, (3, 4), "kinkfree"), -np.inf)),
                  Sample((make_array(rng, (2, 3, 4)),), {"axis": 1, "keepdims": True}),
                  Sample((make_array(rng, (2, 3, 4), "kinkfree"), 3), {"axis": -1}),
                  Sample((make_array(rng, (3, 4)), "fro"), {"axis": (0, 1)}),
                  Sample((make_array(rng, (2, 3, 4), "kinkfree"), np.inf), {"axis": (0, 2), "keepdims": True}),
                  Sample((make_array(rng, (2, 3, 4)),), {}),
                  Sample((make_array(rng, ()),), {})]


def _np_norm(a, ord=2, axis=None, keepdims=False):
    ord = 2 if ord in (None, "fro") else ord
    if ord == 2 and (axis is None or not isinstance(axis, int)):
        return np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdims))  # Frobenius (DESIGN)
    return np.linalg.norm(a, ord, axis, keepdims)


def _t_norm(T, a, ord=2, axis=None, keepdims=False):
    ord = 2 if ord in (None, "fro") else ord
    if ord in _MATRIX_ORDS and (axis is None and a.ndim == 2 or isinstance(axis, tuple) and len(axis) == 2):
        return T.linalg.matrix_norm(a, ord=ord, dim=(0, 1) if axis is None else axis, keepdim=keepdims)
    return T.linalg.vector_norm(a, ord=ord, dim=axis, keepdim=keepdims)


def _softmax_samples(rng):
    return [Sample((make_array(rng, (3, 4)),), {}), Sample((make_array(rng, (2, 3, 4)),), {"axis": 1}),
            Sample((make_array(rng, (5,)),), {"axis": 0}), Sample((make_array(rng, (2, 3)),), {"dim": 0}),
            Sample((make_array(rng, ()),), {})]


def _np_softmax(a, axis=-1, dim=None):
    e = np.exp(a - np.max(a, axis=dim if dim is not None else axis, keepdims=True))
    return e / np.sum(e, axis=dim if dim is not None else axis, keepdims=True)


def _np_log_softmax(a, axis=-1, dim=None):
    ax = dim if dim is not None else axis
    s = a - np.max(a, axis=ax, keepdims=True)
    return s - np.log(np.sum(np.exp(s), axis=ax, keepdims=True))


def _linear_samples(rng):
    return [Sample((make_array(rng, (4, 3)), make_array(rng, (2, 3)), make_array(rng, (2,)))),
            Sample((make_array(rng, (3,)), make_array(rng, (2, 3)), make_array(rng, (2,)))),
            Sample((make_array(rng, (2, 4, 3)), make_array(rng, (5, 3)), make_array(rng, (5,)))),
            Sample((make_array(rng, (2, 4, 3)), make_array(rng, (5, 3)))),
            Sample((make_array(rng, (3,)), make_array(rng, (2, 3)))),
            Sample((make_array(rng, (4, 3)), make_array(rng, (2, 3)), None))]


def _np_linear(x, w, b=None):
    return x @ w.T if b is None else x @ w.T + b


def _cumsum_samples(rng):
    """cumsum samples: each axis of a matrix, a middle and a negative axis, a vector, a 0-d input."""
    return [Sample((make_array(rng, (3, 4)),), {"dim": 0}), Sample((make_array(rng, (3, 4)),), {"dim": 1}),
            Sample((make_array(rng, (2, 3, 4)),), {"dim": -2}), Sample((make_array(rng, (5,)),), {"dim": 0}),
            Sample((make_array(rng, ()),), {"dim": 0})]


def _np_cumsum(a, dim):
    return np.cumsum(a, axis=dim) if a.ndim else a.copy()


REDUCTIONS = [
    OpInfo("sum", reduction_samples(), ref=np.sum, torch=_t_reduce("sum")),
    OpInfo("mean", reduction_samples(), ref=np.mean, torch=_t_reduce("mean"),
           errors=[ErrorInput((np.ones((2, 3)),), {"axis": 2}, ValueError,
                              r"mean: axis 2 is out of range for a tensor with 2 dims")]),
    OpInfo("var", _stat_samples, ref=_np_stat(np.var), torch=_t_reduce("var"),
           errors=[ErrorInput((np.ones((2, 3)),), {"axis": -3}, ValueError,
                              r"var: axis -3 is out of range for a tensor with 2 dims"),
                   ErrorInput((np.ones((2, 3)),), {"axis": (1, -1)}, ValueError,
                              r"var: axis contains a repeated axis; got \(1, 1\), expected distinct axes\."),
                   ErrorInput((np.ones((2, 3), dtype=np.int64),), {}, TypeError,
                              r"var: expected a floating dtype; got int64"),
                   ErrorInput((np.ones((2, 3)),), {"correction": "1"}, TypeError,
                              r"var: correction must be a number; got str")]),
    OpInfo("std", _stat_samples, ref=_np_stat(np.std), torch=_t_reduce("std"),
           errors=[ErrorInput((np.ones((2, 3)),), {"dim": 2}, ValueError,
                              r"std: axis 2 is out of range for a tensor with 2 dims")]),
    OpInfo("max", reduction_samples(), ref=np.amax, torch=_t_reduce("amax"),
           errors=[ErrorInput((np.ones((2, 3)),), {"axis": 2}, ValueError,
                              r"max: axis 2 is out of range for a tensor with 2 dims"),
                   ErrorInput((np.ones((0, 3)),), {"axis": 0}, ValueError,
                              r"max: cannot reduce over an empty axis; got shape \(0, 3\) with axis \(0,\)")]),
    OpInfo("min", reduction_samples(), ref=np.amin, torch=_t_reduce("amin"),
           errors=[ErrorInput((np.ones((2, 3)),), {"axis": -3}, ValueError,
                              r"min: axis -3 is out of range for a tensor with 2 dims"),
                   ErrorInput((np.ones((2, 0)),), {}, ValueError,
                              r"min: cannot reduce over an empty axis; got shape \(2, 0\) with axis None")]),
    OpInfo("prod", _prod_samples, ref=np.prod, torch=_t_prod,
           errors=[ErrorInput((np.ones((2, 3)),), {"axis": 5}, ValueError,
                              r"prod: axis 5 is out of range for a tensor with 2 dims")]),
    OpInfo("logsumexp", reduction_samples(), ref=_np_logsumexp, torch=_t_logsumexp,
           errors=[ErrorInput((np.ones((2, 3)),), {"axis": (0, 2)}, ValueError,
                              r"logsumexp: axis 2 is out of range for a tensor with 2 dims"),
                   ErrorInput((np.ones((2, 3), dtype=np.int64),), {}, TypeError,
                              r"logsumexp: expected a floating dtype; got int64")]),
    OpInfo("norm", _norm_samples, ref=_np_norm, torch=_t_norm,
           errors=[ErrorInput((np.ones((2, 3)), "nuc"), {}, ValueError,
                              r"norm: unsupported ord 'nuc'; expected a number, inf, -inf or 'fro'\."),
                   ErrorInput((np.ones((2, 3)), [1]), {}, TypeError, r"norm: ord must be a number or 'fro'; got list"),
                   ErrorInput((np.ones((2, 3)),), {"axis": 2}, ValueError,
                              r"norm: axis 2 is out of range for a tensor with 2 dims")]),    OpInfo("cumsum", _cumsum_samples, ref=_np_cumsum, torch=lambda T, a, dim: T.cumsum(a, dim),
           errors=[ErrorInput((np.ones((2, 3)),), {"dim": 2}, ValueError,
                              r"cumsum: axis 2 is out of range for a tensor with 2 dims"),
                   ErrorInput((np.ones((2, 3)),), {}, TypeError, r"cumsum: dim must be an int; got None")]),
]

NETWORK = [
    OpInfo("softmax", _softmax_samples, ref=_np_softmax,
           torch=lambda T, a, axis=-1, dim=None: T.softmax(a, dim=axis if dim is None else dim),
           errors=[ErrorInput((np.ones((2, 3)),), {"axis": 2}, ValueError,
                              r"softmax: axis 2 is out of range for a tensor with 2 dims"),
                   ErrorInput((np.ones((2, 3)),), {"axis": (0, 1)}, TypeError,
                              r"softmax: axis must be an int; got tuple"),
                   ErrorInput((np.ones((2, 3), dtype=np.int64),), {}, TypeError,
                              r"softmax: expected a floating dtype; got int64")]),
    OpInfo("log_softmax", _softmax_samples, ref=_np_log_softmax,
           torch=lambda T, a, axis=-1, dim=None: T.log_softmax(a, dim=axis if dim is None else dim),
           errors=[ErrorInput((np.ones((2, 3)),), {"dim": -3}, ValueError,
                              r"log_softmax: axis -3 is out of range for a tensor with 2 dims")]),
    OpInfo("linear", _linear_samples, ref=_np_linear,
           torch=lambda T, x, w, b=None: T.nn.functional.linear(x, w, b),
           errors=[ErrorInput((np.ones((32, 10)), np.ones((5, 12))), {}, ValueError,
                              r"^linear: x\.shape\[-1\] must equal weight\.shape\[1\]; got x \(32, 10\), "
                              r"weight \(5, 12\)\.$"),
                   ErrorInput((np.ones((4, 3)), np.ones((2, 3)), np.ones((3,))), {}, ValueError,
                              r"linear: bias must have shape \(out,\); got bias \(3,\), expected \(2,\)"),
                   ErrorInput((np.ones((4, 3)), np.ones((2, 3, 1))), {}, ValueError,
                              r"linear: weight must be 2-D \(out, in\); got shape \(2, 3, 1\)"),
                   ErrorInput((np.ones(()), np.ones((2, 3))), {}, ValueError,
                              r"linear: x must have at least 1 dim"),
                   ErrorInput((np.ones((4, 3), dtype=np.int64), np.ones((2, 3))), {}, TypeError,
                              r"linear: x, weight and bias must share one floating dtype; got int64, float64")]),
]

SHAPE = [
    OpInfo("reshape",
           lambda rng: [Sample((make_array(rng, (2, 3)), (3, 2))), Sample((make_array(rng, (2, 3)), -1)),
                        Sample((make_array(rng, (6,)), 1, 2, 3))],
           ref=lambda a, *s: np.reshape(a, s[0] if len(s) == 1 else s),
           torch=lambda T, a, *s: a.reshape(*s),
           errors=[ErrorInput((np.ones((2, 3)), (4, 2)), {}, ValueError,
                              r"reshape: cannot reshape a tensor of shape \(2, 3\) \(6 elements\) into \(4, 2\)")]),
    OpInfo("permute",
           lambda rng: [Sample((make_array(rng, (2, 3, 4)), (2, 0, 1))), Sample((make_array(rng, (2, 3)), 1, 0))],
           ref=lambda a, *p: np.transpose(a, p[0] if len(p) == 1 else p),
           torch=lambda T, a, *p: a.permute(*p)),
    OpInfo("expand",
           lambda rng: [Sample((make_array(rng, (3, 1)), (2, 3, 4))), Sample((make_array(rng, (3,)), 2, -1))],
           ref=lambda a, *s: np.broadcast_to(a, s[0] if len(s) == 1 else tuple(
               a.shape[i - (len(s) - a.ndim)] if v == -1 else v for i, v in enumerate(s))),
           torch=lambda T, a, *s: a.expand(*s),
           errors=[ErrorInput((np.ones((2, 3)), (4, 3)), {}, ValueError,
                              r"expand: a tensor of shape \(2, 3\) cannot be broadcast to \(4, 3\)")]),
    OpInfo("astype", lambda rng: [Sample((make_array(rng, (2, 3)), np.float32))],
           ref=lambda a, d: a.astype(d), torch=None,
           gradcheck_kwargs=dict(eps=1e-3, atol=1e-4, rtol=1e-3)),
    OpInfo("clone", unary_samples(), ref=np.copy, torch=lambda T, a: a.clone()),
]

# __getitem__, index_put, concatenate/cat, stack, split, chunk, pad
def _t_index(T, index):
    """A numpy-style index with ndarrays → the same index with torch tensors."""
    conv = lambda i: T.from_numpy(i) if isinstance(i, np.ndarray) else i
    return tuple(conv(i) for i in index) if isinstance(index, tuple) else conv(index)


def _t_index_put(T, a, index, value, accumulate=False):
    index = _t_index(T, index)
    if accumulate:
        return T.index_put(a, index if isinstance(index, tuple) else (index,), value, accumulate=True)
    out = a.clone()
    out[index] = value
    return out


def _t_pad(T, a, pad_width, value=0.0):
    pairs = np.broadcast_to(np.asarray(pad_width), (a.ndim, 2))
    return T.nn.functional.pad(a, [int(v) for pair in pairs[::-1] for v in pair], value=value)


def _getitem_samples(rng):
    x = lambda *s: make_array(rng, s)
    return [Sample((x(3, 4), 1)), Sample((x(3, 4), (slice(0, 2), -1))),
            Sample((x(2, 3, 4), (Ellipsis, None, slice(None, None, 2)))),
            Sample((x(4, 3), np.array([0, 2, 0, 3]))), Sample((x(3, 4), np.array([True, False, True]))),
            Sample((x(3, 4), (np.array([0, 2, 2]), np.array([1, 3, 1])))),
            Sample((x(2, 3, 4), (slice(None), np.array([[0, 2], [2, 2]]), 1))),
            Sample((x(3, 4), make_array(rng, (3, 4)) > 0)), Sample((x(), ())),
            Sample((x(3, 4), (slice(1, 1),)))]


def _index_put_samples(rng):
    x = lambda *s: make_array(rng, s)
    return [Sample((x(3, 4), 1, x(4))), Sample((x(3, 4), (slice(None), 2), x())),
            Sample((x(4, 3), np.array([0, 2]), x(2, 3))), Sample((x(3, 4), np.array([True, False, True]), x(1, 4))),
            Sample((x(4, 3), (np.array([0, 2, 0]),), x(3, 3)), {"accumulate": True}),
            Sample((x(3, 4), (np.array([1, 1, 2]), np.array([0, 0, 3])), x(3)), {"accumulate": True})]


INDEXING = [
    OpInfo("getitem", _getitem_samples, ref=lambda a, i: a[i],
           torch=lambda T, a, i: a[_t_index(T, i)],
           errors=[ErrorInput((np.ones((3, 4)), 5), {}, IndexError,
                              r"getitem: index 5 is out of range for axis 0 with size 3; got index 5, "
                              r"expected -3 <= index < 3\."),
                   ErrorInput((np.ones((3, 4)), (0, np.array([1, -6]))), {}, IndexError,
                              r"getitem: index -6 is out of range for axis 1 with size 4"),
                   ErrorInput((np.ones((3, 4)), (0, 1, 2)), {}, IndexError,
                              r"getitem: too many indices for a tensor of shape \(3, 4\); got 3 indexed axes"),
                   ErrorInput((np.ones((3, 4)), np.array([True, False])), {}, IndexError,
                              r"getitem: a bool mask of shape \(2,\) does not match the indexed axes \(0,\) "
                              r"of shape \(3,\)"),
                   ErrorInput((np.ones((3, 4)), np.array([0.0, 1.0])), {}, TypeError,
                              r"getitem: index arrays must have an integer or bool dtype; got dtype float64"),
                   ErrorInput((np.ones((3, 4)), 1.5), {}, TypeError, r"getitem: invalid index of type float")]),
    OpInfo("index_put", _index_put_samples,
           ref=lambda a, i, v, accumulate=False: ix.index_put(a, i, v, accumulate).data,
           torch=_t_index_put,
           errors=[ErrorInput((np.ones((3, 4)), 0, np.ones(3)), {}, ValueError,
                              r"index_put: value of shape \(3,\) does not broadcast to the indexed shape \(4,\)"),
                   ErrorInput((np.ones((3, 4)), 3, np.ones(4)), {}, IndexError,
                              r"index_put: index 3 is out of range for axis 0 with size 3")]),
    OpInfo("concatenate",
           lambda rng: [Sample(([make_array(rng, (2, 3)), make_array(rng, (1, 3))],)),
                        Sample(([make_array(rng, (2, 3)), make_array(rng, (2, 1)), make_array(rng, (2, 2))],),
                               {"axis": -1}),
                        Sample(([make_array(rng, (2, 0)), make_array(rng, (2, 2))],), {"axis": 1}),
                        Sample(([make_array(rng, (1, 2)), np.array([[1, 2]])],))],
           ref=np.concatenate, torch=lambda T, ts, axis=0: T.cat(ts, dim=axis),
           errors=[ErrorInput(([np.ones((2, 3)), np.ones((2, 4))],), {}, ValueError,
                              r"concatenate: tensor 1 has shape \(2, 4\) but tensor 0 has shape \(2, 3\); "
                              r"expected equal sizes on every axis except axis 0\."),
                   ErrorInput(([],), {}, ValueError, r"concatenate: expected a non-empty sequence of tensors"),
                   ErrorInput(([np.ones(2), np.ones((2, 1))],), {}, ValueError,
                              r"concatenate: tensor 1 has shape \(2, 1\) but tensor 0 has shape \(2,\)"),
                   ErrorInput(([np.ones(2), np.ones(2)],), {"axis": 1}, ValueError,
                              r"concatenate: axis 1 is out of range for a tensor with 1 dims")]),
    OpInfo("stack",
           lambda rng: [Sample(([make_array(rng, (2, 3)), make_array(rng, (2, 3))],)),
                        Sample(([make_array(rng, (3,)), make_array(rng, (3,)), make_array(rng, (3,))],), {"axis": -1}),
                        Sample(([make_array(rng, ()), make_array(rng, ())],))],
           ref=np.stack, torch=lambda T, ts, axis=0: T.stack(ts, dim=axis),
           errors=[ErrorInput(([np.ones((2, 3)), np.ones((3, 2))],), {}, ValueError,
                              r"stack: tensor 1 has shape \(3, 2\) but tensor 0 has shape \(2, 3\); "
                              r"expected all tensors to have the same shape\."),
                   ErrorInput(([np.ones((2, 3)), np.ones((2, 3))],), {"axis": 3}, ValueError,
                              r"stack: axis 3 is out of range for a tensor with 3 dims")]),
    OpInfo("split",
           lambda rng: [Sample((make_array(rng, (5, 2)), 2)), Sample((make_array(rng, (2, 6)), [1, 0, 5]), {"axis": 1}),
                        Sample((make_array(rng, (4,)), 4))],
           ref=lambda a, s, axis=0: np.split(a, np.cumsum(s)[:-1] if isinstance(s, list) else
                                             list(range(s, a.shape[axis], s)), axis=axis),
           torch=lambda T, a, s, axis=0: T.split(a, s, dim=axis),
           errors=[ErrorInput((np.ones((5, 2)), [2, 2]), {}, ValueError,
                              r"split: section sizes must sum to the size of axis 0; got \[2, 2\] \(sum 4\), "
                              r"expected sum 5\."),
                   ErrorInput((np.ones((5, 2)), 0), {}, ValueError, r"split: split_size must be positive; got 0")]),
    OpInfo("chunk",
           lambda rng: [Sample((make_array(rng, (6, 2)), 4)), Sample((make_array(rng, (2, 5)), 2), {"axis": 1}),
                        Sample((make_array(rng, (2,)), 5))],
           ref=None, torch=lambda T, a, c, axis=0: T.chunk(a, c, dim=axis),
           errors=[ErrorInput((np.ones((5, 2)), 0), {}, ValueError, r"chunk: chunks must be positive; got 0")]),
    OpInfo("pad",
           lambda rng: [Sample((make_array(rng, (2, 3)), 1)), Sample((make_array(rng, (2, 3)), ((0, 2), (1, 0)))),
                        Sample((make_array(rng, (2, 3, 2)), (1, 2)), {"value": -1.5})],
           ref=lambda a, pw, value=0.0: np.pad(a, pw, constant_values=value), torch=_t_pad,
           errors=[ErrorInput((np.ones((2, 3)), ((1, -1), (0, 0))), {}, ValueError,
                              r"pad: pad widths must be non-negative"),
                   ErrorInput((np.ones((2, 3)), ((1, 1), (0, 0), (2, 2))), {}, ValueError,
                              r"pad: pad_width .* does not fit a tensor with 2 dims")]),
]

# conv2d, max_pool2d, avg_pool2d, embedding, dropout, batch norm
def _conv_samples(rng):
    a = lambda *s: make_array(rng, s)  # noqa: E731
    return [Sample((a(2, 3, 5, 5), a(4, 3, 3, 3), a(4))),
            Sample((a(1, 2, 6, 5), a(3, 2, 2, 3), None), {"stride": 2, "padding": 1}),
            Sample((a(1, 4, 6, 5), a(4, 2, 3, 2), a(4)),
                   {"stride": (1, 2), "padding": (2, 1), "dilation": 2, "groups": 2}),
            Sample((a(2, 2, 4, 4), a(4, 1, 1, 1), None), {"groups": 2}),
            Sample((a(1, 1, 7, 6), a(2, 1, 3, 3), a(2)), {"stride": 3, "dilation": (2, 1)})]


def _conv_grad_samples(which):
    def samples(rng):
        out = []
        for s in _conv_samples(rng):
            x, w = s.args[0], s.args[1]
            kw = s.kwargs
            g = make_array(rng, cv.conv2d(x, w, **kw).shape)
            out.append(Sample((x.shape, w, g), kw) if which == "input" else Sample((x, w.shape, g), kw))
        return out
    return samples


def _pool_samples(rng):
    a = lambda *s: make_array(rng, s)  # noqa: E731
    return [Sample((a(2, 3, 4, 4), 2)), Sample((a(1, 2, 5, 7), 3), {"stride": 2, "padding": 1}),
            Sample((a(1, 2, 5, 6), (2, 3)), {"stride": (1, 2)}), Sample((a(1, 1, 6, 6), 3), {"stride": 1}),
            Sample((a(2, 1, 5, 5), 2), {"padding": 1}),
            Sample((a(1, 2, 6, 7), 3), {"stride": 2, "ceil_mode": True})]


def _unpool_samples(rng):
    out = []
    for s in _pool_samples(rng)[:3]:
        idx = pl.max_pool2d(s.args[0], s.args[1], return_indices=True, **s.kwargs)[1].numpy()
        out.append(Sample((make_array(rng, idx.shape), idx, s.args[1]), dict(s.kwargs, output_size=s.args[0].shape[2:])))
    return out


def _t_batch_norm_backward(T, g, x, w=None, eps=1e-5):
    """Torch counterpart of `batch_norm_backward`: the recorded gradient of training-mode F.batch_norm."""
    x = x if x.requires_grad else x.detach().requires_grad_()
    out = T.nn.functional.batch_norm(x, None, None, w, None, training=True, eps=eps)
    return T.autograd.grad(out, x, g, create_graph=True)[0]


def _t_batch_norm_weight_backward(T, g, x, eps=1e-5):
    """Torch counterpart of `batch_norm_weight_backward`: the recorded γ gradient of F.batch_norm."""
    w = T.ones(x.shape[1], dtype=x.dtype, requires_grad=True)
    out = T.nn.functional.batch_norm(x, None, None, w, None, training=True, eps=eps)
    return T.autograd.grad(out, w, g, create_graph=True)[0]


CONV = [
    OpInfo("conv2d", _conv_samples,
           torch=lambda T, x, w, b=None, **kw: T.nn.functional.conv2d(x, w, b, **kw),
           errors=[ErrorInput((np.ones((2, 3, 5, 5)), np.ones((4, 2, 3, 3))), {}, ValueError,
                              r"conv2d: x.shape\[1\] must equal weight.shape\[1\] \* groups; got x \(2, 3, 5, 5\), "
                              r"weight \(4, 2, 3, 3\), groups 1"),
                   ErrorInput((np.ones((1, 1, 3, 3)), np.ones((1, 1, 4, 2))), {}, ValueError,
                              r"conv2d: the \(dilated\) kernel is larger than the padded input; got kernel \(4, 2\)"),
                   ErrorInput((np.ones((5, 5)), np.ones((1, 3, 3, 3))), {}, ValueError,
                              r"conv2d: x must be 4-D \(N, C, H, W\) or 3-D \(C, H, W\); got shape \(5, 5\)"),
                   ErrorInput((np.ones((1, 4, 5, 5)), np.ones((3, 2, 3, 3))), {"groups": 2}, ValueError,
                              r"conv2d: weight.shape\[0\] must be divisible by groups"),
                   ErrorInput((np.ones((1, 2, 5, 5)), np.ones((3, 2, 3, 3)), np.ones(2)), {}, ValueError,
                              r"conv2d: bias must have shape \(C_out,\); got \(2,\), expected \(3,\)"),
                   ErrorInput((np.ones((1, 2, 5, 5)), np.ones((3, 2, 3, 3))), {"stride": 0}, ValueError,
                              r"conv2d: stride must be >= 1; got 0")]),
    OpInfo("conv2d_input", _conv_grad_samples("input"),
           torch=lambda T, size, w, g, **kw: T.nn.grad.conv2d_input(size, w, g, **kw)),
    OpInfo("conv2d_weight", _conv_grad_samples("weight"),
           torch=lambda T, x, size, g, **kw: T.nn.grad.conv2d_weight(x, size, g, **kw),
           errors=[ErrorInput((np.ones((1, 2, 5, 5)), (3, 2, 3, 3), np.ones((1, 3, 4, 4))), {}, ValueError,
                              r"conv2d_weight: grad_output has the wrong shape; got \(1, 3, 4, 4\), "
                              r"expected \(1, 3, 3, 3\)")]),
    OpInfo("max_pool2d", _pool_samples,
           torch=lambda T, x, k, **kw: T.nn.functional.max_pool2d(x, k, **kw),
           errors=[ErrorInput((np.ones((1, 1, 4, 4)), 2), {"padding": 2}, ValueError,
                              r"max_pool2d: padding must be at most half the kernel size; got padding \(2, 2\)"),
                   ErrorInput((np.ones((1, 1, 4, 4)), 0), {}, ValueError, r"max_pool2d: kernel_size must be >= 1"),
                   ErrorInput((np.ones((1, 1, 2, 2)), 3), {}, ValueError,
                              r"max_pool2d: the kernel is larger than the padded input"),
                   ErrorInput((np.ones((4, 4)), 2), {}, ValueError,
                              r"max_pool2d: x must be 4-D \(N, C, H, W\) or 3-D \(C, H, W\); got shape \(4, 4\)")]),
    OpInfo("max_unpool2d", _unpool_samples,
           errors=[ErrorInput((np.ones((1, 1, 2, 2)), np.zeros((1, 1, 2, 2)), 2), {}, TypeError,
                              r"max_unpool2d: indices must be integers; got dtype float64")]),
    OpInfo("avg_pool2d",
           lambda rng: _pool_samples(rng) + [Sample((make_array(rng, (1, 2, 5, 7)), 3),
                                                    {"stride": 2, "padding": 1, "count_include_pad": False})], torch=lambda T, x, k, **kw: T.nn.functional.avg_pool2d(x, k, **kw),
           errors=[ErrorInput((np.ones((1, 1, 4, 4)), 2), {"stride": -1}, ValueError,
                              r"avg_pool2d: stride must be >= 1; got -1")]),
    OpInfo("avg_pool2d_backward",
           lambda rng: [Sample((make_array(rng, (2, 3, 2, 3)), make_array(rng, (2, 3, 4, 6)), 2)),
                        Sample((make_array(rng, (1, 2, 3, 4)), make_array(rng, (1, 2, 5, 7)), 3),
                               {"stride": 2, "padding": 1, "count_include_pad": False}),
                        Sample((make_array(rng, (1, 1, 3, 3)), make_array(rng, (1, 1, 5, 5)), 2),
                               {"ceil_mode": True, "divisor_override": 3})],
           torch=lambda T, g, x, k, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
           divisor_override=None: T.ops.aten.avg_pool2d_backward(
               g, x.detach(), [k, k], [] if stride is None else [stride, stride], [padding, padding], ceil_mode,
               count_include_pad, divisor_override)),
    OpInfo("embedding",
           lambda rng: [Sample((np.array([[0, 2, 0], [3, 1, 2]]), make_array(rng, (4, 3)))),
                        Sample((np.array(1), make_array(rng, (2, 5)))),
                        Sample((np.array([0, 1, 1, 4]), make_array(rng, (5, 2))))], ref=lambda i, w, padding_idx=None: w[i],
           torch=lambda T, i, w, **kw: T.nn.functional.embedding(i, w, **kw),
           errors=[ErrorInput((np.array([0, 4]), np.ones((4, 2))), {}, ValueError,
                              r"embedding: indices must lie in \[0, num_embeddings\); got values in \[0, 4\]"),
                   ErrorInput((np.array([0.0]), np.ones((4, 2))), {}, TypeError,
                              r"embedding: indices must be an integer Tensor or ndarray; got dtype float64"),
                   ErrorInput((np.array([0]), np.ones(4)), {}, ValueError, r"embedding: weight must be 2-D")]),
    OpInfo("embedding_dense_backward",
           lambda rng: [Sample((make_array(rng, (2, 3, 3)), np.array([[0, 2, 0], [3, 1, 2]]), 4)),
                        Sample((make_array(rng, (4, 2)), np.array([0, 1, 1, 4]), 5), {"padding_idx": 1})],
           torch=lambda T, g, i, n, padding_idx=None: T.ops.aten.embedding_dense_backward(
               g, i, n, -1 if padding_idx is None else padding_idx, False)),
    OpInfo("dropout",
           lambda rng: [Sample((make_array(rng, (3, 4)),), {"p": 0.3, "training": False, "inverted": False}),
                        Sample((make_array(rng, (2, 3)),), {"p": 0.0}),
                        Sample((make_array(rng, (2, 3)),), {"p": 1.0})],
           errors=[ErrorInput((np.ones(3),), {"p": 1.5}, ValueError,
                              r"dropout: p must be a probability in \[0, 1\]; got 1.5"),
                   ErrorInput((np.ones(3),), {"p": -0.1}, ValueError, r"dropout: p must be a probability")]),
    OpInfo("batch_norm",
           lambda rng: [Sample((make_array(rng, (4, 3)), None, None, make_array(rng, (3,)), make_array(rng, (3,))),
                               {"training": True}),
                        Sample((make_array(rng, (3, 2, 4)), None, None, make_array(rng, (2,)), make_array(rng, (2,))),
                               {"training": True, "eps": 1e-3}),
                        Sample((make_array(rng, (2, 3, 2, 3)), None, None), {"training": True}),
                        Sample((make_array(rng, (2, 2, 3, 2)), None, None, make_array(rng, (2,))),
                               {"training": True})],
           torch=lambda T, x, rm, rv, w=None, b=None, **kw: T.nn.functional.batch_norm(x, rm, rv, w, b, **kw),
           errors=[ErrorInput((np.ones((1, 3)), None, None), {"training": True}, ValueError,
                              r"batch_norm: expected more than 1 value per channel when training; got input shape "
                              r"\(1, 3\)"),
                   ErrorInput((np.ones((4, 3)), np.zeros(2), np.ones(2)), {}, ValueError,
                              r"batch_norm: running_mean must have shape \(C,\); got \(2,\), expected \(3,\)")]),
    OpInfo("batch_norm_backward",
           lambda rng: [Sample((make_array(rng, (4, 3)), make_array(rng, (4, 3)), make_array(rng, (3,)))),
                        Sample((make_array(rng, (3, 2, 4)), make_array(rng, (3, 2, 4))), {"eps": 1e-3}),
                        Sample((make_array(rng, (2, 2, 3, 2)), make_array(rng, (2, 2, 3, 2)),
                                make_array(rng, (2,))))],
           torch=_t_batch_norm_backward),
    OpInfo("batch_norm_weight_backward",
           lambda rng: [Sample((make_array(rng, (4, 3)), make_array(rng, (4, 3)))),
                        Sample((make_array(rng, (2, 2, 3, 2)), make_array(rng, (2, 2, 3, 2))), {"eps": 1e-3})],
           torch=_t_batch_norm_weight_backward),
]

# fused losses: cross_entropy, nll_loss, binary_cross_entropy(_with_logits), …
def _loss_kw(T, like, kw):
    """Loss kwargs for torch: ndarray weights become torch tensors of the input's dtype."""
    return {k: T.from_numpy(np.asarray(v)).to(like.dtype) if isinstance(v, np.ndarray) else v
            for k, v in kw.items()}


def _t_loss(fname):
    """Torch counterpart of a loss: ``torch.nn.functional.<fname>(x, y, **kw)`` (see `_loss_kw`)."""
    def call(T, x, y, **kw):
        return getattr(T.nn.functional, fname)(x, y, **_loss_kw(T, x, kw))
    return call


def _probs(rng, shape):
    """Random class probabilities over axis 1 (positive, summing to 1)."""
    e = np.exp(rng.standard_normal(shape))
    return e / e.sum(axis=1, keepdims=True)


def _ce_samples(rng):
    t = lambda *s: rng.integers(0, 5, s)
    w = rng.uniform(0.5, 2.0, 5)
    ign = t(6)
    ign[[1, 4]] = -100
    return [Sample((make_array(rng, (4, 5)), t(4))),
            Sample((make_array(rng, (4, 5)), t(4)), {"reduction": "sum"}),
            Sample((make_array(rng, (4, 5)), t(4)), {"reduction": "none"}),
            Sample((make_array(rng, (6, 5)), t(6)), {"weight": w}),
            Sample((make_array(rng, (6, 5)), ign), {}),
            Sample((make_array(rng, (6, 5)), ign), {"weight": w, "label_smoothing": 0.2}),
            Sample((make_array(rng, (6, 5)), ign), {"weight": w, "reduction": "none", "label_smoothing": 0.1}),
            Sample((make_array(rng, (4, 5)), t(4)), {"label_smoothing": 0.1, "reduction": "sum"}),
            Sample((make_array(rng, (2, 5, 3, 2)), t(2, 3, 2)), {"weight": w}),
            Sample((make_array(rng, (2, 5, 3)), t(2, 3)), {"reduction": "none"}),
            Sample((make_array(rng, (5,)), np.array(3))),
            Sample((make_array(rng, (3, 5)), _probs(rng, (3, 5)))),
            Sample((make_array(rng, (3, 5)), _probs(rng, (3, 5))), {"weight": w, "label_smoothing": 0.3}),
            Sample((make_array(rng, (2, 5, 3)), _probs(rng, (2, 5, 3))), {"reduction": "none"})]


def _ce_backward_samples(rng):
    """`_ce_samples` with the loss adjoint first (0-d, or the loss's shape for 'none')."""
    out = []
    for s in _ce_samples(rng):
        x = s.args[0]
        shape = x.shape[:1] + x.shape[2:] if s.kwargs.get("reduction") == "none" and x.ndim > 1 else ()
        out.append(Sample((make_array(rng, shape),) + s.args, s.kwargs))
    return out


def _t_ce_backward(T, g, x, t, **kw):
    """Torch counterpart of `cross_entropy_backward`: the recorded gradient of F.cross_entropy."""
    x = x if x.requires_grad else x.detach().requires_grad_()
    loss = T.nn.functional.cross_entropy(x, t, **_loss_kw(T, x, kw))
    return T.autograd.grad(loss, x, g, create_graph=True)[0]


def _nll_samples(rng):
    t = lambda *s: rng.integers(0, 4, s)
    w = rng.uniform(0.5, 2.0, 4)
    ign = t(5)
    ign[2] = 1
    return [Sample((make_array(rng, (5, 4)), t(5))),
            Sample((make_array(rng, (5, 4)), t(5)), {"reduction": "sum", "weight": w}),
            Sample((make_array(rng, (5, 4)), t(5)), {"reduction": "none"}),
            Sample((make_array(rng, (5, 4)), ign), {"ignore_index": 1, "weight": w}),
            Sample((make_array(rng, (2, 4, 3)), t(2, 3)), {"weight": w}),
            Sample((make_array(rng, (4,)), np.array(2)))]


def _pointwise_loss_samples(x_maker, y_maker, extra=()):
    """Samples for an elementwise loss: each reduction on a (3, 4) pair, a 0-d pair, and extras."""
    def samples(rng):
        out = [Sample((x_maker(rng, (3, 4)), y_maker(rng, (3, 4))), {"reduction": r})
               for r in ("mean", "sum", "none")]
        out.append(Sample((x_maker(rng, ()), y_maker(rng, ()))))
        out += [Sample((x_maker(rng, (2, 4)), y_maker(rng, (2, 4))), dict(kw(rng) if callable(kw) else kw))
                for kw in extra]
        return out
    return samples


def _hinge_scores(rng, shape):
    """Scores away from the hinge's kinks at ±1 (|s| in [0, 0.8] or [1.2, 2.5])."""
    mag = np.where(rng.random(shape) < 0.5, rng.uniform(0.0, 0.8, shape), rng.uniform(1.2, 2.5, shape))
    return np.asarray(mag * rng.choice([-1.0, 1.0], shape), dtype=np.float64)


def _t_hinge(T, s, y, margin=1.0, reduction="mean"):
    loss = T.clamp(margin - y * s, min=0)
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


_normal = lambda rng, s: make_array(rng, s)
_unit01 = lambda rng, s: np.asarray(rng.uniform(0.05, 0.95, s))
_log_probs = lambda rng, s: np.log(_probs(rng, s)) if len(s) >= 2 else np.asarray(-rng.uniform(0.1, 2.0, s))
_probs_or = lambda rng, s: _probs(rng, s) if len(s) >= 2 else np.asarray(rng.uniform(0.1, 1.0, s))
_labels_pm1 = lambda rng, s: np.asarray(rng.choice([-1.0, 1.0], s), dtype=np.float64)

LOSSES = [
    OpInfo("mse_loss", _pointwise_loss_samples(_normal, _normal),
           torch=_t_loss("mse_loss"),
           errors=[ErrorInput((np.ones((2, 3)), np.ones((4,))), {}, ValueError,
                              r"mse_loss: input of shape \(2, 3\) and target of shape \(4,\) do not broadcast"),
                   ErrorInput((np.ones(3), np.ones(3)), {"reduction": "avg"}, ValueError,
                              r"mse_loss: reduction must be one of 'mean', 'sum', 'none'; got 'avg'")]),
    OpInfo("l1_loss", _pointwise_loss_samples(_normal, _normal),
           torch=_t_loss("l1_loss"),
           errors=[ErrorInput((np.ones(3, dtype=np.int64), np.ones(3)), {}, TypeError,
                              r"l1_loss: input must be floating; got dtype int64")]),
    OpInfo("binary_cross_entropy",
           _pointwise_loss_samples(_unit01, _unit01, [lambda rng: {"weight": rng.uniform(0.5, 2.0, 4)},
                                                      lambda rng: {"weight": rng.uniform(0.5, 2.0, (2, 1)),
                                                                   "reduction": "none"}]), gradcheck_kwargs={"eps": 1e-7, "atol": 1e-5, "rtol": 1e-4},
           torch=_t_loss("binary_cross_entropy"),
           errors=[ErrorInput((np.array([0.5, 1.5]), np.array([0.0, 1.0])), {}, ValueError,
                              r"binary_cross_entropy: input values must be probabilities in \[0, 1\]"),
                   ErrorInput((np.array([0.5, 0.5]), np.array([0.0, 1.0])), {"weight": np.ones(3)}, ValueError,
                              r"binary_cross_entropy: weight of shape \(3,\) does not broadcast to the input "
                              r"shape \(2,\)")]),
    OpInfo("binary_cross_entropy_with_logits",
           _pointwise_loss_samples(lambda rng, s: np.asarray(3 * make_array(rng, s)), _unit01,
                                   [lambda rng: {"weight": rng.uniform(0.5, 2.0, 4)},
                                    lambda rng: {"pos_weight": rng.uniform(0.5, 3.0, 4)},
                                    lambda rng: {"pos_weight": rng.uniform(0.5, 3.0, 4), "reduction": "none",
                                                 "weight": rng.uniform(0.5, 2.0, (2, 1))}]),
           torch=_t_loss("binary_cross_entropy_with_logits"),
           errors=[ErrorInput((np.ones((2, 3)), np.ones((2, 3))), {"pos_weight": np.ones(5)}, ValueError,
                              r"binary_cross_entropy_with_logits: pos_weight of shape \(5,\) does not broadcast "
                              r"to the input shape \(2, 3\)")]),
    OpInfo("kl_div",
           _pointwise_loss_samples(_log_probs, _probs_or, [{"reduction": "batchmean"},
                                                           lambda rng: {"log_target": True}]), torch=_t_loss("kl_div"),
           errors=[ErrorInput((np.ones(3), np.ones(3)), {"reduction": "avg"}, ValueError,
                              r"kl_div: reduction must be one of 'mean', 'sum', 'none', 'batchmean'; got 'avg'")]),
    OpInfo("hinge_loss",
           _pointwise_loss_samples(_hinge_scores, _labels_pm1, [{"margin": 0.5, "reduction": "sum"}]), torch=_t_hinge,
           errors=[ErrorInput((np.ones(3, dtype=np.int64), np.ones(3)), {}, TypeError,
                              r"hinge_loss: input must be floating; got dtype int64")]),
    OpInfo("cross_entropy", _ce_samples,
           torch=_t_loss("cross_entropy"),
           errors=[ErrorInput((np.ones((2, 3)), np.array([0, 3])), {}, ValueError,
                              r"cross_entropy: target 3 is out of bounds; got 3, expected 0 <= target < 3"),
                   ErrorInput((np.ones((2, 3)), np.array([0, 1, 2])), {}, ValueError,
                              r"cross_entropy: target shape \(3,\) does not match the input shape \(2, 3\); "
                              r"expected \(2,\)"),
                   ErrorInput((np.ones((2, 3)), np.array([0, 1])), {"reduction": "avg"}, ValueError,
                              r"cross_entropy: reduction must be one of 'mean', 'sum', 'none'; got 'avg'"),
                   ErrorInput((np.ones((2, 3)), np.array([0, 1])), {"weight": np.ones(2)}, ValueError,
                              r"cross_entropy: weight must have shape \(3,\); got \(2,\)"),
                   ErrorInput((np.ones((2, 3), dtype=np.int64), np.array([0, 1])), {}, TypeError,
                              r"cross_entropy: input must be floating; got dtype int64")]),
    OpInfo("cross_entropy_backward", _ce_backward_samples, torch=_t_ce_backward),
    OpInfo("nll_loss", _nll_samples,
           torch=_t_loss("nll_loss"),
           errors=[ErrorInput((np.ones((2, 3)), np.array([0.0, 1.0])), {}, TypeError,
                              r"nll_loss: target must hold int class indices; got dtype float64"),
                   ErrorInput((np.ones((2, 3)), np.array([-1, 1])), {}, ValueError,
                              r"nll_loss: target -1 is out of bounds")]),
]

OPS = ARITHMETIC + ELEMENTWISE + REDUCTIONS + NETWORK + SHAPE + INDEXING + CONV + LOSSES
