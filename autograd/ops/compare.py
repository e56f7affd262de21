"""Comparisons and the selections made with them: maximum, minimum, clip (alias clamp) and
where, differentiable; the comparisons ==, !=, <, <=, >, >= and the logical/bitwise |, &, ^, ~,
which record no graph (their results are bool or integer).

The binary ops broadcast like numpy; their VJPs return adjoints in the output's shape and the
engine sums them back. Their derivatives are masks (piecewise constant, so written once on the
values: their own derivative is zero); ties split the gradient ½ : ½ as in PyTorch.
"""
import numpy as np

from ..function import Op
from ..tensor import Tensor
from .common import as_tensor, broadcast_error, promote, select
from .dispatch import where as _where
from .elementwise import _scale

_make = Tensor._make


class Clip(Op):
    """Z = min(max(A, lo), hi) elementwise (PyTorch's clamp; hi wins where lo > hi).

    Bounds are Tensors (given as inputs after A; numbers arrive as 0-d constants), either
    may be absent; all broadcast like numpy.

    Args: a: Tensor; lo, hi: Tensors of a's dtype (has_lo / has_hi say which are given).
    Returns: Tensor of the broadcast shape, a's dtype.
    VJP: where lo ≤ A ≤ hi, Z = A; where A < lo (and lo < hi), Z = lo; else Z = hi
        ⇒ Ā = Ḡ ⊙ 1[lo ≤ A ≤ hi] (inclusive at both ends, as DESIGN and PyTorch),
          lō = Ḡ ⊙ 1[A < lo ∧ lo < hi],  hī = Ḡ ⊙ 1[A > hi ∨ hi < lo].
    """
    name = "clip"
    rule = "Ā = Ḡ ⊙ 1[lo ≤ A ≤ hi],  lō = Ḡ ⊙ 1[A < lo],  hī = Ḡ ⊙ 1[A > hi]"
    rule_latex = (r"\bar A = \bar G \odot \mathbb{1}[lo \le A \le hi],\; \bar{lo} = \bar G \odot "
                  r"\mathbb{1}[A < lo],\; \bar{hi} = \bar G \odot \mathbb{1}[A > hi]")

    @staticmethod
    def forward(ctx, a, *bounds, has_lo, has_hi):
        """The output ndarray, by the formula above."""
        ctx.save_for_backward(a, *bounds)
        ctx.has_lo = has_lo
        ctx.has_hi = has_hi
        x = a._array
        try:
            if has_lo:
                x = np.maximum(x, bounds[0]._array)
            if has_hi:
                x = np.minimum(x, bounds[-1]._array)
        except ValueError:
            shapes = ", ".join(str(t.shape) for t in (a,) + bounds)
            raise ValueError(f"clip: shapes {shapes} do not broadcast; expected equal sizes or 1 "
                             f"on each trailing axis.") from None
        return x

    @staticmethod
    def vjp(ctx, grad_out):
        """The input adjoints, by the VJP rule above."""
        saved = ctx.saved  # only their values are read: the masks below have zero derivative
        x = np.asarray(saved[0])
        lo = np.asarray(saved[1]) if ctx.has_lo else None
        hi = np.asarray(saved[-1]) if ctx.has_hi else None
        needs = ctx.needs_input_grad
        shape = grad_out.shape
        grads = [None]
        if needs[0]:
            inside = x >= lo if lo is not None else True
            if hi is not None:
                inside = inside & (x <= hi)
            grads[0] = _scale(grad_out, np.broadcast_to(inside, shape))
        if lo is not None:
            below = None
            if needs[1]:
                below = x < lo if hi is None else (x < lo) & (lo < hi)
                below = _scale(grad_out, np.broadcast_to(below, shape))
            grads.append(below)
        if hi is not None:
            above = None
            if needs[-1]:
                above = x > hi if lo is None else (x > hi) | (hi < lo)
                above = _scale(grad_out, np.broadcast_to(above, shape))
            grads.append(above)
        return tuple(grads)


