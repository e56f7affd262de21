"""`SGD`: stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""
import numpy as np

from autograd.creation import from_numpy

from . import _functional as F
from .optimizer import Optimizer, check_flags


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (PyTorch's `torch.optim.SGD`).

    Update for each parameter θ with gradient ∇ (`optim._functional.sgd`)::

        g ← −∇ if maximize else ∇
        g ← g + weight_decay · θ
        if momentum ≠ 0:
            b ← g at the first step, else b ← momentum · b + (1 − dampening) · g
            g ← g + momentum · b if nesterov else b
        θ ← θ − lr · g

    Args:
        params: iterable of Tensors or of parameter-group dicts.
        lr (float): learning rate per step, ≥ 0 (default 1e-3).
        momentum (float): momentum factor, ≥ 0 (default 0).
        dampening (float): dampening of the momentum's new term (default 0).
        weight_decay (float): L2 penalty coefficient, ≥ 0 (default 0).
        nesterov (bool): Nesterov momentum; needs momentum > 0 and dampening = 0.
        maximize (bool): ascend instead of descend (keyword-only).
        foreach, differentiable, fused: accepted for PyTorch compatibility; `foreach` has no
            effect, `differentiable`/`fused` must be False/None.

    State (per parameter, when momentum ≠ 0): ``momentum_buffer`` (Tensor of θ's shape/dtype).

    Raises:
        ValueError: for a negative lr, momentum or weight_decay, or nesterov without momentum
            or with dampening (plus the `Optimizer` checks on params).
        TypeError: for non-numeric options or non-Tensor params.

    Source: Sutskever et al., "On the importance of initialization and momentum in deep
    learning", ICML 2013.
    """

    _number_options = (("lr", 0.0), ("momentum", 0.0), ("dampening", None), ("weight_decay", 0.0))

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        check_flags("SGD", differentiable=differentiable, fused=fused)
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
                    "nesterov": nesterov, "maximize": maximize}
        self._check_options(defaults)
        super().__init__(params, defaults)

    def _check_options(self, options):
        """Validate lr, momentum, dampening, weight_decay and the nesterov conditions.

        Raises:
            ValueError, TypeError: naming the invalid option.
        """
        super()._check_options(options)
        if options["nesterov"] and (options["momentum"] <= 0 or options["dampening"] != 0):
            raise ValueError(f"SGD: nesterov momentum requires a momentum and zero dampening; got momentum="
                             f"{options['momentum']!r}, dampening={options['dampening']!r}, expected momentum > 0 "
                             f"and dampening = 0.")

    def _update_group(self, group, params, arrays, grads):
        momentum = group["momentum"]
        state = self.state
        bufs = []
        if momentum != 0:
            for p in params:
                buf = state[p].get("momentum_buffer")
                bufs.append(None if buf is None else np.asarray(buf))
        F.sgd(arrays, grads, bufs, lr=group["lr"], momentum=momentum, dampening=group["dampening"],
              weight_decay=group["weight_decay"], nesterov=group["nesterov"], maximize=group["maximize"])
        if momentum != 0:
            for p, new in zip(params, bufs):
                buf = state[p].get("momentum_buffer")
                if buf is None or np.asarray(buf) is not new:
                    state[p]["momentum_buffer"] = from_numpy(new)
