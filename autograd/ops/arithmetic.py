"""Arithmetic ops: add, sub, mul, div, neg, pow, matmul (numpy broadcasting).

Binary ops return adjoints in the output's broadcast shape; the engine reduces them to each
input's shape with `engine.unbroadcast` (sum over broadcast axes).
"""
import numpy as np

from ..function import Op
from ..tensor import Tensor
from .common import as_tensor, broadcast_error, promote
from .dispatch import where

_make = Tensor._make


class Add(Op):
    """Z = A + B, broadcasting like numpy.

    Args: a, b: Tensors of broadcastable shapes; numeric dtypes (numpy promotion).
    Returns: Tensor of the broadcast shape.
    Raises: ValueError if the shapes do not broadcast.
    VJP (dL = ⟨Ḡ, dZ⟩ = ⟨Ḡ, dA⟩ + ⟨Ḡ, dB⟩):
        Ā = Ḡ, B̄ = Ḡ, each summed over the axes its operand was broadcast along.
    """
    name = "add"
    rule = "Ā = Ḡ,  B̄ = Ḡ  (summed over broadcast axes)"
    rule_latex = r"\bar A = \bar G,\; \bar B = \bar G"

    @staticmethod
    def forward(ctx, a, b):
        """Compute the output ndarray from the inputs\' data (see the class docstring)."""
        try:
            return a._array + b._array
        except ValueError:
            raise broadcast_error("add", a._array, b._array) from None

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints from Ḡ = grad_out, by the rule derived in the class docstring."""
        return grad_out, grad_out


class Sub(Op):
    """Z = A − B, broadcasting like numpy.

    Args: a, b: Tensors of broadcastable shapes.
    Returns: Tensor of the broadcast shape.
    Raises: ValueError if the shapes do not broadcast.
    VJP (dL = ⟨Ḡ, dA⟩ − ⟨Ḡ, dB⟩): Ā = Ḡ, B̄ = −Ḡ (summed over broadcast axes).
    """
    name = "sub"
    rule = "Ā = Ḡ,  B̄ = −Ḡ"
    rule_latex = r"\bar A = \bar G,\; \bar B = -\bar G"

    @staticmethod
    def forward(ctx, a, b):
        """Compute the output ndarray from the inputs\' data (see the class docstring)."""
        try:
            return a._array - b._array
        except ValueError:
            raise broadcast_error("sub", a._array, b._array) from None

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints from Ḡ = grad_out, by the rule derived in the class docstring."""
        return grad_out, (-grad_out if ctx.needs_input_grad[1] else None)


class Mul(Op):
    """Z = A ⊙ B (elementwise product), broadcasting like numpy.

    Args: a, b: Tensors of broadcastable shapes.
    Returns: Tensor of the broadcast shape.
    Raises: ValueError if the shapes do not broadcast.
    VJP (dZ = dA ⊙ B + A ⊙ dB; ⟨Ḡ, dA ⊙ B⟩ = ⟨Ḡ ⊙ B, dA⟩):
        Ā = Ḡ ⊙ B, B̄ = Ḡ ⊙ A.
    """
    name = "mul"
    rule = "Ā = Ḡ ⊙ B,  B̄ = Ḡ ⊙ A"
    rule_latex = r"\bar A = \bar G \odot B,\; \bar B = \bar G \odot A"

    @staticmethod
    def forward(ctx, a, b):
        """Compute the output ndarray from the inputs\' data (see the class docstring)."""
        need_a, need_b = ctx.needs_input_grad
        # Ā needs B and B̄ needs A: keep only what a needed gradient uses (as PyTorch does), so
        # y·c does not keep y alive until backward
        if need_a and need_b:
            ctx.save_for_backward(a, b)
        elif need_a:
            ctx.save_for_backward(b)
        elif need_b:
            ctx.save_for_backward(a)
        try:
            return a._array * b._array
        except ValueError:
            raise broadcast_error("mul", a._array, b._array) from None

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints from Ḡ = grad_out, by the rule derived in the class docstring."""
        need_a, need_b = ctx.needs_input_grad
        saved = ctx.saved
        return (grad_out * saved[-1] if need_a else None,
                grad_out * saved[0] if need_b else None)


class Div(Op):
    """Z = A ⊘ B (elementwise quotient), broadcasting like numpy.

    Args: a, b: Tensors of broadcastable shapes; b ≠ 0 where the result matters.
    Returns: Tensor of the broadcast shape (true division: integers give floats).
    Raises: ValueError if the shapes do not broadcast.
    VJP (dZ = dA ⊘ B − A ⊙ dB ⊘ B²):
        Ā = Ḡ ⊘ B, B̄ = −Ḡ ⊙ A ⊘ B².
    """
    name = "div"
    rule = "Ā = Ḡ ⊘ B,  B̄ = −Ḡ ⊙ A ⊘ B²"
    rule_latex = r"\bar A = \bar G \oslash B,\; \bar B = -\bar G \odot A \oslash B^2"

    @staticmethod
    def forward(ctx, a, b):
        """Compute the output ndarray from the inputs\' data (see the class docstring)."""
        if ctx.needs_input_grad[1]:  # B̄ needs A and B
            ctx.save_for_backward(a, b)
        elif ctx.needs_input_grad[0]:  # Ā needs B only: x / c does not keep x alive
            ctx.save_for_backward(b)
        try:
            return a._array / b._array
        except ValueError:
            raise broadcast_error("div", a._array, b._array) from None

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints from Ḡ = grad_out, by the rule derived in the class docstring."""
        need_a, need_b = ctx.needs_input_grad
        saved = ctx.saved
        a = saved[0] if need_b else None
        b = saved[-1]
        ga = grad_out / b if need_a else None
        gb = -(grad_out * a) / (b * b) if need_b else None
        return ga, gb


class Neg(Op):
    """Z = −A.

    Args: a: Tensor. Returns: Tensor of the same shape and dtype.
    VJP: dZ = −dA ⇒ Ā = −Ḡ.
    """
    name = "neg"
    rule = "Ā = −Ḡ"
    rule_latex = r"\bar A = -\bar G"

    @staticmethod
    def forward(ctx, a):
        """Compute the output ndarray from the inputs\' data (see the class docstring)."""
        return -a._array

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints from Ḡ = grad_out, by the rule derived in the class docstring."""
        return (-grad_out,)


class Pow(Op):
    """Z = A ** B elementwise (tensor or constant exponent), broadcasting like numpy.

    Args: a (base), b (exponent): Tensors of broadcastable shapes. Edge values as PyTorch:
        Ā = 0 where B = 0 (also at A = 0); B̄ = 0 where A = 0 and B ≥ 0, else the rule below
        (NaN where A < 0, as log A).
    Returns: Tensor of the broadcast shape.
    Raises: ValueError if the shapes do not broadcast.
    VJP (dZ = B ⊙ A^(B−1) ⊙ dA + Z ⊙ log A ⊙ dB):
        Ā = Ḡ ⊙ B ⊙ A^(B−1), B̄ = Ḡ ⊙ Z ⊙ log A.
    """
    name = "pow"
    rule = "Ā = Ḡ ⊙ B A^(B−1),  B̄ = Ḡ ⊙ Z log A"
    rule_latex = r"\bar A = \bar G \odot B A^{B-1},\; \bar B = \bar G \odot Z \log A"

    @staticmethod
    def forward(ctx, a, b):
        """Compute the output ndarray from the inputs\' data (see the class docstring)."""
        try:
            out = a._array ** b._array
        except ValueError:
            raise broadcast_error("pow", a._array, b._array) from None
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints from Ḡ = grad_out, by the rule derived in the class docstring."""
        a, b, out = ctx.saved
        need_a, need_b = ctx.needs_input_grad
        ga = gb = None
        if need_a:
            ga = grad_out * b * a ** (b - 1)
            flat = np.asarray(b) == 0
            if flat.any():  # d(A⁰)/dA = 0, also at A = 0 where B·A^(B−1) is 0·inf (PyTorch masks it too)
                ga = where(flat, 0.0, ga)
        if need_b:
            zero = (np.asarray(a) == 0) & (np.asarray(b) >= 0)  # 0^B is flat in B there: B̄ = 0, as PyTorch
            with np.errstate(divide="ignore", invalid="ignore"):  # log of A < 0 is NaN, as in PyTorch
                gb = where(zero, 0.0, grad_out * out * np.log(where(zero, 1.0, a)))
        return ga, gb


def _matmul_error(a, b):
    return ValueError(
        f"matmul: shapes {a.shape} and {b.shape} are not aligned; expected a.shape[-1] == "
        f"b.shape[-2] (or b.shape[0] for a 1-D b) and broadcastable batch dimensions.")


class Matmul(Op):
    """Z = A B (matrix product), with numpy.matmul's 1-D and batched (…, n, k) @ (…, k, m) rules.

    Args: a (…, n, k) or (k,), b (…, k, m) or (k,); floating dtypes.
    Returns: (…, n, m), with the 1-D axes dropped as in numpy.
    Raises: ValueError if the inner sizes differ or batch shapes do not broadcast, or an
        operand is 0-d.
    VJP (dL = tr(Ḡᵀ dZ), dZ = dA B + A dB):
        tr(Ḡᵀ dA B) = tr((Ḡ Bᵀ)ᵀ dA) ⇒ Ā = Ḡ Bᵀ
        tr(Ḡᵀ A dB) = tr((Aᵀ Ḡ)ᵀ dB) ⇒ B̄ = Aᵀ Ḡ
        A 1-D operand is a row (A) or column (B) whose unit axis is dropped again; batch
        axes a operand was broadcast along are summed by the engine.
    """
    name = "matmul"
    rule = "Ā = Ḡ Bᵀ,  B̄ = Aᵀ Ḡ"
    rule_latex = r"\bar A = \bar G B^\top,\; \bar B = A^\top \bar G"

    @staticmethod
    def forward(ctx, a, b):
        """Compute the output ndarray from the inputs\' data (see the class docstring)."""
        if a._array.ndim == 0 or b._array.ndim == 0:
            raise ValueError(f"matmul: operands must have at least 1 dim; got shapes {a.shape} and {b.shape}.")
        ctx.save_for_backward(a, b)
        try:
            return a._array @ b._array
        except ValueError:
            raise _matmul_error(a, b) from None

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints from Ḡ = grad_out, by the rule derived in the class docstring."""
        a, b = ctx.saved
        need_a, need_b = ctx.needs_input_grad
        g = grad_out
        if a.ndim == 1 and b.ndim == 1:  # inner product: Z scalar
            return (g * b if need_a else None, g * a if need_b else None)
        if a.ndim == 1:  # (k,) @ (…, k, m) → (…, m): A is the row 1×k
            ga = (g[..., None, :] @ b.swapaxes(-1, -2))[..., 0, :] if need_a else None
            gb = a[:, None] * g[..., None, :] if need_b else None
            return ga, gb
        if b.ndim == 1:  # (…, n, k) @ (k,) → (…, n): B is the column k×1
            ga = g[..., None] * b if need_a else None
            gb = (a.swapaxes(-1, -2) @ g[..., None])[..., 0] if need_b else None
            return ga, gb
        ga = g @ b.swapaxes(-1, -2) if need_a else None
        gb = a.swapaxes(-1, -2) @ g if need_b else None
        return ga, gb


def add(a, b):
    """Elementwise a + b with numpy broadcasting (see `Add`). Numbers take the tensor's dtype."""
    if a.__class__ is not Tensor:
        a = as_tensor(a, b)
    b = as_tensor(b, a)
    if a._array.dtype is not b._array.dtype:
        a, b = promote(a, b)
    return Add.apply(a, b)


