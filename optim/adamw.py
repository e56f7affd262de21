"""`AdamW`: Adam with decoupled weight decay."""
from .adam import Adam


class AdamW(Adam):
    """AdamW: Adam whose weight decay shrinks θ directly instead of entering the moments.

    Update for each parameter θ with gradient ∇ at step t (`optim._functional.adamw`)::

        g ← −∇ if maximize else ∇
        θ ← θ · (1 − lr · weight_decay)
        m ← β1 · m + (1 − β1) · g
        v ← β2 · v + (1 − β2) · g²
        v̂ ← max(v̂, v) and use v̂ for v      (amsgrad)
        θ ← θ − lr / (1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + eps)

    Args:
        params: iterable of Tensors or of parameter-group dicts.
        lr (float): learning rate per step, ≥ 0 (default 1e-3).
        betas (tuple[float, float]): (β1, β2), each in [0, 1) (default (0.9, 0.999)).
        eps (float): added to the denominator, ≥ 0 (default 1e-8).
        weight_decay (float): decoupled decay coefficient, ≥ 0 (default 1e-2).
        amsgrad (bool): use the AMSGrad maximum of v (default False).
        maximize (bool): ascend instead of descend (keyword-only).
        foreach, capturable, differentiable, fused: as in `Adam`.

    State: as `Adam`. Param groups carry ``decoupled_weight_decay=True`` (PyTorch's layout),
    kept True by `load_state_dict`.

    Raises:
        ValueError: for lr, eps or weight_decay < 0, or a beta outside [0, 1).
        TypeError: for non-numeric options or non-Tensor params.

    Source: Loshchilov & Hutter, "Decoupled Weight Decay Regularization", arXiv:1711.05101.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def _after_load(self):
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
