"""Activation layers: thin Modules around the elementwise autograd ops.

Every layer keeps the input's shape and dtype (Shape: input (*), output (*)). The `inplace`
arguments are accepted for PyTorch compatibility and ignored: results are always new Tensors.
"""
from . import functional as F
from .module import Module


class ReLU(Module):
    """max(x, 0) elementwise (relu′(0) = 0).

    Shape: input (*), output (*).
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        """relu(x)."""
        return F.relu(x)

    def extra_repr(self):
        """The settings shown inside the module's repr."""
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x for x ≥ 0, negative_slope · x otherwise.

    Args:
        negative_slope (float): slope for negative inputs (default 0.01).

    Shape: input (*), output (*).
    """

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, x):
        """leaky_relu(x, negative_slope)."""
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        """The settings shown inside the module's repr."""
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(Module):
    """x for x > 0, alpha · (exp(x) − 1) otherwise (Clevert et al. 2015, arXiv:1511.07289).

    Args:
        alpha (float): the negative saturation value (default 1.0).

    Shape: input (*), output (*).
    """

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, x):
        """elu(x, alpha)."""
        return F.elu(x, self.alpha)

    def extra_repr(self):
        """The settings shown inside the module's repr."""
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """x · Φ(x) (Hendrycks & Gimpel 2016, arXiv:1606.08415); ``approximate='tanh'`` uses
    0.5 x (1 + tanh(√(2/π)(x + 0.044715 x³))).

    Args:
        approximate (str): 'none' (exact, erf) or 'tanh'.

    Shape: input (*), output (*).
    """

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, x):
        """gelu(x, approximate)."""
        return F.gelu(x, approximate=self.approximate)

    def extra_repr(self):
        """The settings shown inside the module's repr."""
        return f"approximate={self.approximate!r}"


class Sigmoid(Module):
    """1 / (1 + exp(−x)) elementwise, values in (0, 1).

    Shape: input (*), output (*).
    """

    def forward(self, x):
        """sigmoid(x)."""
        return F.sigmoid(x)


class Tanh(Module):
    """tanh(x) elementwise, values in (−1, 1).

    Shape: input (*), output (*).
    """

    def forward(self, x):
        """tanh(x)."""
        return F.tanh(x)


class Softplus(Module):
    """(1/beta) · log(1 + exp(beta · x)), reverting to x where beta · x > threshold.

    Args:
        beta (float): sharpness (default 1).
        threshold (float): above it the function is linear (default 20).

    Shape: input (*), output (*).
    """

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, x):
        """softplus(x, beta, threshold)."""
        return F.softplus(x, beta=self.beta, threshold=self.threshold)

    def extra_repr(self):
        """The settings shown inside the module's repr."""
        return f"beta={self.beta}, threshold={self.threshold}"


class _AlongDim(Module):
    """Shared body of `Softmax` and `LogSoftmax`: a function applied along `dim` (None means
    the last axis); subclasses set `_fn` to the functional form."""

    _fn = None

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        """The subclass's function of x along `dim`."""
        return self._fn(x, -1 if self.dim is None else self.dim)

    def extra_repr(self):
        """The settings shown inside the module's repr."""
        return f"dim={self.dim}"


class Softmax(_AlongDim):
    """exp(x_i) / Σ_j exp(x_j) along `dim` (stable), values in [0, 1] summing to 1.

    Args:
        dim (int or None): the axis; None means the last axis.

    Shape: input (*), output (*).
    """

    _fn = staticmethod(F.softmax)


class LogSoftmax(_AlongDim):
    """log softmax along `dim` (stable: x − max − log Σ exp(x − max)).

    Args:
        dim (int or None): the axis; None means the last axis.

    Shape: input (*), output (*).
    """

    _fn = staticmethod(F.log_softmax)