def sub(a, b):
    """Elementwise a − b with numpy broadcasting (see `Sub`)."""
    if a.__class__ is not Tensor:
        a = as_tensor(a, b)
    b = as_tensor(b, a)
    if a._array.dtype is not b._array.dtype:
        a, b = promote(a, b)
    return Sub.apply(a, b)


def mul(a, b):
    """Elementwise a ⊙ b with numpy broadcasting (see `Mul`)."""
    if a.__class__ is not Tensor:
        a = as_tensor(a, b)
    b = as_tensor(b, a)
    if a._array.dtype is not b._array.dtype:
        a, b = promote(a, b)
    return Mul.apply(a, b)


def div(a, b):
    """Elementwise a ⊘ b (true division) with numpy broadcasting (see `Div`)."""
    if a.__class__ is not Tensor:
        a = as_tensor(a, b)
    b = as_tensor(b, a)
    if a._array.dtype is not b._array.dtype or a._array.dtype.kind in "biu":
        a, b = promote(a, b, true_divide=True)
    return Div.apply(a, b)


def neg(a):
    """Elementwise −a (see `Neg`)."""
    return Neg.apply(as_tensor(a))


def pow(a, b):
    """Elementwise a ** b; the exponent may be a number or a Tensor (see `Pow`)."""
    if a.__class__ is not Tensor:
        a = as_tensor(a, b)
    b = as_tensor(b, a)
    if a._array.dtype is not b._array.dtype:
        a, b = promote(a, b)
    return Pow.apply(a, b)


