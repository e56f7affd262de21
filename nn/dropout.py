"""`Dropout` (inverted by default; the op is `autograd.dropout`)."""
import autograd as ag

from .module import Module


class Dropout(Module):
    """Zero each entry with probability p during training and scale the kept ones by
    1/(1 − p) (inverted dropout, PyTorch's); the identity in `eval()` mode.

    Args:
        p (float): drop probability in [0, 1] (default 0.5).
        inplace (bool): accepted for PyTorch compatibility; the result is always a new tensor.

    Shape: input (*), output (*) of the same shape.

    Raises:
        ValueError: if p is outside [0, 1].
        TypeError: if p is not a number.

    Source: Srivastava et al., JMLR 15 (2014). Masks come from `autograd.manual_seed`'s generator.
    """

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)):
            raise TypeError(f"Dropout: p must be a number; got {type(p).__name__}, expected a float in [0, 1].")
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be a probability in [0, 1]; got {p!r}, expected 0 <= p <= 1.")
        self.p = float(p)
        self.inplace = inplace

    def forward(self, x):
        """Apply dropout when training, else return x."""
        return ag.dropout(x, self.p, self.training)

    def extra_repr(self):
        """The layer's settings, shown inside its repr."""
        return f"p={self.p}, inplace={self.inplace}"
