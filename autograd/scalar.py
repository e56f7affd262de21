"""`Scalar`: a Python float with a gradient — a drop-in for micrograd's `Value`.

A Scalar made by an op is itself the graph node: `next` gives its operands and `_local`
the local derivatives ∂out/∂operand computed in the forward pass (None for ×, + and −, whose
`_backprop` reads them from the operands or knows them), so its VJP is ā_i = ḡ · ∂out/∂a_i.
A node is ONE object with only the slots it needs set: every object that lives through the
forward pass, and every reference it holds, costs the cyclic GC work in each collection
(W1 builds ~65,000 nodes a step; the collector takes ~40 % of its step). The operands sit
in slots (`_a`, `_b`) and `next` is the tuple built when asked (in C, by an attrgetter, for
binary ops); the name is unset until given. Binary op outputs are `_Binary`s, unary ones
`_Unary`s, hand-made nodes `_TupleScalar`s (a tuple in `_a`); inputs have ``next == ()``. It
runs on the same sweep (`engine.iter_backward`), pictures and stepper as Tensors, holds no
closure, and so forms no reference cycle.
"""
import math
from collections import deque
from operator import attrgetter

from .engine import iter_backward

# The VJP rule of each Scalar op, for pictures and the stepper (ḡ: the output's adjoint).
RULES = {
    "+": "ā = ḡ,  b̄ = ḡ",
    "-": "ā = ḡ,  b̄ = −ḡ",
    "*": "ā = ḡ·b,  b̄ = ḡ·a",
    "/": "ā = ḡ/b,  b̄ = −ḡ·a/b²",
    "neg": "ā = −ḡ",
    "**": "ā = ḡ·b·a^(b−1),  b̄ = ḡ·out·ln a",
    "exp": "ā = ḡ·out",
    "log": "ā = ḡ/a",
    "tanh": "ā = ḡ·(1 − out²)",
    "sigmoid": "ā = ḡ·out·(1 − out)",
    "ReLU": "ā = ḡ·1[out > 0]",
    "sin": "ā = ḡ·cos a",
    "cos": "ā = −ḡ·sin a",
}
RULES_LATEX = {
    "+": r"\bar a = \bar g,\; \bar b = \bar g",
    "-": r"\bar a = \bar g,\; \bar b = -\bar g",
    "*": r"\bar a = \bar g\, b,\; \bar b = \bar g\, a",
    "/": r"\bar a = \bar g / b,\; \bar b = -\bar g\, a / b^2",
    "neg": r"\bar a = -\bar g",
    "**": r"\bar a = \bar g\, b\, a^{b-1},\; \bar b = \bar g\, \mathrm{out} \ln a",
    "exp": r"\bar a = \bar g\, \mathrm{out}",
    "log": r"\bar a = \bar g / a",
    "tanh": r"\bar a = \bar g\,(1 - \mathrm{out}^2)",
    "sigmoid": r"\bar a = \bar g\, \mathrm{out}(1 - \mathrm{out})",
    "ReLU": r"\bar a = \bar g\, \mathbb{1}[\mathrm{out} > 0]",
    "sin": r"\bar a = \bar g \cos a",
    "cos": r"\bar a = -\bar g \sin a",
}


# Ops whose local derivatives are constants (±1): their nodes keep nothing for backward.
CONSTANT_LOCAL_OPS = frozenset({"+", "-", "neg"})

_RELU_ON, _RELU_OFF = (1.0,), (0.0,)  # ReLU's local derivatives, shared (no tuple per node)
_alloc = object.__new__


def _pow_ieee(a, b):
    """a ** b where Python raises (0 to a negative power, overflow), as C's pow and PyTorch: NaN
    for a < 0 and a non-integer b, else ±inf (−inf when a is negative or −0 and b an odd integer)."""
    if a < 0 and b % 1 != 0:
        return math.nan
    return -math.inf if math.copysign(1.0, a) < 0 and b % 2 == 1 else math.inf


def _pow_raising(a, b):
    """(a ** b, b·a^(b−1)) when Python's float pow raised for one of them (0 to a negative
    power, overflow): the IEEE values of `_pow_ieee` instead."""
    try:
        out = a ** b
    except (ZeroDivisionError, OverflowError):
        out = _pow_ieee(a, b)
    try:
        da = b * a ** (b - 1) if b != 0 else 0.0
    except (ZeroDivisionError, OverflowError):
        da = b * _pow_ieee(a, b - 1)
    if out.__class__ is complex or da.__class__ is complex:
        return math.nan, math.nan
    return out, da


def _new(kind, data, a, b, op, local):
    """An op's output Scalar of class `kind`: operands `a` and `b` (None for a unary op), op
    symbol `op`, local derivatives `local` (None for ×, + and −). Only the slots a node needs
    are set: an unset slot costs nothing to store, to traverse in each collection of the
    cyclic GC, or to free."""
    s = _alloc(kind)
    s.data = data
    s.grad = 0.0
    s._a = a
    s._op = op
    if b is not None:
        s._b = b
    if local is not None:
        s._loc = local
    return s


