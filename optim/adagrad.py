"""`Adagrad`: per-coordinate learning rates from the sum of squared gradients."""
import numpy as np

from autograd.grad_mode import enable_grad, no_grad
from autograd.tensor import Tensor

from . import _functional as F
from .optimizer import Optimizer, check_flags, check_number, required


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

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        check_flags("Adagrad", differentiable=differentiable, fused=fused)
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "maximize": maximize}
        self._check_options(defaults)
        super().__init__(params, defaults)
        for group in self.param_groups:
            self._init_state(group)

    def _init_state(self, group):
        init = float(group["initial_accumulator_value"])
        for p in group["params"]:
            st = self.state[p]
            st["step"] = 0.0
            st["sum"] = Tensor._make(np.full_like(p.data, init), False, None)

    def _check_options(self, options):
        """Validate lr, lr_decay, weight_decay, initial_accumulator_value and eps.

        Raises:
            ValueError, TypeError: naming the invalid option.
        """
        if options["lr"] is not required:
            check_number("Adagrad", "lr", options["lr"])
        check_number("Adagrad", "lr_decay", options["lr_decay"])
        check_number("Adagrad", "weight_decay", options["weight_decay"])
        check_number("Adagrad", "initial_accumulator_value", options["initial_accumulator_value"])
        check_number("Adagrad", "eps", options["eps"])

    def step(self, closure=None):
        """Update every parameter that has a gradient; parameters with ``grad is None`` are skipped.

        Args:
            closure (callable, optional): re-evaluates the model and returns the loss.

        Returns:
            the closure's loss, or None.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            state = self.state
            for group in self.param_groups:
                params, arrays, grads, sums, steps = [], [], [], [], []
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    st = state[p]
                    if len(st) == 0:  # a group added after construction
                        st["step"] = 0.0
                        st["sum"] = Tensor._make(np.full_like(p.data, float(group["initial_accumulator_value"])),
                                                 False, None)
                    st["step"] = step = st["step"] + 1
                    params.append(p)
                    arrays.append(p.data)
                    grads.append(p.grad.data)
                    sums.append(st["sum"].data)
                    steps.append(step)
                if not params:
                    continue
                F.adagrad(arrays, grads, sums, steps, lr=group["lr"], weight_decay=group["weight_decay"],
                          lr_decay=group["lr_decay"], eps=group["eps"], maximize=group["maximize"])
                for p in params:
                    p._version += 1
        return loss
