"""Loss modules (PyTorch's names, arguments and defaults); each calls the fused op in
`nn.functional`. `reduction` is 'mean' (default), 'sum' or 'none' (elementwise losses)."""
import numpy as np

from autograd.tensor import Tensor

from . import functional as F
from .module import Module


def _buffer(value):
    """None, or the value as a Tensor (ndarrays and lists are wrapped) to register as a buffer."""
    if value is None or isinstance(value, Tensor):
        return value
    return Tensor(np.asarray(value) if not isinstance(value, np.ndarray) else value)


class _Loss(Module):
    """Base of the losses: stores `reduction` ('mean', 'sum' or 'none')."""

    def __init__(self, reduction="mean"):
        super().__init__()
        self.reduction = reduction

    def extra_repr(self):
        """The settings shown inside the module's repr."""
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """Mean squared error ℓ = (x − y)².

    Shape: input (*), target (*) of the same shape; output () or (*) for 'none'.
    """

    def forward(self, input, target):
        """mse_loss(input, target, reduction)."""
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error ℓ = |x − y| (gradient sign(x − y), 0 at x = y).

    Shape: input (*), target (*) of the same shape; output () or (*) for 'none'.
    """

    def forward(self, input, target):
        """l1_loss(input, target, reduction)."""
        return F.l1_loss(input, target, reduction=self.reduction)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities: ℓ = −w (y log x + (1 − y) log(1 − x)), each log
    clamped at −100 like PyTorch.

    Args:
        weight (Tensor or ndarray, optional): rescaling weight broadcast against the input.
        reduction (str): 'mean', 'sum' or 'none'.

    Shape: input (*) probabilities in [0, 1], target (*) in [0, 1]; output () or (*).
    """

    def __init__(self, weight=None, reduction="mean"):
        super().__init__(reduction)
        self.register_buffer("weight", _buffer(weight))

    def forward(self, input, target):
        """binary_cross_entropy(input, target, weight, reduction)."""
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross-entropy in one stable op (finite at logits ±1000):
    ℓ = w [(1 − y) x + (1 + (pw − 1) y) · log(1 + exp(−x))], log(1 + exp(−x)) computed as
    log1p(exp(−|x|)) + max(−x, 0).

    Args:
        weight (optional): rescaling weight broadcast against the input.
        reduction (str): 'mean', 'sum' or 'none'.
        pos_weight (optional): weight pw of positive examples, broadcast along the last axis
            (one per class).

    Shape: input (*) logits, target (*) in [0, 1]; output () or (*).
    """

    def __init__(self, weight=None, reduction="mean", pos_weight=None):
        super().__init__(reduction)
        self.register_buffer("weight", _buffer(weight))
        self.register_buffer("pos_weight", _buffer(pos_weight))

    def forward(self, input, target):
        """binary_cross_entropy_with_logits(input, target, weight, reduction, pos_weight)."""
        return F.binary_cross_entropy_with_logits(input, target, weight=self.weight, reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class CrossEntropyLoss(_Loss):
    """Cross-entropy from logits (log-softmax + NLL fused; see `nn.functional.cross_entropy`).

    Args:
        weight (optional): (C,) class weights.
        ignore_index (int): class-index targets to skip (default −100).
        reduction (str): 'mean' (weighted mean over non-ignored targets), 'sum' or 'none'.
        label_smoothing (float): ε in [0, 1]; the target becomes (1 − ε) target + ε / C.

    Shape: input (N, C), (N, C, d1, …) or (C,) logits; target (N,), (N, d1, …) or () int class
    indices in [0, C), or class probabilities shaped like the input; output () or (N, d1, …).
    """

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(reduction)
        self.register_buffer("weight", _buffer(weight))
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        """cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)."""
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_Loss):
    """Negative log-likelihood of class indices given log-probabilities (after `LogSoftmax`).

    Args:
        weight (optional): (C,) class weights.
        ignore_index (int): targets to skip (default −100).
        reduction (str): 'mean' (weighted), 'sum' or 'none'.

    Shape: input (N, C), (N, C, d1, …) or (C,); target (N,), (N, d1, …) or () ints; output () or
    (N, d1, …).
    """

    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        super().__init__(reduction)
        self.register_buffer("weight", _buffer(weight))
        self.ignore_index = ignore_index

    def forward(self, input, target):
        """nll_loss(input, target, weight, ignore_index, reduction)."""
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class KLDivLoss(_Loss):
    """Kullback–Leibler divergence with the input given as log-probabilities:
    ℓ = y (log y − x) (0 where y = 0), or exp(y)(y − x) with ``log_target=True``.

    Args:
        reduction (str): 'mean' (over all elements, PyTorch's default), 'batchmean' (sum / N:
            the actual KL divergence per sample), 'sum' or 'none'.
        log_target (bool): the target is given as log-probabilities.

    Shape: input (*), target (*) of the same shape; output () or (*) for 'none'.
    """

    def __init__(self, reduction="mean", log_target=False):
        super().__init__(reduction)
        self.log_target = log_target

    def forward(self, input, target):
        """kl_div(input, target, reduction, log_target)."""
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class HingeLoss(_Loss):
    """Binary max-margin loss ℓ = max(0, margin − y · s) for scores s and labels y ∈ {−1, +1}.

    Args:
        margin (float): the margin (default 1.0).
        reduction (str): 'mean', 'sum' or 'none'.

    Shape: input (*) scores, target (*) labels; output () or (*) for 'none'.
    """

    def __init__(self, margin=1.0, reduction="mean"):
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input, target):
        """hinge_loss(input, target, margin, reduction)."""
        return F.hinge_loss(input, target, margin=self.margin, reduction=self.reduction)

    def extra_repr(self):
        """The settings shown inside the module's repr."""
        base = super().extra_repr()
        return f"margin={self.margin}" + (f", {base}" if base else "")