def _as_float(data):
    """`Scalar`'s value from what the user gave (a number, a numpy scalar or a Scalar).

    Raises:
        TypeError: if `data` is not a real number.
    """
    if isinstance(data, Scalar):
        return data.data
    try:
        return float(data)
    except (TypeError, ValueError):
        raise TypeError(f"Scalar: data must be a real number; got {type(data).__name__}.") from None


class Scalar:
    """A scalar value in a computation graph (micrograd's `Value`, on tracegrad's engine).

    Args:
        data (float): the value.
        name (str): label shown in pictures (alias: `label`).

    Attributes:
        data (float), grad (float, 0.0 until backward), `_prev` (set of operand Scalars),
        `_op` (the op's symbol, '' for inputs), name/label (str, '' unless set).

    Ops: ``+ - * / **`` (with numbers or Scalars, either side), unary ``-``, `exp`, `log`,
    `tanh`, `sigmoid`, `relu`, `sin`, `cos`. After `backward()` every node keeps its grad.

    Raises:
        TypeError: if `data` is not a real number.
    """

    # `_loc`: the local derivatives kept by an op node (read through `_local`); `_name`: the
    # name, unset on op outputs until one is given (read through `name`).
    __slots__ = ("data", "grad", "_a", "_b", "_op", "_loc", "_name", "__weakref__")

    def __init__(self, data, name="", *, label=None, _children=(), _op=""):
        self.data = data if data.__class__ is float else _as_float(data)
        self.grad = 0.0
        self._op = _op
        self._name = label if label is not None else name
        if not _children:
            self._loc = ()
            return
        # an op output made by hand (micrograd's Value(data, _children, _op)): ∂out/∂child = 1
        self._a = tuple(_children)
        self._loc = (1.0,) * len(self._a)
        self.__class__ = _TupleScalar

    next = ()  # graph protocol (engine.py): an input Scalar is a leaf, with no upstream items
    _leaf = True

    # micrograd's names ---------------------------------------------------------------------
    @property
    def _prev(self):
        """set: the operand Scalars this one was computed from (micrograd's `_prev`)."""
        return set(self.next)

    @property
    def name(self):
        """str: label shown in pictures ('' unless set)."""
        return getattr(self, "_name", "")

    @name.setter
    def name(self, value):
        """Set the name."""
        self._name = value

    @property
    def label(self):
        """str: alias of `name` (micrograd's `label`)."""
        return self.name

    @label.setter
    def label(self, value):
        """Set the label (same as setting `name`)."""
        self.name = value

    @property
    def _local(self):
        """tuple or None: the local derivatives ∂out/∂operand the node keeps (() for inputs;
        None for ×, + and −, whose `_backprop` reads them from the operands or knows them)."""
        return getattr(self, "_loc", None)

    @property
    def rule(self):
        """str: the VJP rule of the op that made this Scalar ('' for inputs)."""
        return RULES.get("**" if self._op.startswith("**") else self._op, "")

    @property
    def rule_latex(self):
        """str: the same rule in LaTeX."""
        return RULES_LATEX.get("**" if self._op.startswith("**") else self._op, "")

    @property
    def shape(self):
        """(): a Scalar is 0-d (for pictures shared with Tensors)."""
        return ()

    # arithmetic ----------------------------------------------------------------------------
    def __add__(self, other):
        if not isinstance(other, Scalar):
            other = Scalar(other)
        return _new(_Binary, self.data + other.data, self, other, "+", None)

    def __radd__(self, other):
        return Scalar(other) + self

    def __mul__(self, other):
        if not isinstance(other, Scalar):
            other = Scalar(other)
        return _new(_Binary, self.data * other.data, self, other, "*", None)

    def __rmul__(self, other):
        return Scalar(other) * self

    def __sub__(self, other):
        if not isinstance(other, Scalar):
            other = Scalar(other)
        return _new(_Binary, self.data - other.data, self, other, "-", None)

    def __rsub__(self, other):
        return Scalar(other) - self

    def __truediv__(self, other):
        if not isinstance(other, Scalar):
            other = Scalar(other)
        b = other.data
        return _new(_Binary, self.data / b, self, other, "/", (1.0 / b, -self.data / (b * b)))

    def __rtruediv__(self, other):
        return Scalar(other) / self

    def __neg__(self):
        return _new(_Unary, -self.data, self, None, "neg", (-1.0,))

    def __pow__(self, other):
        """a ** b in float math as PyTorch (NaN for a negative base to a non-integer power, ±inf
        on overflow and for 0 to a negative power, never complex, never an exception); local
        derivatives b·a^(b−1) (0 for b = 0) and, for a Scalar exponent, out·ln a (0 where a = 0
        and b ≥ 0, NaN where a < 0).

        Raises:
            TypeError: if the exponent is neither a number nor a Scalar.
        """
        a = self.data
        if isinstance(other, Scalar):
            b = other.data
        elif isinstance(other, (int, float)):
            b = other
        else:
            raise TypeError(f"Scalar **: exponent must be a number or a Scalar; got {type(other).__name__}.")
        try:
            out = a ** b
            da = b * a ** (b - 1) if b != 0 else 0.0
        except (ZeroDivisionError, OverflowError):
            out, da = _pow_raising(a, b)
        else:
            if out.__class__ is complex:  # a < 0, b not an integer (then da is complex too)
                out = da = math.nan
        if b is other:  # a number exponent
            return _new(_Unary, out, self, None, f"**{other}", (da,))
        if a > 0:
            dlog = out * math.log(a)
        else:  # log a is −inf at 0 and NaN below, as PyTorch's out·log(a)
            dlog = 0.0 if a == 0 and b >= 0 else out * (-math.inf if a == 0 else math.nan)
        return _new(_Binary, out, self, other, "**", (da, dlog))

    def __rpow__(self, other):
        return Scalar(other) ** self

    # functions -----------------------------------------------------------------------------
    def exp(self):
        """e^x (inf on overflow, as PyTorch; Python raises); local derivative e^x."""
        try:
            out = math.exp(self.data)
        except OverflowError:
            out = math.inf
        return _new(_Unary, out, self, None, "exp", (out,))

    def log(self):
        """Natural log (x > 0); local derivative 1/x.

        Raises:
            ValueError: if x ≤ 0.
        """
        if self.data <= 0:
            raise ValueError(f"Scalar.log: expected a positive value; got {self.data}.")
        return _new(_Unary, math.log(self.data), self, None, "log", (1.0 / self.data,))

    def tanh(self):
        """Hyperbolic tangent; local derivative 1 − tanh²."""
        t = math.tanh(self.data)
        return _new(_Unary, t, self, None, "tanh", (1.0 - t * t,))

    def sigmoid(self):
        """Logistic σ(x) = 1/(1 + e^−x), computed stably; local derivative σ(1 − σ)."""
        x = self.data
        s = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        return _new(_Unary, s, self, None, "sigmoid", (s * (1.0 - s),))

    def relu(self):
        """max(x, 0); local derivative 1[x > 0] (0 at x = 0)."""
        x = self.data
        if x > 0:
            return _new(_Unary, x, self, None, "ReLU", _RELU_ON)
        return _new(_Unary, 0.0, self, None, "ReLU", _RELU_OFF)

    def sin(self):
        """Sine; local derivative cos x."""
        return _new(_Unary, math.sin(self.data), self, None, "sin", (math.cos(self.data),))

    def cos(self):
        """Cosine; local derivative −sin x."""
        return _new(_Unary, math.cos(self.data), self, None, "cos", (-math.sin(self.data),))

    # backward ------------------------------------------------------------------------------
    def _accumulate(self, g, adopt=False):
        """Leaf step of the sweep: add ḡ into `.grad`."""
        self.grad += g

    def backward(self):
        """Backpropagate from this Scalar (seed 1.0): every node upstream accumulates its grad.

        Like micrograd, gradients add up across calls; zero them between steps.
        """
        deque(iter_backward([self], [1.0], steps=False), maxlen=0)

    def __repr__(self):
        return f"Scalar(data={self.data}, grad={self.grad})"


