"""`Adagrad`: per-coordinate learning rates from the sum of squared gradients."""
import numpy as np

from . import _functional as F
from .optimizer import Optimizer, check_flags


class Adagrad(Optimizer):
    """Adagrad (PyTorch's `torch.optim.Adagrad`, single-tensor form; eps outside the root).

    Update for each parameter θ with gradient ∇ at step t (`optim._functional.adagrad`)::

        g ← (−∇ if maximize else ∇) + weight_decay · θ
        η ← lr / (1 + (t − 1) · lr_decay)
        S ← S + g²                          (S starts at initial_accumulator_value)
        θ ← θ − η · g / (√S + eps)

    Args:
        params: iterable of Tensors or of parameter-group dicts.
        lr (float): learning rate per step, ≥ 0 (default 1e-2).
        lr_decay (float): ≥ 0 (default 0).
        weight_decay (float): L2 penalty, ≥ 0 (default 0).
        initial_accumulator_value (float): start value of S, ≥ 0 (default 0).
        eps (float): added to the denominator, ≥ 0 (default 1e-10).
        foreach: accepted for PyTorch compatibility, no effect.
        maximize (bool): ascend instead of descend (keyword-only).
        differentiable, fused: must be False/None.

    State (per parameter, made in the constructor as PyTorch does): ``step`` (float, 0) and
    ``sum`` (Tensor of θ's shape and dtype). Unlike PyTorch, which fills ``sum`` with the
    constructor's `initial_accumulator_value` for every group, a group's own
    ``initial_accumulator_value`` is honoured.

    Raises:
        ValueError: for a negative lr, lr_decay, weight_decay, initial_accumulator_value or eps.
        TypeError: for non-numeric options or non-Tensor params.

    Source: Duchi, Hazan & Singer, "Adaptive Subgradient Methods for Online Learning and
    Stochastic Optimization", JMLR 12 (2011).
    """

    _number_options = (("lr", 0.0), ("lr_decay", 0.0), ("weight_decay", 0.0), ("initial_accumulator_value", 0.0),
                       ("eps", 0.0))

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        check_flags("Adagrad", differentiable=differentiable, fused=fused)
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "maximize": maximize}
        self._check_options(defaults)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, ("sum",), float(group["initial_accumulator_value"]))

    def _update_group(self, group, params, arrays, grads):
        # a group added after construction gets its state here
        states = self._next_states(params, ("sum",), float(group["initial_accumulator_value"]))
        F.adagrad(arrays, grads, [np.asarray(st["sum"]) for st in states], [st["step"] for st in states], lr=group["lr"],
                  weight_decay=group["weight_decay"], lr_decay=group["lr_decay"], eps=group["eps"],
                  maximize=group["maximize"])
