"""Activations: sigmoid, relu, leaky_relu, elu, gelu (with its backward op `gelu_backward`)
and softplus, elementwise with PyTorch's semantics (`torch.nn.functional`).

As for the math functions in `elementwise`: Z = f(A) entry by entry, Ā = Ḡ ⊙ f′(A), each VJP
written once with numpy ufuncs (ndarrays in a plain backward, recorded Tensors under
``create_graph``). The piecewise ones choose their subgradients as PyTorch does and say so;
gelu's derivative is an op of its own (`GeluGrad`) whose VJP is gelu″, and softplus's σ is the
`Sigmoid` op (`dispatch.apply`).
"""
import numpy as np

from ..function import Op
from ..tensor import Tensor
from .common import select
from .dispatch import apply
from .dispatch import where as _where
from .elementwise import _float_input, _scale, _special, _unary

_make = Tensor._make

_INV_SQRT_2PI = 0.39894228040143267794  # 1/√(2π)
_GELU_BETA = 0.79788456080286535588     # √(2/π)
_GELU_KAPPA = 0.044715


class Sigmoid(Op):
    """Z = σ(A) = 1 / (1 + e^(−A)) elementwise, finite and warning-free for any A.

    Computed as 1/(1 + e^(−A)); e^(−A) overflowing to +inf for A ≪ 0 gives exactly the
    limit 0 (the overflow is expected and silenced), and no cancellation occurs anywhere.

    Args: a: floating Tensor. Returns: Tensor of the same shape and dtype, values in [0, 1].
    VJP: dZ = Z ⊙ (1 − Z) ⊙ dA ⇒ Ā = Ḡ ⊙ Z ⊙ (1 − Z) (uses the saved output).
    """
    name = "sigmoid"
    rule = "Ā = Ḡ ⊙ Z ⊙ (1 − Z)"
    rule_latex = r"\bar A = \bar G \odot Z \odot (1 - Z)"

    @staticmethod
    def forward(ctx, a):
        """The output ndarray, by the formula above."""
        out = np.negative(a._array, out=np.empty_like(a._array))  # an ndarray even when 0-d
        with np.errstate(over="ignore"):
            np.exp(out, out=out)
        out += 1
        np.reciprocal(out, out=out)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def vjp(ctx, grad_out):
        """The input adjoints, by the VJP rule above."""
        (out,) = ctx.saved
        d = 1 - out
        d *= out
        d *= grad_out
        return (d,)


