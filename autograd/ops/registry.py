"""`OPS`: the one table of differentiable ops (STYLE.md section 2), wiring only.

One row per op: its public name (``autograd.<name>``, and the Tensor method's name), its
`Function` class (None for ops composed of other ops) and public function, and whether it
is a Tensor method. `ALIASES`, `OPERATORS`, `CONVERSIONS` and `INPLACE` map further public
names, Python operators, PyTorch's conversion methods and in-place methods to the same
functions (numpy's ufuncs: ufuncs.py); `install()` attaches the methods and operators to
Tensor. The test data of each op (samples, references, the PyTorch
counterpart, error inputs) is in tests/autograd/op_db.py; a test fails if a `Function`
subclass is missing from this table.
"""
from dataclasses import dataclass
from typing import Callable, Optional

from .. import engine
from . import activation as ac
from . import arithmetic as ar
from . import compare as cp
from . import conv as cv
from . import conversions as cs
from . import cross_entropy as ce
from . import elementwise as ew
from . import indexing as ix
from . import inplace as ip
from . import join as jn
from . import layers as ly
from . import loss as ls
from . import network as nw
from . import norm as nm
from . import pool as pl
from . import reduce as rd
from . import shape as sh
from . import statistics as st
from .ufuncs import array_ufunc


@dataclass(frozen=True)
class Op:
    """One row of the op table.

    Attributes:
        name: public name (``autograd.<name>``, and the method name when `method` is True).
        function: the `Function` subclass (None for ops composed of other ops).
        op: the public function.
        method: True to attach ``op`` as a Tensor method, a callable to attach that instead,
            False for none.
    """
    name: str
    function: Optional[type]
    op: Callable
    method: object = True


OPS = [
    # arithmetic
    Op("add", ar.Add, ar.add),
    Op("sub", ar.Sub, ar.sub),
    Op("mul", ar.Mul, ar.mul),
    Op("div", ar.Div, ar.div),
    Op("neg", ar.Neg, ar.neg),
    Op("pow", ar.Pow, ar.pow),
    Op("matmul", ar.Matmul, ar.matmul),
    # elementwise: math (ew), activations (ac), comparisons and selection (cp)
    Op("exp", ew.Exp, ew.exp),
    Op("log", ew.Log, ew.log),
    Op("relu", ac.Relu, ac.relu),
    Op("log1p", ew.Log1p, ew.log1p),
    Op("sqrt", ew.Sqrt, ew.sqrt),
    Op("abs", ew.Abs, ew.abs),
    Op("sign", ew.Sign, ew.sign),
    Op("sin", ew.Sin, ew.sin),
    Op("cos", ew.Cos, ew.cos),
    Op("tanh", ew.Tanh, ew.tanh),
    Op("sigmoid", ac.Sigmoid, ac.sigmoid),
    Op("leaky_relu", ac.LeakyRelu, ac.leaky_relu, method=False),
    Op("elu", ac.Elu, ac.elu, method=False),
    Op("gelu", ac.Gelu, ac.gelu, method=False),
    Op("gelu_backward", ac.GeluGrad, ac.gelu_backward, method=False),
    Op("erf", ew.Erf, ew.erf),
    Op("softplus", ac.Softplus, ac.softplus, method=False),
    Op("clip", cp.Clip, cp.clip),
    Op("maximum", cp.Maximum, cp.maximum),
    Op("minimum", cp.Minimum, cp.minimum),
    Op("where", cp.Where, cp.where, method=lambda self, cond, other: cp.where(cond, self, other)),
    # reductions (rd), statistics (st), norms (nm)
    Op("sum", rd.Sum, rd.sum),
    Op("mean", rd.Mean, rd.mean),
    Op("var", st.Var, st.var),
    Op("std", st.Std, st.std),
    Op("max", rd.Max, rd.max),
    Op("min", rd.Min, rd.min),
    Op("prod", rd.Prod, rd.prod),
    Op("logsumexp", rd.LogSumExp, rd.logsumexp),
    Op("norm", nm.Norm, nm.norm),
    Op("cumsum", rd.Cumsum, rd.cumsum),
    # network
    Op("softmax", nw.Softmax, nw.softmax),
    Op("log_softmax", nw.LogSoftmax, nw.log_softmax),
    Op("linear", nw.Linear, nw.linear, method=False),
    # shape
    Op("reshape", sh.Reshape, sh.reshape),
    Op("permute", sh.Permute, sh.permute),
    Op("expand", sh.Expand, sh.expand),
    Op("astype", sh.AsType, sh.astype),
    Op("clone", sh.Clone, sh.clone),
    # indexing and joins
    Op("getitem", ix.Getitem, ix.getitem, method=False),
    Op("index_put", ix.IndexPut, ix.index_put),
    Op("concatenate", jn.Concatenate, jn.concatenate, method=False),
    Op("stack", jn.Stack, jn.stack, method=False),
    Op("split", None, jn.split),
    Op("chunk", None, jn.chunk),
    Op("pad", jn.Pad, jn.pad, method=False),
    # convolution, pooling, embedding, dropout, batch norm
    Op("conv2d", cv.Conv2d, cv.conv2d, method=False),
    Op("conv2d_input", cv.Conv2dInput, cv.conv2d_input, method=False),
    Op("conv2d_weight", cv.Conv2dWeight, cv.conv2d_weight, method=False),
    Op("max_pool2d", pl.MaxPool2d, pl.max_pool2d, method=False),
    Op("max_unpool2d", pl.MaxUnpool2d, pl.max_unpool2d, method=False),
    Op("avg_pool2d", pl.AvgPool2d, pl.avg_pool2d, method=False),
    Op("avg_pool2d_backward", pl.AvgPool2dBackward, pl.avg_pool2d_backward, method=False),
    Op("embedding", ly.Embedding, ly.embedding, method=False),
    Op("embedding_dense_backward", ly.EmbeddingDenseBackward, ly.embedding_dense_backward, method=False),
    Op("dropout", ly.Dropout, ly.dropout, method=False),
    Op("batch_norm", ly.BatchNorm, ly.batch_norm, method=False),
    Op("batch_norm_backward", ly.BatchNormBackward, ly.batch_norm_backward, method=False),
    Op("batch_norm_weight_backward", ly.BatchNormWeightBackward, ly.batch_norm_weight_backward, method=False),
    # losses: elementwise (ls), over a class axis (ce)
    Op("mse_loss", ls.MseLoss, ls.mse_loss, method=False),
    Op("l1_loss", ls.L1Loss, ls.l1_loss, method=False),
    Op("binary_cross_entropy", ls.BinaryCrossEntropy, ls.binary_cross_entropy, method=False),
    Op("binary_cross_entropy_with_logits", ls.BinaryCrossEntropyWithLogits,
       ls.binary_cross_entropy_with_logits, method=False),
    Op("kl_div", ls.KlDiv, ls.kl_div, method=False),
    Op("hinge_loss", ls.HingeLoss, ls.hinge_loss, method=False),
    Op("cross_entropy", ce.CrossEntropy, ce.cross_entropy, method=False),
    Op("cross_entropy_backward", ce.CrossEntropyBackward, ce.cross_entropy_backward, method=False),
    Op("nll_loss", ce.NllLoss, ce.nll_loss, method=False),
]
BY_NAME = {row.name: row for row in OPS}