class Maximum(Op):
    """Z = max(A, B) elementwise, broadcasting like numpy (NaN propagates).

    Args: a, b: Tensors of broadcastable shapes and one dtype.
    Returns: Tensor of the broadcast shape.
    Raises: ValueError if the shapes do not broadcast.
    VJP: dZ = 1[A > B] dA + 1[A < B] dB, ties split equally (DESIGN, as PyTorch):
        Ā = Ḡ ⊙ (1[A > B] + ½ 1[A = B]),  B̄ = Ḡ ⊙ (1[B > A] + ½ 1[A = B]).
    """
    name = "maximum"
    rule = "Ā = Ḡ ⊙ (1[A > B] + ½ 1[A = B]),  B̄ = Ḡ ⊙ (1[B > A] + ½ 1[A = B])"
    rule_latex = (r"\bar A = \bar G \odot (\mathbb{1}[A > B] + \tfrac12 \mathbb{1}[A = B]),\; "
                  r"\bar B = \bar G \odot (\mathbb{1}[B > A] + \tfrac12 \mathbb{1}[A = B])")

    @staticmethod
    def forward(ctx, a, b):
        """The output ndarray, by the formula above."""
        return _extremum_forward(ctx, a, b, np.maximum)

    @staticmethod
    def vjp(ctx, grad_out):
        """The input adjoints, by the VJP rule above."""
        return _tie_split(ctx, grad_out, np.less)


class Minimum(Op):
    """Z = min(A, B) elementwise, broadcasting like numpy (NaN propagates).

    Args: a, b: Tensors of broadcastable shapes and one dtype.
    Returns: Tensor of the broadcast shape.
    Raises: ValueError if the shapes do not broadcast.
    VJP: dZ = 1[A < B] dA + 1[A > B] dB, ties split equally (DESIGN, as PyTorch):
        Ā = Ḡ ⊙ (1[A < B] + ½ 1[A = B]),  B̄ = Ḡ ⊙ (1[B < A] + ½ 1[A = B]).
    """
    name = "minimum"
    rule = "Ā = Ḡ ⊙ (1[A < B] + ½ 1[A = B]),  B̄ = Ḡ ⊙ (1[B < A] + ½ 1[A = B])"
    rule_latex = (r"\bar A = \bar G \odot (\mathbb{1}[A < B] + \tfrac12 \mathbb{1}[A = B]),\; "
                  r"\bar B = \bar G \odot (\mathbb{1}[B < A] + \tfrac12 \mathbb{1}[A = B])")

    @staticmethod
    def forward(ctx, a, b):
        """The output ndarray, by the formula above."""
        return _extremum_forward(ctx, a, b, np.minimum)

    @staticmethod
    def vjp(ctx, grad_out):
        """The input adjoints, by the VJP rule above."""
        return _tie_split(ctx, grad_out, np.greater)


def _extremum_forward(ctx, a, b, ufunc):
    """Forward of maximum/minimum: ``ufunc(A, B)`` (np.maximum or np.minimum), saving A, B."""
    ctx.save_for_backward(a, b)
    try:
        return ufunc(a._array, b._array)
    except ValueError:
        raise broadcast_error(ctx.fn.name, a._array, b._array) from None


def _tie_split(ctx, grad_out, loses):
    """Adjoints of maximum/minimum: full Ḡ to the winner, ½ Ḡ to each side of a tie.

    ``loses(x, y)`` says where x strictly loses to y (np.less for maximum, np.greater for
    minimum). Following PyTorch, an operand gets Ḡ unless it strictly loses (so NaNs pass Ḡ on).
    """
    a, b = ctx.saved
    a, b = np.asarray(a), np.asarray(b)  # values only: the factors are piecewise constant
    a_loses, b_loses, tie = loses(a, b), loses(b, a), a == b
    need_a, need_b = ctx.needs_input_grad
    shape, dt = grad_out.shape, grad_out.dtype
    has_tie = tie.any()
    out = []
    for need, lost in ((need_a, a_loses), (need_b, b_loses)):
        if not need:
            out.append(None)
            continue
        factor = np.broadcast_to(~lost, shape).astype(dt)  # 1 unless strictly losing
        if has_tie:
            factor -= tie * np.asarray(0.5, dt)
        out.append(_scale(grad_out, factor))
    return tuple(out)