def matmul(a, b):
    """Matrix product following numpy.matmul: 1-D, 2-D and batched operands (see `Matmul`)."""
    return Matmul.apply(as_tensor(a), as_tensor(b))


# -- PyTorch's fixed-rank products: matmul with PyTorch's shape and dtype checks -------------
_PRODUCTS = {  # op -> (ranks of the operands, the kind of product, a hint)
    "dot": ((1, 1), "two vectors", "use matmul for other ranks"),
    "mv": ((2, 1), "a matrix and a vector", "use matmul for other ranks"),
    "mm": ((2, 2), "two matrices", "use matmul for batched or 1-D operands"),
    "bmm": ((3, 3), "two batches of matrices", "use matmul to broadcast batch axes"),
}


def _product(op, a, b):
    """Check the operands of `dot`/`mv`/`mm`/`bmm` as PyTorch does and return ``matmul(a, b)``."""
    a, b = as_tensor(a), as_tensor(b)
    ranks, what, hint = _PRODUCTS[op]
    if (a.ndim, b.ndim) != ranks:
        raise ValueError(f"{op}: expected {what} ({ranks[0]}-D and {ranks[1]}-D); got {a.ndim}-D and {b.ndim}-D "
                         f"of shapes {a.shape} and {b.shape}. Hint: {hint}.")
    if a.dtype != b.dtype:
        raise TypeError(f"{op}: both operands must have the same dtype; got {a.dtype.name} and {b.dtype.name}.")
    if op == "bmm" and a.shape[0] != b.shape[0]:
        raise ValueError(f"bmm: batch sizes differ; got shapes {a.shape} and {b.shape}, expected the same first "
                         f"size. Hint: {hint}.")
    if a.shape[-1] != b.shape[0 if b.ndim < 3 else 1]:
        raise ValueError(f"{op}: shapes {a.shape} and {b.shape} cannot be multiplied; got inner sizes "
                         f"{a.shape[-1]} and {b.shape[0 if b.ndim < 3 else 1]}, expected equal.")
    return matmul(a, b)