# Op outputs. The op-node step of the sweep, `_backprop(g)`, keeps ḡ in `.grad` and returns
# one (operand, ḡ·∂out/∂operand) pair per operand. The local derivatives ∂out/∂operand are the
# node's `_loc`, computed in the forward pass, except for ×, + and − (none kept): there
# `_backprop` reads them from the operands (as micrograd does) or knows them (±1).
# All binary op outputs share one class, so the attribute stores of `_new` and the sweep's
# method calls see one type (Python specializes them per type; measured: a class per op
# made the forward pass slower).
class _Binary(Scalar):
    """A Scalar made by a binary op: operands in `_a` and `_b`, `next` is (a, b)."""

    __slots__ = ()
    next = property(attrgetter("_a", "_b"), doc="tuple: the operands (a, b).")
    _leaf = False

    def _backprop(self, g):
        self.grad += g
        a = self._a
        b = self._b
        op = self._op
        if op == "*":  # ∂(ab)/∂a = b, ∂(ab)/∂b = a (read now, as micrograd does)
            return ((a, g * b.data), (b, g * a.data))
        if op == "+":
            return ((a, g), (b, g))
        if op == "-":
            return ((a, g), (b, -g))
        loc = self._loc  # ÷ and **: kept in the forward pass
        return ((a, g * loc[0]), (b, g * loc[1]))


class _Unary(Scalar):
    """A Scalar made by a unary op: its operand in `_a` (no tuple per node), `next` is (a,)."""

    __slots__ = ()
    _leaf = False

    @property
    def next(self):
        """tuple: the operand (a,)."""
        return (self._a,)

    def _backprop(self, g):
        self.grad += g
        return ((self._a, g * self._loc[0]),)


class _TupleScalar(Scalar):
    """An op Scalar made by hand (micrograd's `Value(data, _children, _op)`): operands in a
    tuple in `_a`, local derivatives 1."""

    __slots__ = ()
    next = property(attrgetter("_a"), doc="tuple: the operands.")
    _leaf = False

    def _backprop(self, g):
        self.grad += g
        return tuple([(x, g * d) for x, d in zip(self._a, self._loc)])