class Where(Op):
    """Z = where(C, X, Y): X where the boolean C holds, Y elsewhere (numpy broadcasting).

    Args: cond: bool Tensor or array (no gradient); x, y: Tensors.
    Returns: Tensor of the broadcast shape of cond, x and y.
    Raises: ValueError if the shapes do not broadcast.
    VJP: dZ = C ⊙ dX + (1 − C) ⊙ dY ⇒ X̄ = where(C, Ḡ, 0), Ȳ = where(C, 0, Ḡ).
    """
    name = "where"
    rule = "X̄ = Ḡ ⊙ C,  Ȳ = Ḡ ⊙ (1 − C)"
    rule_latex = r"\bar X = \bar G \odot C,\; \bar Y = \bar G \odot (1 - C)"

    @staticmethod
    def forward(ctx, x, y, cond):
        """The output ndarray, by the formula above."""
        ctx.cond = cond
        try:
            return select(cond, x._array, y._array)
        except ValueError:
            raise broadcast_error("where", x._array, y._array) from None

    @staticmethod
    def vjp(ctx, grad_out):
        """The input adjoints, by the VJP rule above."""
        need_x, need_y = ctx.needs_input_grad
        return (_where(ctx.cond, grad_out, 0.0) if need_x else None,
                _where(ctx.cond, 0.0, grad_out) if need_y else None)


# -- public functions ------------------------------------------------------------------------------
def _bound(value, x, arg):
    """A clip bound as a Tensor of x's dtype (numbers and arrays are cast; Tensors checked)."""
    if isinstance(value, Tensor):
        if value._array.dtype != x._array.dtype:
            raise TypeError(f"clip: {arg} must have the dtype of the input; got {value._array.dtype.name}, "
                            f"expected {x._array.dtype.name}.")
        return value
    if isinstance(value, (bool, np.bool_, str)) or not isinstance(
            value, (int, float, np.integer, np.floating, np.ndarray, list, tuple)):
        raise TypeError(f"clip: {arg} must be a number or a Tensor; got {type(value).__name__}, "
                        f"expected a number, a Tensor or None.")
    if x._array.dtype.kind != "f":
        return as_tensor(np.asarray(value))
    return _make(np.asarray(value, dtype=x._array.dtype), False, None)


def clip(a, min=None, max=None):
    """Elementwise min(max(a, min), max) — PyTorch's `clamp` (alias `clamp`; see `Clip`).

    The gradient passes where min ≤ a ≤ max, both ends inclusive; where min > max the result
    is max. Tensor bounds broadcast with `a` and get gradients where they are the result.

    Args:
        a: Tensor (or number).
        min, max: numbers, ndarrays or Tensors of a's dtype, or None (at least one given).

    Returns: Tensor of the broadcast shape, a's dtype.
    Raises: ValueError if both bounds are None or the shapes do not broadcast; TypeError if a
        bound is not numeric or is a Tensor of another dtype.
    """
    a = as_tensor(a)
    if min is None and max is None:
        raise ValueError("clip: at least one of min and max must be given; got min=None and max=None, "
                         "expected a number or a Tensor for either.")
    bounds = []
    if min is not None:
        bounds.append(_bound(min, a, "min"))
    if max is not None:
        bounds.append(_bound(max, a, "max"))
    return Clip.apply(a, *bounds, has_lo=min is not None, has_hi=max is not None)


clamp = clip


def _binary_operands(op, a, b):
    """Both operands as Tensors; a number or ndarray takes the other Tensor's dtype.

    Raises:
        TypeError: if two Tensors have different dtypes and one of them is floating.
    """
    a_is, b_is = isinstance(a, Tensor), isinstance(b, Tensor)
    if a_is and not b_is:
        b = _make(np.asarray(b, dtype=a._array.dtype), False, None) if a._array.dtype.kind == "f" else as_tensor(b)
    elif b_is and not a_is:
        a = _make(np.asarray(a, dtype=b._array.dtype), False, None) if b._array.dtype.kind == "f" else as_tensor(a)
    elif not a_is:
        a, b = as_tensor(a), as_tensor(b, None)
    da, db = a._array.dtype, b._array.dtype
    if da != db and (da.kind == "f" or db.kind == "f"):
        raise TypeError(f"{op}: operands must have the same dtype; got {da.name} and {db.name}, "
                        f"expected matching dtypes. Hint: use .astype() on one of them.")
    return a, b


def _binary(cls, word):
    """The public function ``<cls.name>(a, b)`` of `Maximum` or `Minimum`: both operands through
    `_binary_operands`, then ``cls.apply(a, b)``; `word` ('max' or 'min') names it in its docstring."""
    name = cls.name

    def op(a, b):
        a, b = _binary_operands(name, a, b)
        return cls.apply(a, b)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"""Elementwise {word}(a, b) with numpy broadcasting; ties split the gradient ½ : ½ (see
    `{cls.__name__}`).

    Args: a, b: Tensors (or one of them a number/ndarray, which takes the other's dtype).
    Returns: Tensor of the broadcast shape.
    Raises: ValueError if the shapes do not broadcast; TypeError if the dtypes differ.
    """
    return op