def dot(a, b):
    """Inner product of two vectors, as ``torch.dot``: a (n,), b (n,) → 0-d Tensor.

    Same dtype required (no promotion, as PyTorch); differentiable through `Matmul`
    (VJP: Ā = Ḡ b, B̄ = Ḡ a).

    Raises:
        ValueError: if an operand is not 1-D or the sizes differ.
        TypeError: if the dtypes differ.
    """
    return _product("dot", a, b)


def mv(a, b):
    """Matrix-vector product, as ``torch.mv``: a (n, m), b (m,) → (n,); see `dot` for the checks."""
    return _product("mv", a, b)


def mm(a, b):
    """Matrix product of two matrices, as ``torch.mm``: a (n, k), b (k, m) → (n, m).

    No broadcasting and no 1-D operands (use `matmul`); same dtype required.
    Differentiable through `Matmul` (VJP: Ā = Ḡ Bᵀ, B̄ = Aᵀ Ḡ).

    Raises:
        ValueError: if an operand is not 2-D or the inner sizes differ.
        TypeError: if the dtypes differ.
    """
    return _product("mm", a, b)


def bmm(a, b):
    """Batched matrix product, as ``torch.bmm``: a (B, n, k), b (B, k, m) → (B, n, m).

    The batch sizes must be equal (no broadcasting: use `matmul`); same dtype required.
    Differentiable through `Matmul` (VJP per batch item: Āᵢ = Ḡᵢ Bᵢᵀ, B̄ᵢ = Aᵢᵀ Ḡᵢ).

    Raises:
        ValueError: if an operand is not 3-D, the batch sizes differ or the inner sizes differ.
        TypeError: if the dtypes differ.
    """
    return _product("bmm", a, b)
