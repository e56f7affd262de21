"""`Adam` (with AMSGrad and optional decoupled weight decay)."""
import numpy as np

from . import _functional as F
from .optimizer import Optimizer, check_flags, check_number

_KEYS = ("exp_avg", "exp_avg_sq")  # state buffers, made lazily in this order
_AMSGRAD_KEYS = (*_KEYS, "max_exp_avg_sq")


class Adam(Optimizer):
    """Adam: adaptive moment estimation (PyTorch's `torch.optim.Adam`, single-tensor form).

    Update for each parameter θ with gradient ∇ at step t (`optim._functional.adam`)::

        g ← −∇ if maximize else ∇
        θ ← θ · (1 − lr · weight_decay)     if decoupled_weight_decay (AdamW)
        g ← g + weight_decay · θ            otherwise
        m ← β1 · m + (1 − β1) · g
        v ← β2 · v + (1 − β2) · g²
        v̂ ← max(v̂, v) and use v̂ for v      (amsgrad)
        θ ← θ − lr / (1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + eps)

    Args:
        params: iterable of Tensors or of parameter-group dicts.
        lr (float): learning rate per step, ≥ 0 (default 1e-3).
        betas (tuple[float, float]): (β1, β2), each in [0, 1) (default (0.9, 0.999)).
        eps (float): added to the denominator, ≥ 0 (default 1e-8).
        weight_decay (float): ≥ 0 (default 0); an L2 penalty added to the gradient.
        amsgrad (bool): use the AMSGrad maximum of v (default False).
        maximize (bool): ascend instead of descend (keyword-only).
        decoupled_weight_decay (bool): AdamW's decay of θ instead of the L2 penalty.
        foreach, capturable, differentiable, fused: accepted for PyTorch compatibility;
            `foreach` has no effect, the others must be False/None.

    State (per parameter): ``step`` (float), ``exp_avg``, ``exp_avg_sq`` and, with amsgrad,
    ``max_exp_avg_sq`` (Tensors of θ's shape and dtype).

    Raises:
        ValueError: for lr, eps or weight_decay < 0, or a beta outside [0, 1).
        TypeError: for non-numeric options or non-Tensor params.

    Source: Kingma & Ba, "Adam: A Method for Stochastic Optimization", arXiv:1412.6980;
    Reddi et al., "On the Convergence of Adam and Beyond", ICLR 2018 (AMSGrad).
    """

    _number_options = (("lr", 0.0), ("eps", 0.0))

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        name = type(self).__name__
        check_flags(name, capturable=capturable, differentiable=differentiable, fused=fused)
        if isinstance(betas, list):
            betas = tuple(betas)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                    "maximize": maximize, "decoupled_weight_decay": decoupled_weight_decay}
        self._check_options(defaults)
        super().__init__(params, defaults)

    def _check_options(self, options):
        """Validate lr, betas, eps and weight_decay.

        Raises:
            ValueError, TypeError: naming the invalid option.
        """
        super()._check_options(options)  # lr, eps
        name = type(self).__name__
        betas = options["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"{name}: betas must be a pair of floats; got {betas!r}, expected (beta1, beta2).")
        check_number(name, "betas[0]", betas[0], low=0.0, high=1.0)
        check_number(name, "betas[1]", betas[1], low=0.0, high=1.0)
        check_number(name, "weight_decay", options["weight_decay"])

    def _update_group(self, group, params, arrays, grads):
        amsgrad = group["amsgrad"]
        states = self._next_states(params, _AMSGRAD_KEYS if amsgrad else _KEYS)
        beta1, beta2 = group["betas"]
        F.adam(arrays, grads, [np.asarray(st["exp_avg"]) for st in states], [np.asarray(st["exp_avg_sq"]) for st in states],
               [np.asarray(st["max_exp_avg_sq"]) for st in states] if amsgrad else [], [st["step"] for st in states],
               amsgrad=amsgrad, beta1=beta1, beta2=beta2, lr=group["lr"], weight_decay=group["weight_decay"],
               eps=group["eps"], maximize=group["maximize"], decoupled_weight_decay=group["decoupled_weight_decay"])
