"""`RMSprop`: root-mean-square propagation, optionally centered and with momentum."""
import numpy as np

from autograd.grad_mode import enable_grad, no_grad
from autograd.tensor import Tensor

from . import _functional as F
from .optimizer import Optimizer, check_flags, check_number, required


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

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        check_flags("RMSprop", capturable=capturable, differentiable=differentiable)
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
                    "weight_decay": weight_decay, "maximize": maximize}
        self._check_options(defaults)
        super().__init__(params, defaults)

    def _check_options(self, options):
        """Validate lr, eps, momentum, weight_decay and alpha.

        Raises:
            ValueError, TypeError: naming the invalid option.
        """
        if options["lr"] is not required:
            check_number("RMSprop", "lr", options["lr"])
        check_number("RMSprop", "eps", options["eps"])
        check_number("RMSprop", "momentum", options["momentum"])
        check_number("RMSprop", "weight_decay", options["weight_decay"])
        check_number("RMSprop", "alpha", options["alpha"])

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
                momentum = group["momentum"]
                centered = group["centered"]
                params, arrays, grads, square_avgs, grad_avgs, bufs, steps = [], [], [], [], [], [], []
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    st = state[p]
                    if len(st) == 0:
                        st["step"] = 0.0
                        st["square_avg"] = Tensor._make(np.zeros_like(p.data), False, None)
                        if momentum > 0:
                            st["momentum_buffer"] = Tensor._make(np.zeros_like(p.data), False, None)
                        if centered:
                            st["grad_avg"] = Tensor._make(np.zeros_like(p.data), False, None)
                    else:  # momentum or centered switched on after the first step (e.g. by OneCycleLR)
                        if momentum > 0 and "momentum_buffer" not in st:
                            st["momentum_buffer"] = Tensor._make(np.zeros_like(p.data), False, None)
                        if centered and "grad_avg" not in st:
                            st["grad_avg"] = Tensor._make(np.zeros_like(p.data), False, None)
                    st["step"] = step = st["step"] + 1
                    params.append(p)
                    arrays.append(p.data)
                    grads.append(p.grad.data)
                    square_avgs.append(st["square_avg"].data)
                    if momentum > 0:
                        bufs.append(st["momentum_buffer"].data)
                    if centered:
                        grad_avgs.append(st["grad_avg"].data)
                    steps.append(step)
                if not params:
                    continue
                F.rmsprop(arrays, grads, square_avgs, grad_avgs, bufs, steps, lr=group["lr"], alpha=group["alpha"],
                          eps=group["eps"], weight_decay=group["weight_decay"], momentum=momentum,
                          centered=centered, maximize=group["maximize"])
                for p in params:
                    p._version += 1
        return loss
