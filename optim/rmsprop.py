"""`RMSprop`: root-mean-square propagation, optionally centered and with momentum."""
import numpy as np

from . import _functional as F
from .optimizer import Optimizer, check_flags


class RMSprop(Optimizer):
    """RMSprop (PyTorch's `torch.optim.RMSprop`, single-tensor form; eps outside the root).

    Update for each parameter θ with gradient ∇ (`optim._functional.rmsprop`)::

        g ← (−∇ if maximize else ∇) + weight_decay · θ
        s ← α · s + (1 − α) · g²
        centered:  a ← α · a + (1 − α) · g;  d ← √(s − a²) + eps   else  d ← √s + eps
        momentum > 0:  b ← momentum · b + g / d;  θ ← θ − lr · b   else  θ ← θ − lr · g / d

    Args:
        params: iterable of Tensors or of parameter-group dicts.
        lr (float): learning rate per step, ≥ 0 (default 1e-2).
        alpha (float): smoothing constant of s, ≥ 0 (default 0.99).
        eps (float): added to the denominator, ≥ 0 (default 1e-8).
        weight_decay (float): L2 penalty, ≥ 0 (default 0).
        momentum (float): momentum factor, ≥ 0 (default 0).
        centered (bool): normalize by the estimated variance instead of the raw second moment.
        capturable, foreach, differentiable: accepted for PyTorch compatibility (same
            positions); `foreach` has no effect, the others must be False.
        maximize (bool): ascend instead of descend.

    State (per parameter): ``step`` (float), ``square_avg``, and ``momentum_buffer`` (momentum
    > 0) and ``grad_avg`` (centered), Tensors of θ's shape and dtype.

    Raises:
        ValueError: for a negative lr, alpha, eps, weight_decay or momentum.
        TypeError: for non-numeric options or non-Tensor params.

    Source: Hinton, Neural Networks for Machine Learning, lecture 6e (2012); centered:
    Graves, "Generating Sequences With Recurrent Neural Networks", arXiv:1308.0850.
    """

    _number_options = (("lr", 0.0), ("eps", 0.0), ("momentum", 0.0), ("weight_decay", 0.0), ("alpha", 0.0))

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        check_flags("RMSprop", capturable=capturable, differentiable=differentiable)
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
                    "weight_decay": weight_decay, "maximize": maximize}
        self._check_options(defaults)
        super().__init__(params, defaults)

    def _update_group(self, group, params, arrays, grads):
        momentum = group["momentum"]
        centered = group["centered"]
        # momentum_buffer / grad_avg are added when switched on after the first step (e.g. by OneCycleLR)
        keys = ("square_avg",) + (("momentum_buffer",) if momentum > 0 else ()) + (("grad_avg",) if centered else ())
        states = self._next_states(params, keys)
        F.rmsprop(arrays, grads, [np.asarray(st["square_avg"]) for st in states],
                  [np.asarray(st["grad_avg"]) for st in states] if centered else [],
                  [np.asarray(st["momentum_buffer"]) for st in states] if momentum > 0 else [],
                  [st["step"] for st in states], lr=group["lr"], alpha=group["alpha"], eps=group["eps"],
                  weight_decay=group["weight_decay"], momentum=momentum, centered=centered,
                  maximize=group["maximize"])