# Public functions that are thin spellings of a table op (same Function underneath).
ALIASES = {
    "cat": jn.cat, "concatenate": jn.concatenate, "stack": jn.stack,
    "clamp": cp.clamp,
    "view": sh.view, "flatten": sh.flatten, "transpose": sh.transpose, "swapaxes": sh.swapaxes,
    "squeeze": sh.squeeze, "unsqueeze": sh.unsqueeze, "broadcast_to": sh.broadcast_to,
    "argmax": rd.argmax, "argmin": rd.argmin, "all": rd.all, "any": rd.any,
    "dot": ar.dot, "mv": ar.mv, "mm": ar.mm, "bmm": ar.bmm,  # matmul with PyTorch's rank checks
}

# Python operators → public functions (reflected forms swap the operands).
OPERATORS = {
    "__add__": ar.add, "__radd__": lambda a, b: ar.add(b, a),
    "__sub__": ar.sub, "__rsub__": lambda a, b: ar.sub(b, a),
    "__mul__": ar.mul, "__rmul__": lambda a, b: ar.mul(b, a),
    "__truediv__": ar.div, "__rtruediv__": lambda a, b: ar.div(b, a),
    "__pow__": ar.pow, "__rpow__": lambda a, b: ar.pow(b, a),
    "__matmul__": ar.matmul, "__rmatmul__": lambda a, b: ar.matmul(b, a),
    "__neg__": ar.neg, "__abs__": ew.abs,
    "__getitem__": ix.getitem,
    "__or__": cp.bitwise_or, "__ror__": lambda a, b: cp.bitwise_or(b, a),
    "__and__": cp.bitwise_and, "__rand__": lambda a, b: cp.bitwise_and(b, a),
    "__xor__": cp.bitwise_xor, "__rxor__": lambda a, b: cp.bitwise_xor(b, a),
    "__invert__": cp.bitwise_not,
    "__eq__": cp.eq, "__ne__": cp.ne, "__lt__": cp.lt, "__le__": cp.le, "__gt__": cp.gt, "__ge__": cp.ge,
    "__setitem__": ip.setitem,
    # augmented assignment is in place, as in PyTorch (same memory, version bumped, recorded)
    "__iadd__": ip.iadd, "__isub__": ip.isub, "__imul__": ip.imul, "__itruediv__": ip.itruediv,
}

# PyTorch's conversion habits (ops/conversions.py): casts and transposes by the table's ops.
CONVERSIONS = {
    "to": cs.to, "float": cs.float_, "double": cs.double, "half": cs.half, "long": cs.long, "int": cs.int_,
    "bool": cs.bool_, "type": cs.type_, "t": cs.t, "mT": property(cs.mT), "contiguous": cs.contiguous,
}

# In-place Tensor methods (ops/inplace.py): the new values come from the table's ops above.
INPLACE = {
    "add_": ip.add_, "sub_": ip.sub_, "mul_": ip.mul_, "div_": ip.div_,
    "zero_": ip.zero_, "fill_": ip.fill_, "copy_": ip.copy_, "normal_": ip.normal_, "uniform_": ip.uniform_,
}


def install(tensor_cls):
    """Attach the table's methods, aliases, operators, in-place methods and numpy's ufunc hook
    to `tensor_cls` (called once, by ``autograd/__init__.py``)."""
    for info in OPS:
        if info.method is True:
            setattr(tensor_cls, info.name, info.op)
        elif callable(info.method):
            setattr(tensor_cls, info.name, info.method)
    for name, fn in ALIASES.items():
        setattr(tensor_cls, name, fn)
    for name, fn in (*OPERATORS.items(), *CONVERSIONS.items(), *INPLACE.items()):
        setattr(tensor_cls, name, fn)
    tensor_cls.__array_ufunc__ = array_ufunc
    tensor_cls.backward = engine.backward


def public_functions():
    """``{name: function}`` of every op exported as ``autograd.<name>``."""
    out = {info.name: info.op for info in OPS}
    out.update(ALIASES)
    return out
