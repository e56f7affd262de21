"""Elementwise ops: Z = f(A) applied entry by entry, so the Jacobian is diagonal and the VJP
is Ā = Ḡ ⊙ f′(A) (or written with the output Z when f′ is a function of it).

Binary ops (`maximum`, `minimum`, `where`, `clip` with Tensor bounds) broadcast like numpy;
their VJPs return adjoints in the output's shape and the engine sums them back.

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
from ..tensor import Tensor
from .common import as_tensor, broadcast_error, check_float, promote, select
from .dispatch import apply
from .dispatch import where as _where

_make = Tensor._make


def _special():
    """`scipy.special` (erf, ndtr), imported on first use: importing it also loads SciPy's own
    OpenBLAS, a second BLAS thread pool beside numpy's that a model without erf/gelu should not
    carry (issue 14: one BLAS per process)."""
    import scipy.special
    return scipy.special

_INV_SQRT_2PI = 0.39894228040143267794  # 1/√(2π)
_TWO_OVER_SQRT_PI = 1.12837916709551257390  # 2/√π
_GELU_BETA = 0.79788456080286535588     # √(2/π)
_GELU_KAPPA = 0.044715


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
def _float_input(op, a):
    """`a` as a Tensor (numbers → default float dtype), checked to be floating."""
    a = as_tensor(a)
    if a._array.dtype.kind != "f":
        check_float(op, a)
    return a


def _number(op, arg, value):
    """Check that a hyperparameter is a real number; return it as a float."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}: {arg} must be a real number; got {type(value).__name__}, expected float.")
    return float(value)


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
sigmoid = _unary(Sigmoid, "Elementwise logistic function 1/(1 + e^(−a)), finite without warnings for any a\n"
                          "    (see `Sigmoid`).")
relu = _unary(Relu, "Elementwise max(a, 0), with relu′(0) = 0 (see `Relu`).", arg="Tensor (or number)",
              float_only=False)
erf = _unary(Erf, "Elementwise error function erf(a) = 2/√π ∫₀ᵃ e^(−t²) dt (see `Erf`; scipy.special.erf,\n"
                  "    float32 stays float32).")


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
