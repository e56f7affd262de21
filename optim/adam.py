"""`Adam` (with AMSGrad and optional decoupled weight decay)."""
import numpy as np

from autograd.grad_mode import enable_grad, no_grad
from autograd.tensor import Tensor

from . import _functional as F
from .optimizer import Optimizer, check_flags, check_number, required


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
        name = type(self).__name__
        if options["lr"] is not required:
            check_number(name, "lr", options["lr"])
        check_number(name, "eps", options["eps"])
        betas = options["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"{name}: betas must be a pair of floats; got {betas!r}, expected (beta1, beta2).")
        check_number(name, "betas[0]", betas[0], low=0.0, high=1.0)
        check_number(name, "betas[1]", betas[1], low=0.0, high=1.0)
        check_number(name, "weight_decay", options["weight_decay"])

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
                amsgrad = group["amsgrad"]
                params, arrays, grads, exp_avgs, exp_avg_sqs, max_sqs, steps = [], [], [], [], [], [], []
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    st = state[p]
                    if len(st) == 0:
                        st["step"] = 0.0
                        st["exp_avg"] = Tensor._make(np.zeros_like(p.data), False, None)
                        st["exp_avg_sq"] = Tensor._make(np.zeros_like(p.data), False, None)
                        if amsgrad:
                            st["max_exp_avg_sq"] = Tensor._make(np.zeros_like(p.data), False, None)
                    elif amsgrad and "max_exp_avg_sq" not in st:
                        st["max_exp_avg_sq"] = Tensor._make(np.zeros_like(p.data), False, None)
                    st["step"] = step = st["step"] + 1
                    params.append(p)
                    arrays.append(p.data)
                    grads.append(p.grad.data)
                    exp_avgs.append(st["exp_avg"].data)
                    exp_avg_sqs.append(st["exp_avg_sq"].data)
                    if amsgrad:
                        max_sqs.append(st["max_exp_avg_sq"].data)
                    steps.append(step)
                if not params:
                    continue
                beta1, beta2 = group["betas"]
                F.adam(arrays, grads, exp_avgs, exp_avg_sqs, max_sqs, steps, amsgrad=amsgrad, beta1=beta1,
                       beta2=beta2, lr=group["lr"], weight_decay=group["weight_decay"], eps=group["eps"],
                       maximize=group["maximize"], decoupled_weight_decay=group["decoupled_weight_decay"])
                for p in params:
                    p._version += 1
        return loss