maximum = _binary(Maximum, "max")
minimum = _binary(Minimum, "min")


def where(cond, x, y):
    """Elementwise select: x where `cond` is true, else y, broadcasting all three (see `Where`).

    Args:
        cond: bool Tensor or ndarray (no gradient flows to it).
        x, y: Tensors or numbers (numbers take the other operand's dtype).

    Raises:
        TypeError: if `cond` is not boolean.
    """
    c = cond._array if hasattr(cond, "grad_fn") else np.asarray(cond)
    if c.dtype != np.bool_:
        raise TypeError(f"where: cond must be a bool tensor; got dtype {c.dtype.name}, expected bool.")
    if hasattr(x, "grad_fn"):
        y = as_tensor(y, x)
    elif hasattr(y, "grad_fn"):
        x = as_tensor(x, y)
    else:
        x, y = as_tensor(x), as_tensor(y)
    return Where.apply(x, y, cond=c)


def _comparison(ufunc, symbol):
    def compare(a, b):
        a_data = a._array if hasattr(a, "grad_fn") else np.asarray(a)
        b_data = b._array if hasattr(b, "grad_fn") else np.asarray(b)
        try:
            out = ufunc(a_data, b_data)
        except ValueError:
            raise broadcast_error(symbol, a_data, b_data) from None
        return Tensor._make(np.asarray(out), False, None)

    compare.__name__ = ufunc.__name__
    compare.__doc__ = (f"Elementwise a {symbol} b with numpy broadcasting → bool Tensor; not differentiable "
                       f"(no graph is recorded).\n\n    Raises:\n        ValueError: if the shapes do not broadcast.")
    return compare


eq = _comparison(np.equal, "==")
ne = _comparison(np.not_equal, "!=")
lt = _comparison(np.less, "<")
le = _comparison(np.less_equal, "<=")
gt = _comparison(np.greater, ">")
ge = _comparison(np.greater_equal, ">=")


def _bitwise(ufunc, op, symbol):
    """The public function of a bitwise/logical operator (``|``, ``&``, ``^``) on bool and integer
    tensors: PyTorch's result dtype (`common.promote`), no graph."""
    def bitwise(a, b):
        a_is = isinstance(a, Tensor)
        a, b = (a, as_tensor(b, a)) if a_is else (as_tensor(a, b), b) if isinstance(b, Tensor) else \
            (as_tensor(a), as_tensor(b))
        for t in (a, b):
            if t._array.dtype.kind not in "biu":
                raise TypeError(f"{op}: expected bool or integer tensors; got {t._array.dtype.name}, expected bool, "
                                f"int32 or int64. Hint: compare first (x > 0) to get a bool tensor.")
        a, b = promote(a, b)
        try:
            out = ufunc(a._array, b._array)
        except ValueError:
            raise broadcast_error(symbol, a._array, b._array) from None
        return Tensor._make(np.asarray(out), False, None)

    bitwise.__name__ = bitwise.__qualname__ = op
    bitwise.__doc__ = f"""Elementwise a {symbol} b (``torch.{op}``): logical on bool tensors, bitwise on integers.

    Args: a, b: bool or integer Tensors (or Python bools/ints, array-likes), broadcast together.
    Returns: Tensor of the broadcast shape and PyTorch's result dtype (bool with bool is bool,
        bool with an integer is that integer type); not differentiable (no graph is recorded).
    Raises: TypeError for a floating operand; ValueError if the shapes do not broadcast.
    """
    return bitwise


bitwise_or = _bitwise(np.bitwise_or, "bitwise_or", "|")
bitwise_and = _bitwise(np.bitwise_and, "bitwise_and", "&")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor", "^")


def bitwise_not(a):
    """Elementwise ``~a`` (``torch.bitwise_not``): logical not on bool, bitwise not on integers.

    Args: a: bool or integer Tensor (or array-like).
    Returns: Tensor of a's shape and dtype; not differentiable (no graph is recorded).
    Raises: TypeError for a floating tensor.
    """
    a = as_tensor(a)
    if a._array.dtype.kind not in "biu":
        raise TypeError(f"bitwise_not: expected a bool or integer tensor; got {a._array.dtype.name}, expected bool, "
                        f"int32 or int64. Hint: for a float tensor use -x, or compare first (x > 0).")
    return Tensor._make(np.invert(a._array), False, None)