class Relu(Op):
    """Z = max(A, 0) elementwise.

    Args: a: Tensor. Returns: Tensor of the same shape and dtype.
    VJP: dZ = 1[A > 0] ⊙ dA ⇒ Ā = Ḡ ⊙ 1[Z ≠ 0]; the subgradient at 0 is 0 (relu′(0) = 0);
        relu′(NaN) = 1 (Z = NaN ≠ 0), as PyTorch's threshold_backward (Z ≤ 0 ? 0 : Ḡ).
    """
    name = "relu"
    rule = "Ā = Ḡ ⊙ 1[Z ≠ 0]"
    rule_latex = r"\bar A = \bar G \odot \mathbb{1}[Z \neq 0]"

    @staticmethod
    def forward(ctx, a):
        """The output ndarray, by the formula above."""
        out = np.maximum(a._array, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def vjp(ctx, grad_out):
        """The input adjoints, by the VJP rule above."""
        (out,) = ctx.saved
        return (_scale(grad_out, np.asarray(out) != 0),)  # Z ≥ 0 or NaN: ≠ 0 is PyTorch's ¬(Z ≤ 0)


class LeakyRelu(Op):
    """Z = A where A > 0, s·A elsewhere (s = negative_slope).

    Args: a: floating Tensor; negative_slope: float s. Returns: Tensor of a's shape and dtype.
    VJP: dZ = (1[A > 0] + s 1[A ≤ 0]) ⊙ dA ⇒ Ā = Ḡ ⊙ where(A > 0, 1, s); the slope at 0 is s
        (PyTorch's choice).
    """
    name = "leaky_relu"
    rule = "Ā = Ḡ ⊙ where(A > 0, 1, s)"
    rule_latex = r"\bar A = \bar G \odot \begin{cases} 1 & A > 0 \\ s & A \le 0 \end{cases}"

    @staticmethod
    def forward(ctx, a, negative_slope):
        """The output ndarray, by the formula above."""
        ctx.save_for_backward(a)
        ctx.negative_slope = negative_slope
        x = a._array
        # where(x > 0, x, s x) without np.where (slow here): max(x, s x) for s ≤ 1, else min
        return np.maximum(x, x * negative_slope) if negative_slope <= 1 else np.minimum(x, x * negative_slope)

    @staticmethod
    def vjp(ctx, grad_out):
        """The input adjoints, by the VJP rule above."""
        (a,) = ctx.saved
        positive = np.asarray(a) > 0
        slope = grad_out.dtype.type(ctx.negative_slope)
        if 0 <= slope <= 1:
            factor = np.maximum(positive, slope)  # exactly 1 or s
        else:
            factor = ~positive * slope + positive
        return (_scale(grad_out, factor),)


class Elu(Op):
    """Z = A where A > 0, α (e^A − 1) elsewhere (Clevert et al. 2015, arXiv:1511.07289).

    Args: a: floating Tensor; alpha: float α. Returns: Tensor of a's shape and dtype.
    VJP: dZ = (1[A > 0] + α e^A 1[A ≤ 0]) ⊙ dA ⇒ Ā = Ḡ ⊙ where(A > 0, 1, α e^A); at A = 0 the
        slope is α (PyTorch's choice). (α e^A is recomputed rather than taken as Z + α, which
        cancels to 0 in the tail.)
    """
    name = "elu"
    rule = "Ā = Ḡ ⊙ where(A > 0, 1, α e^A)"
    rule_latex = r"\bar A = \bar G \odot \begin{cases} 1 & A > 0 \\ \alpha e^A & A \le 0 \end{cases}"

    @staticmethod
    def forward(ctx, a, alpha):
        """The output ndarray, by the formula above."""
        ctx.save_for_backward(a)
        ctx.alpha = alpha
        x = a._array
        return np.maximum(x, 0) + np.expm1(np.minimum(x, 0)) * alpha  # one of the two terms is 0

    @staticmethod
    def vjp(ctx, grad_out):
        """The input adjoints, by the VJP rule above."""
        (a,) = ctx.saved
        positive = np.asarray(a) > 0
        e = np.exp(_where(positive, 0.0, a)) * ctx.alpha  # α e^A where A ≤ 0 (α elsewhere: no overflow)
        return (grad_out * (e * ~positive + positive),)  # exactly 1 or α e^A (e is finite or NaN at NaN)


class Gelu(Op):
    """Z = A ⊙ Φ(A), Φ the standard normal CDF (Hendrycks & Gimpel 2016, arXiv:1606.08415).

    approximate='none': Φ = scipy.special.ndtr (accurate in both tails), computed once in the
    forward and kept for the VJP; approximate='tanh': Φ(x) ≈ ½ (1 + tanh(β (x + κ x³))),
    β = √(2/π), κ = 0.044715.

    Args: a: floating Tensor; approximate: 'none' or 'tanh'.
    Returns: Tensor of a's shape and dtype.
    VJP: dZ = (Φ(A) + A ⊙ φ(A)) ⊙ dA with φ(x) = e^(−x²/2)/√(2π) ⇒ Ā = Ḡ ⊙ (Φ(A) + A φ(A)),
        applied as the op `GeluGrad` (whose own VJP is gelu″, so every order is exact).
        tanh form, T = tanh(β (A + κ A³)): Ā = Ḡ ⊙ (½ (1 + T) + ½ A (1 − T²) β (1 + 3κ A²)),
        written with ufuncs (recorded as such under create_graph).
    """
    name = "gelu"
    rule = "Ā = Ḡ ⊙ (Φ(A) + A φ(A))"
    rule_latex = r"\bar A = \bar G \odot (\Phi(A) + A\,\varphi(A))"

    @staticmethod
    def forward(ctx, a, approximate):
        """The output ndarray, by the formula above."""
        ctx.approximate = approximate
        x = a._array
        if approximate == "tanh":
            ctx.save_for_backward(a)
            inner = np.tanh((x + x * x * x * _GELU_KAPPA) * _GELU_BETA)
            return x * 0.5 * (1 + inner)
        cdf = _special().ndtr(x)
        ctx.save_for_backward(a, _make(np.asarray(cdf), False, None))  # Φ(A): a constant for GeluGrad
        return x * cdf

    @staticmethod
    def vjp(ctx, grad_out):
        """The input adjoints, by the VJP rule above."""
        if ctx.approximate != "tanh":
            a, cdf = ctx.saved
            return (apply(GeluGrad, grad_out, a, cdf),)
        (a,) = ctx.saved
        t = np.tanh((a + a * a * a * _GELU_KAPPA) * _GELU_BETA)
        d = (t + 1) * 0.5 + a * 0.5 * (1 - t * t) * _GELU_BETA * (a * a * (3 * _GELU_KAPPA) + 1)
        return (grad_out * d,)


class GeluGrad(Op):
    """Z = G ⊙ gelu′(A) = G ⊙ (Φ(A) + A φ(A)): the exact gelu's VJP as an op (see `Gelu`), so
    that its derivatives are new math rather than a recording of the first derivative.

    Args: g: Tensor (the adjoint Ḡ of gelu's output); a: Tensor (gelu's input); cdf: Tensor
        Φ(A) as gelu's forward computed it (a constant: its dependence on A is in the rule).
    Returns: Tensor of the broadcast shape of g and a, their dtype.
    VJP (ḡ the adjoint of Z; gelu″(A) = 2φ(A) + A φ′(A) = φ(A) (2 − A²)):
        Ḡ_G = ḡ ⊙ gelu′(A) (this op again),  Ā = ḡ ⊙ G ⊙ φ(A) (2 − A²).
    """
    name = "gelu_backward"
    rule = "Ḡ_G = ḡ ⊙ (Φ(A) + A φ(A)),  Ā = ḡ ⊙ G ⊙ φ(A)(2 − A²)"
    rule_latex = (r"\bar G_G = \bar g \odot (\Phi(A) + A\,\varphi(A)),\; "
                  r"\bar A = \bar g \odot G \odot \varphi(A)(2 - A^2)")

    @staticmethod
    def forward(ctx, g, a, cdf):
        """The output ndarray, by the formula above."""
        ctx.save_for_backward(g, a, cdf)
        x = a._array
        d = np.multiply(x, x, out=np.empty_like(x))  # an ndarray even when 0-d (in place below)
        d *= -0.5
        np.exp(d, out=d)
        d *= x
        d *= _INV_SQRT_2PI  # A φ(A)
        d += cdf._array
        d *= g._array
        return d

    @staticmethod
    def vjp(ctx, grad_out):
        """The input adjoints, by the VJP rule above."""
        g, a, cdf = ctx.saved
        need_g, need_a, _ = ctx.needs_input_grad
        gg = apply(GeluGrad, grad_out, a, cdf) if need_g else None
        ga = None
        if need_a:
            a2 = a * a
            ga = grad_out * g * (np.exp(a2 * -0.5) * (2 - a2) * _INV_SQRT_2PI)
        return gg, ga, None


class Softplus(Op):
    """Z = log(1 + e^(βA)) / β elementwise, and Z = A where βA > threshold (PyTorch's).

    Computed as (max(βA, 0) + log1p(e^(−|βA|))) / β: no overflow for any A.

    Args: a: floating Tensor; beta: nonzero float β; threshold: float.
    Returns: Tensor of a's shape and dtype.
    VJP: dZ = σ(βA) ⊙ dA below the threshold, dZ = dA above it
        ⇒ Ā = Ḡ ⊙ where(βA > threshold, 1, σ(βA)) (σ: the `Sigmoid` op, by `dispatch.apply`).
    """
    name = "softplus"
    rule = "Ā = Ḡ ⊙ σ(βA)  (Ḡ where βA > threshold)"
    rule_latex = r"\bar A = \bar G \odot \sigma(\beta A)"

    @staticmethod
    def forward(ctx, a, beta, threshold):
        """The output ndarray, by the formula above."""
        ctx.save_for_backward(a)
        ctx.beta = beta
        ctx.threshold = threshold
        x = a._array
        t = x * beta if beta != 1 else x
        out = np.log1p(np.exp(-np.abs(t)))
        out += np.maximum(t, 0)
        if beta != 1:
            out /= beta
        above = t > threshold
        if above.any():
            out = select(above, x, out)
        return out

    @staticmethod
    def vjp(ctx, grad_out):
        """The input adjoints, by the VJP rule above."""
        (a,) = ctx.saved
        t = a * ctx.beta if ctx.beta != 1 else a
        above = np.asarray(t) > ctx.threshold
        g = grad_out * apply(Sigmoid, t)
        return (_where(above, grad_out, g) if above.any() else g,)


# -- public functions ------------------------------------------------------------------------------
def _number(op, arg, value):
    """Check that a hyperparameter is a real number; return it as a float."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}: {arg} must be a real number; got {type(value).__name__}, expected float.")
    return float(value)


sigmoid = _unary(Sigmoid, "Elementwise logistic function 1/(1 + e^(−a)), finite without warnings for any a\n"
                          "    (see `Sigmoid`).")
relu = _unary(Relu, "Elementwise max(a, 0), with relu′(0) = 0 (see `Relu`).", arg="Tensor (or number)",
              float_only=False)


def gelu_backward(grad_output, a):
    """The exact gelu's VJP, Ḡ ⊙ (Φ(a) + a φ(a)), as a differentiable op (see `GeluGrad`;
    PyTorch's ``torch.ops.aten.gelu_backward`` with approximate='none').

    Args:
        grad_output: floating Tensor, the adjoint of ``gelu(a)``.
        a: floating Tensor of grad_output's shape and dtype, gelu's input.

    Returns: Tensor of a's shape and dtype.
    Raises: TypeError for an integer or bool tensor.
    """
    g, a = _float_input("gelu_backward", grad_output), _float_input("gelu_backward", a)
    return GeluGrad.apply(g, a, _make(np.asarray(_special().ndtr(a._array)), False, None))


def leaky_relu(a, negative_slope=0.01):
    """Elementwise a for a > 0, negative_slope·a otherwise; slope at 0 is negative_slope
    (PyTorch's `F.leaky_relu`; see `LeakyRelu`).

    Args:
        a: floating Tensor (or number).
        negative_slope (float): slope for a ≤ 0.

    Returns: Tensor of a's shape and dtype.
    Raises: TypeError for an integer or bool tensor, or a non-numeric negative_slope.
    """
    return LeakyRelu.apply(_float_input("leaky_relu", a),
                           negative_slope=_number("leaky_relu", "negative_slope", negative_slope))


def elu(a, alpha=1.0):
    """Elementwise a for a > 0, alpha·(e^a − 1) otherwise (PyTorch's `F.elu`; see `Elu`).

    Args:
        a: floating Tensor (or number).
        alpha (float): the saturation value −alpha for a → −∞.

    Returns: Tensor of a's shape and dtype.
    Raises: TypeError for an integer or bool tensor, or a non-numeric alpha.
    """
    return Elu.apply(_float_input("elu", a), alpha=_number("elu", "alpha", alpha))


def gelu(a, approximate="none"):
    """Gaussian error linear unit a·Φ(a) (PyTorch's `F.gelu`; see `Gelu`).

    Args:
        a: floating Tensor (or number).
        approximate (str): 'none' for the exact erf form, 'tanh' for the tanh approximation.

    Returns: Tensor of a's shape and dtype.
    Raises: ValueError if approximate is not 'none' or 'tanh'; TypeError for an integer or
        bool tensor.
    """
    if approximate != "none" and approximate != "tanh":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh'; got {approximate!r}, "
                         f"expected 'none' or 'tanh'.")
    return Gelu.apply(_float_input("gelu", a), approximate=approximate)


def softplus(a, beta=1.0, threshold=20.0):
    """Elementwise log(1 + e^(beta·a))/beta, and a itself where beta·a > threshold
    (PyTorch's `F.softplus`; see `Softplus`). Finite without warnings for any a.

    Args:
        a: floating Tensor (or number).
        beta (float): sharpness, nonzero.
        threshold (float): above beta·a > threshold the function is linear.

    Returns: Tensor of a's shape and dtype.
    Raises: ValueError if beta is 0; TypeError for an integer or bool tensor, or
        non-numeric beta/threshold.
    """
    beta = _number("softplus", "beta", beta)
    threshold = _number("softplus", "threshold", threshold)
    if beta == 0:
        raise ValueError("softplus: beta must be nonzero; got 0.0, expected a nonzero number.")
    return Softplus.apply(_float_input("softplus", a), beta=beta, threshold=threshold)
