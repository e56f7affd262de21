"""Elementwise math functions: exp, log, log1p, sqrt, abs, sign, sin, cos, tanh and erf.

Z = f(A) entry by entry, so the Jacobian is diagonal and the VJP is Ā = Ḡ ⊙ f′(A) (or
written with the output Z when f′ is a function of it). The activations (sigmoid, relu,
gelu …) are in `activation`, the comparisons and selections (maximum, clip, where, ==, | …)
in `compare`; the helpers all three share (`_scale`, `_unary`, …) are here.

Each VJP is written once, with numpy ufuncs and operators: in a plain backward the engine
passes ndarrays (one numpy pass, nothing recorded), under ``create_graph`` Tensors, whose
ufunc protocol runs the same body as recorded, differentiable ops. Selections by a constant
mask go through `dispatch.where` (`select` on ndarrays, `where` on Tensors); steps that are
themselves ops (σ in softplus, gelu′) through `dispatch.apply`. Hot paths avoid `np.where` and
boolean indexing (on our CPUs they cost as much as ~20 multiplications per element); exact
selections are made by multiplying with masks, with max/min, or by `select`'s bit masks.
erf and Φ come from `scipy.special` (float32 stays float32).
"""
import numpy as np

from ..function import Op
from .common import as_tensor, check_float


def _special():
    """`scipy.special` (erf, ndtr), imported on first use: importing it also loads SciPy's own
    OpenBLAS, a second BLAS thread pool beside numpy's that a model without erf/gelu should not
    carry (issue 14: one BLAS per process)."""
    import scipy.special
    return scipy.special

_TWO_OVER_SQRT_PI = 1.12837916709551257390  # 2/√π


def _scale(grad_out, factor):
    """Ḡ ⊙ F for a constant factor F (an ndarray of Ḡ's dtype, or a bool mask); Ḡ is an
    ndarray (plain backward) or a Tensor (recorded backward), and so is the result.

    Piecewise-constant derivatives (masks, signs, slopes) have zero derivative themselves, so
    with create_graph the product only needs to stay differentiable in Ḡ.
    """
    if grad_out.__class__ is not np.ndarray:
        return grad_out * factor  # a Tensor: recorded under create_graph, differentiable in Ḡ
    g = grad_out
    if factor.__class__ is np.ndarray and factor.dtype == np.bool_ and g.dtype.kind == "f" and factor.shape == g.shape:
        out = factor.astype(g.dtype)  # a mask as 0/1 first: 1.2× faster than g * mask's mixed loop
        out *= g
        return out
    return g * factor


# -- unary ops -----------------------------------------------------------------------------------
class Exp(Op):
    """Z = exp(A) elementwise.

    Args: a: floating Tensor. Returns: Tensor of the same shape and dtype.
    VJP: dZ = Z ⊙ dA ⇒ Ā = Ḡ ⊙ Z (uses the saved output).
    """
    name = "exp"
    rule = "Ā = Ḡ ⊙ Z"
    rule_latex = r"\bar A = \bar G \odot Z"

    @staticmethod
    def forward(ctx, a):
        """The output ndarray, by the formula above."""
        out = np.exp(a._array)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def vjp(ctx, grad_out):
        """The input adjoints, by the VJP rule above."""
        (out,) = ctx.saved
        return (grad_out * out,)


class Log(Op):
    """Z = log(A) elementwise (natural log; A > 0, else NaN/−Inf as numpy).

    Args: a: floating Tensor. Returns: Tensor of the same shape and dtype.
    VJP: dZ = dA ⊘ A ⇒ Ā = Ḡ ⊘ A.
    """
    name = "log"
    rule = "Ā = Ḡ ⊘ A"
    rule_latex = r"\bar A = \bar G \oslash A"

    @staticmethod
    def forward(ctx, a):
        """The output ndarray, by the formula above."""
        ctx.save_for_backward(a)
        return np.log(a._array)

    @staticmethod
    def vjp(ctx, grad_out):
        """The input adjoints, by the VJP rule above."""
        (a,) = ctx.saved
        return (grad_out / a,)


class Log1p(Op):
    """Z = log(1 + A) elementwise, accurate for small |A| (A > −1).

    Args: a: floating Tensor. Returns: Tensor of the same shape and dtype.
    VJP: dZ = dA ⊘ (1 + A) ⇒ Ā = Ḡ ⊘ (1 + A).
    """
    name = "log1p"
    rule = "Ā = Ḡ ⊘ (1 + A)"
    rule_latex = r"\bar A = \bar G \oslash (1 + A)"

    @staticmethod
    def forward(ctx, a):
        """The output ndarray, by the formula above."""
        ctx.save_for_backward(a)
        return np.log1p(a._array)

    @staticmethod
    def vjp(ctx, grad_out):
        """The input adjoints, by the VJP rule above."""
        (a,) = ctx.saved
        return (grad_out / (a + 1),)


