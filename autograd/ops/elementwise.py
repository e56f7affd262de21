"""Elementwise ops: Z = f(A) applied entry by entry, so the Jacobian is diagonal and the VJP
is Ā = Ḡ ⊙ f′(A) (or written with the output Z when f′ is a function of it).
"""
import numpy as np

from ..function import Function
from .common import as_tensor, broadcast_error


class Exp(Function):
    """Z = exp(A) elementwise.

    Args: a: floating Tensor. Returns: Tensor of the same shape and dtype.
    VJP: dZ = Z ⊙ dA ⇒ Ā = Ḡ ⊙ Z (uses the saved output).
    """
    name = "exp"
    rule = "Ā = Ḡ ⊙ Z"
    rule_latex = r"\bar A = \bar G \odot Z"

    @staticmethod
    def forward(ctx, a):
        out = np.exp(a.data)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def vjp(ctx, grad_out):
        (out,) = ctx.saved_tensors
        return (grad_out * out,)


class Log(Function):
    """Z = log(A) elementwise (natural log; A > 0, else NaN/−Inf as numpy).

    Args: a: floating Tensor. Returns: Tensor of the same shape and dtype.
    VJP: dZ = dA ⊘ A ⇒ Ā = Ḡ ⊘ A.
    """
    name = "log"
    rule = "Ā = Ḡ ⊘ A"
    rule_latex = r"\bar A = \bar G \oslash A"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log(a.data)

    @staticmethod
    def vjp(ctx, grad_out):
        (a,) = ctx.saved_tensors
        return (grad_out / a,)


class Relu(Function):
    """Z = max(A, 0) elementwise.

    Args: a: floating Tensor. Returns: Tensor of the same shape and dtype.
    VJP: dZ = 1[A > 0] ⊙ dA ⇒ Ā = Ḡ ⊙ 1[Z > 0]; the subgradient at 0 is 0 (relu′(0) = 0).
    """
    name = "relu"
    rule = "Ā = Ḡ ⊙ 1[Z > 0]"
    rule_latex = r"\bar A = \bar G \odot \mathbb{1}[Z > 0]"

    @staticmethod
    def forward(ctx, a):
        out = np.maximum(a.data, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def vjp(ctx, grad_out):
        (out,) = ctx.saved_tensors
        return (grad_out * (out.data > 0).astype(out.data.dtype),)


class Where(Function):
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
        ctx.cond = cond
        try:
            return np.where(cond, x.data, y.data)
        except ValueError:
            raise broadcast_error("where", x.data, y.data) from None

    @staticmethod
    def vjp(ctx, grad_out):
        need_x, need_y = ctx.needs_input_grad
        zero = np.zeros((), dtype=grad_out.data.dtype)
        return (where(ctx.cond, grad_out, zero) if need_x else None,
                where(ctx.cond, zero, grad_out) if need_y else None)


def exp(a):
    """Elementwise e^a (see `Exp`)."""
    return Exp.apply(as_tensor(a))


def log(a):
    """Elementwise natural logarithm (see `Log`)."""
    return Log.apply(as_tensor(a))


def relu(a):
    """Elementwise max(a, 0), with relu′(0) = 0 (see `Relu`)."""
    return Relu.apply(as_tensor(a))


def where(cond, x, y):
    """Elementwise select: x where `cond` is true, else y, broadcasting all three (see `Where`).

    Args:
        cond: bool Tensor or ndarray (no gradient flows to it).
        x, y: Tensors or numbers (numbers take the other operand's dtype).

    Raises:
        TypeError: if `cond` is not boolean.
    """
    c = cond.data if hasattr(cond, "grad_fn") else np.asarray(cond)
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
        a_data = a.data if hasattr(a, "grad_fn") else np.asarray(a)
        b_data = b.data if hasattr(b, "grad_fn") else np.asarray(b)
        try:
            out = ufunc(a_data, b_data)
        except ValueError:
            raise broadcast_error(symbol, a_data, b_data) from None
        from ..tensor import Tensor
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