class Sqrt(Op):
    """Z = √A elementwise (A ≥ 0; NaN below 0 as numpy).

    Args: a: floating Tensor. Returns: Tensor of the same shape and dtype.
    VJP: dZ = dA ⊘ (2 Z) ⇒ Ā = Ḡ ⊘ (2 Z) (uses the saved output; +inf at A = 0, as PyTorch).
    """
    name = "sqrt"
    rule = "Ā = Ḡ ⊘ (2 Z)"
    rule_latex = r"\bar A = \bar G \oslash (2 Z)"

    @staticmethod
    def forward(ctx, a):
        """The output ndarray, by the formula above."""
        out = np.sqrt(a._array)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def vjp(ctx, grad_out):
        """The input adjoints, by the VJP rule above."""
        (out,) = ctx.saved
        return (grad_out / (out * 2),)


class Abs(Op):
    """Z = |A| elementwise.

    Args: a: Tensor (any numeric dtype; only floating ones carry gradients).
    Returns: Tensor of the same shape and dtype.
    VJP: dZ = sign(A) ⊙ dA ⇒ Ā = Ḡ ⊙ sign(A); the subgradient at 0 is 0 (abs′(0) = 0, as
        PyTorch's sgn), and so is abs′(NaN).
    """
    name = "abs"
    rule = "Ā = Ḡ ⊙ sign(A)"
    rule_latex = r"\bar A = \bar G \odot \operatorname{sign}(A)"

    @staticmethod
    def forward(ctx, a):
        """The output ndarray, by the formula above."""
        ctx.save_for_backward(a)
        return np.abs(a._array)

    @staticmethod
    def vjp(ctx, grad_out):
        """The input adjoints, by the VJP rule above."""
        (a,) = ctx.saved
        s = np.asarray(np.sign(np.asarray(a)))  # 0-d: keep an ndarray
        if s.dtype.kind == "f":
            np.copyto(s, 0, where=s != s)  # abs′(NaN) = 0, as PyTorch's sgn (np.sign gives NaN)
        return (_scale(grad_out, s),)


class Sign(Op):
    """Z = sign(A) ∈ {−1, 0, +1} elementwise (NaN stays NaN).

    Args: a: Tensor. Returns: Tensor of the same shape and dtype.
    VJP: sign is piecewise constant, dZ = 0 ⇒ Ā = 0 (zeros, also at the jump, as PyTorch).
    """
    name = "sign"
    rule = "Ā = 0"
    rule_latex = r"\bar A = 0"

    @staticmethod
    def forward(ctx, a):
        """The output ndarray, by the formula above."""
        return np.sign(a._array)

    @staticmethod
    def vjp(ctx, grad_out):
        """The input adjoints, by the VJP rule above."""
        return (np.zeros(grad_out.shape, grad_out.dtype),)  # a constant (inf · 0 would be NaN)


class Sin(Op):
    """Z = sin(A) elementwise (radians).

    Args: a: floating Tensor. Returns: Tensor of the same shape and dtype.
    VJP: dZ = cos(A) ⊙ dA ⇒ Ā = Ḡ ⊙ cos(A).
    """
    name = "sin"
    rule = "Ā = Ḡ ⊙ cos(A)"
    rule_latex = r"\bar A = \bar G \odot \cos A"

    @staticmethod
    def forward(ctx, a):
        """The output ndarray, by the formula above."""
        ctx.save_for_backward(a)
        return np.sin(a._array)

    @staticmethod
    def vjp(ctx, grad_out):
        """The input adjoints, by the VJP rule above."""
        (a,) = ctx.saved
        return (grad_out * np.cos(a),)


class Cos(Op):
    """Z = cos(A) elementwise (radians).

    Args: a: floating Tensor. Returns: Tensor of the same shape and dtype.
    VJP: dZ = −sin(A) ⊙ dA ⇒ Ā = −Ḡ ⊙ sin(A).
    """
    name = "cos"
    rule = "Ā = −Ḡ ⊙ sin(A)"
    rule_latex = r"\bar A = -\bar G \odot \sin A"

    @staticmethod
    def forward(ctx, a):
        """The output ndarray, by the formula above."""
        ctx.save_for_backward(a)
        return np.cos(a._array)

    @staticmethod
    def vjp(ctx, grad_out):
        """The input adjoints, by the VJP rule above."""
        (a,) = ctx.saved
        return (-(grad_out * np.sin(a)),)


class Tanh(Op):
    """Z = tanh(A) elementwise.

    Args: a: floating Tensor. Returns: Tensor of the same shape and dtype.
    VJP: dZ = (1 − Z ⊙ Z) ⊙ dA ⇒ Ā = Ḡ ⊙ (1 − Z²) (uses the saved output).
    """
    name = "tanh"
    rule = "Ā = Ḡ ⊙ (1 − Z²)"
    rule_latex = r"\bar A = \bar G \odot (1 - Z^2)"

    @staticmethod
    def forward(ctx, a):
        """The output ndarray, by the formula above."""
        out = np.tanh(a._array)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def vjp(ctx, grad_out):
        """The input adjoints, by the VJP rule above."""
        (out,) = ctx.saved
        d = 1 - out * out
        d *= grad_out  # in place on an ndarray (recorded on a Tensor; rebinds for 0-d scalars)
        return (d,)


class Erf(Op):
    """Z = erf(A) = 2/√π ∫₀ᴬ e^(−t²) dt elementwise (scipy.special.erf).

    Args: a: floating Tensor. Returns: Tensor of the same shape and dtype, values in [−1, 1].
    VJP: dZ = 2/√π e^(−A²) ⊙ dA ⇒ Ā = Ḡ ⊙ 2/√π e^(−A²).
    """
    name = "erf"
    rule = "Ā = Ḡ ⊙ 2/√π e^(−A²)"
    rule_latex = r"\bar A = \bar G \odot \tfrac{2}{\sqrt\pi} e^{-A^2}"

    @staticmethod
    def forward(ctx, a):
        """The output ndarray, by the formula above."""
        ctx.save_for_backward(a)
        return _special().erf(a._array)

    @staticmethod
    def vjp(ctx, grad_out):
        """The input adjoints, by the VJP rule above."""
        (a,) = ctx.saved
        return (grad_out * (np.exp(-(a * a)) * _TWO_OVER_SQRT_PI),)


# -- public functions ------------------------------------------------------------------------------
def _float_input(op, a):
    """`a` as a Tensor (numbers → default float dtype), checked to be floating."""
    a = as_tensor(a)
    if a._array.dtype.kind != "f":
        check_float(op, a)
    return a


def _unary(cls, summary, arg="floating Tensor (or number)", float_only=True):
    """The public function ``<cls.name>(a)`` of the one-input op `cls`: `a` as a Tensor (numbers →
    default float dtype), checked to be floating when `float_only`, then ``cls.apply(a)``.

    Its docstring is `summary` followed by the lines all of them share: Args (`arg`, what `a`
    may be), Returns (a's shape and dtype) and, when `float_only`, Raises (TypeError).
    """
    name = cls.name
    doc = f"{summary}\n\n    Args: a: {arg}. Returns: Tensor of a's shape and dtype.\n"
    if float_only:
        def op(a):
            return cls.apply(_float_input(name, a))
        doc += "    Raises: TypeError for an integer or bool tensor.\n"
    else:
        def op(a):
            return cls.apply(as_tensor(a))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc + "    "
    return op


exp = _unary(Exp, "Elementwise e^a (see `Exp`).")
log = _unary(Log, "Elementwise natural logarithm (see `Log`); NaN below 0 and −inf at 0, as numpy.")
log1p = _unary(Log1p, "Elementwise log(1 + a), accurate for small a (see `Log1p`).",
               arg="floating Tensor (or number), a > −1")
sqrt = _unary(Sqrt, "Elementwise square root (see `Sqrt`); the gradient at 0 is +inf, as PyTorch.",
              arg="floating Tensor (or number), a ≥ 0")
abs = _unary(Abs, "Elementwise |a|, with abs′(0) = 0 (see `Abs`).",
             arg="Tensor (or number), any numeric dtype", float_only=False)
sign = _unary(Sign, "Elementwise sign ∈ {−1, 0, +1}; its gradient is 0 everywhere (see `Sign`).",
              arg="Tensor (or number)", float_only=False)
sin = _unary(Sin, "Elementwise sine of radians (see `Sin`).")
cos = _unary(Cos, "Elementwise cosine of radians (see `Cos`).")
tanh = _unary(Tanh, "Elementwise hyperbolic tangent (see `Tanh`).")
erf = _unary(Erf, "Elementwise error function erf(a) = 2/√π ∫₀ᵃ e^(−t²) dt (see `Erf`; scipy.special.erf,\n"
                  "    float32 stays float32).")
