"""Learning-rate schedules that follow `torch.optim.lr_scheduler` value for value.

A scheduler writes ``group["lr"]`` of its optimizer's parameter groups. Like PyTorch's, the
constructor records ``group["initial_lr"]`` (when ``last_epoch == -1``) and takes one initial
step, so right after construction the groups hold the schedule's first value; call
``scheduler.step()`` after each ``optimizer.step()``. The "chainable" schedules update the
current lr recursively (PyTorch's formulas, so values agree to the last bit); passing an
epoch to ``step`` (deprecated, as in PyTorch) uses the closed form instead.

State dicts hold only numbers, strings, None and lists/dicts of them, so ``nn.save`` can
write them.
"""
import copy
import math
import numbers
import types
import warnings
from bisect import bisect_right

from .optimizer import Optimizer, _plain, check_number

_EPOCH_DEPRECATION = ("The epoch parameter in `scheduler.step()` is deprecated (as in PyTorch): the closed form "
                      "is used where available. Call `scheduler.step()` without it.")


def _check_optimizer(owner, optimizer):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{owner}: optimizer must be an Optimizer; got {type(optimizer).__name__}, "
                        f"expected an optim.Optimizer.")


def _check_int(owner, name, value, low):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{owner}: {name} must be an int; got {type(value).__name__}, expected an int >= {low}.")
    if value < low:
        raise ValueError(f"{owner}: invalid {name}; got {value!r}, expected {name} >= {low}.")


def _per_group(owner, name, optimizer, value):
    """One value per parameter group: a list/tuple of that length, or one value repeated."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(f"{owner}: {name} must have one value per parameter group; got {len(value)} values, "
                             f"expected {len(optimizer.param_groups)}.")
        return list(value)
    return [value] * len(optimizer.param_groups)


def _check_schedulers(owner, schedulers, optimizer, expected):
    """Check the schedulers a `_SchedulerList` drives: at least one, all `LRScheduler`s (checked
    first), none a `ReduceLROnPlateau`, all of `optimizer` (None: the first one's, described
    by `expected` in the error).

    Returns:
        the optimizer they share.

    Raises:
        ValueError, TypeError: naming the owner and the first offending index.
    """
    if len(schedulers) < 1:
        raise ValueError(f"{owner}: expects at least one scheduler; got 0, expected a non-empty list.")
    for i, s in enumerate(schedulers):
        if not isinstance(s, LRScheduler):
            raise TypeError(f"{owner}: schedulers[{i}] is not a scheduler; got {type(s).__name__}, "
                            f"expected an LRScheduler.")
    optimizer = optimizer if optimizer is not None else schedulers[0].optimizer
    for i, s in enumerate(schedulers):
        if isinstance(s, ReduceLROnPlateau):  # a ValueError in PyTorch too
            raise ValueError(f"{owner}: schedulers[{i}] is a ReduceLROnPlateau, which needs a metric "  # noqa: TRY004
                             f"in step(); got ReduceLROnPlateau, expected a schedule without arguments.")
        if s.optimizer is not optimizer:
            raise ValueError(f"{owner}: schedulers[{i}] belongs to another optimizer; got "
                             f"{type(s.optimizer).__name__} at {id(s.optimizer):#x}, expected {expected}.")
    return optimizer


class LRScheduler:
    """Base class of the learning-rate schedules; subclasses define `get_lr`.

    Args:
        optimizer (Optimizer): the optimizer whose groups' ``lr`` is scheduled.
        last_epoch (int): index of the last epoch done; -1 (default) starts the schedule and
            sets ``initial_lr`` in every group; a value ≥ 0 resumes (the groups must then
            already have ``initial_lr``).

    Attributes:
        optimizer, base_lrs (list[float], the groups' ``initial_lr``), last_epoch (int).

    Raises:
        TypeError: if `optimizer` is not an `Optimizer`.
        ValueError: if resuming (``last_epoch >= 0``) and a group lacks ``initial_lr``.
    """

    _is_initial = False

    def __init__(self, optimizer, last_epoch=-1):
        owner = type(self).__name__
        _check_optimizer(owner, optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise ValueError(f"{owner}: param_groups[{i}] has no 'initial_lr' while resuming with "
                                     f"last_epoch={last_epoch}; expected a group that a scheduler already set up. "
                                     f"Hint: load the optimizer's state dict first, or use last_epoch=-1.")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _undo_initial_step(self):
        """Step the epoch counter back by one (`SequentialLR` undoes its schedulers' first step)."""
        self.last_epoch -= 1

    def _initial_step(self):
        """Reset the step count and take the constructor's step (``last_epoch`` -1 → 0)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self):
        """The learning rates for the new `last_epoch`, one per group (chainable form).

        Returns:
            list[float].
        """
        raise NotImplementedError(f"{type(self).__name__}: get_lr is not implemented.")

    def get_last_lr(self):
        """The learning rates the last `step` set, one per group.

        Returns:
            list[float] (a copy).
        """
        return list(self._last_lr)

    def step(self, epoch=None):
        """Advance the schedule by one epoch (or batch) and write the new lr into the groups.

        Args:
            epoch (int, optional): deprecated; jump to this epoch with the closed form.
        """
        self._step_count += 1
        if epoch is not None:
            warnings.warn(_EPOCH_DEPRECATION, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch=None):
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed = getattr(self, "_get_closed_form_lr", None)
            values = closed() if closed is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = self._current_lrs()

    def _current_lrs(self, factor=None):
        """Each group's current lr, times `factor` when one is given (the chainable step).

        Returns:
            list[float].
        """
        if factor is None:
            return [group["lr"] for group in self.optimizer.param_groups]
        return [group["lr"] * factor for group in self.optimizer.param_groups]

    def state_dict(self):
        """The scheduler's state: every attribute except the optimizer (deep-copied).

        Returns:
            dict of numbers, strings, None, lists and dicts (writable with ``nn.save``).
        """
        return {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict):
        """Restore the state from `state_dict` (as returned by `state_dict`, possibly after
        ``nn.save``/``nn.load``: 0-d arrays become numbers again).

        Args:
            state_dict (dict): the saved state.
        """
        self.__dict__.update(_plain(dict(state_dict)))

    def __repr__(self):
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, last_lr={getattr(self, '_last_lr', None)})"


class LambdaLR(LRScheduler):
    """Set each group's lr to initial_lr · lr_lambda(epoch).

    Args:
        optimizer (Optimizer): the optimizer.
        lr_lambda (callable or list[callable]): epoch (int) → multiplicative factor (float);
            one function for all groups or one per group.
        last_epoch (int): see `LRScheduler`.

    The state dict stores ``lr_lambdas`` as None for plain functions and lambdas and as a copy
    of ``__dict__`` for callable objects (as PyTorch does).

    Raises:
        ValueError: if a list of functions does not have one per group.
        TypeError: if a factor function is not callable.
    """

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        _check_optimizer("LambdaLR", optimizer)
        self.optimizer = optimizer
        self.lr_lambdas = _per_group("LambdaLR", "lr_lambda", optimizer, lr_lambda)
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"LambdaLR: lr_lambda must be callable; got {type(fn).__name__}, expected a "
                                f"function of the epoch.")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """base_lr · lr_lambda(last_epoch) per group.

        Returns:
            list[float].
        """
        return [base_lr * fn(self.last_epoch) for fn, base_lr in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self):
        """The state; functions are stored as None, callable objects by their ``__dict__``.

        Returns:
            dict.
        """
        state = {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [None if isinstance(fn, types.FunctionType) else copy.deepcopy(fn.__dict__)
                               for fn in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict):
        """Restore the state (and the attributes of callable-object factors).

        Args:
            state_dict (dict): as returned by `state_dict`.
        """
        state = dict(state_dict)
        lambdas = state.pop("lr_lambdas", [])
        self.__dict__.update(_plain(state))
        for fn, saved in zip(self.lr_lambdas, lambdas):
            if saved is not None:
                fn.__dict__.update(saved)


class PolynomialLR(LRScheduler):
    """Decay each group's lr polynomially to 0 over `total_iters` epochs:
    lr_t = initial_lr · (1 − min(t, total_iters) / total_iters)^power (applied recursively).

    Args:
        optimizer (Optimizer): the optimizer.
        total_iters (int): epochs of the decay, ≥ 1 (default 5).
        power (float): the polynomial's power (default 1.0).
        last_epoch (int): see `LRScheduler`.

    Raises:
        TypeError, ValueError: for a non-int or non-positive total_iters, a non-numeric power.
    """

    def __init__(self, optimizer, total_iters=5, power=1.0, last_epoch=-1):
        _check_int("PolynomialLR", "total_iters", total_iters, 1)
        check_number("PolynomialLR", "power", power, low=None)
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """Current lrs times the ratio of consecutive polynomial factors.

        Returns:
            list[float].
        """
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current_lrs()
        return self._current_lrs(((1.0 - self.last_epoch / self.total_iters)
                                  / (1.0 - (self.last_epoch - 1) / self.total_iters)) ** self.power)

    def _get_closed_form_lr(self):
        return [base_lr * (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters) ** self.power
                for base_lr in self.base_lrs]


class StepLR(LRScheduler):
    """Multiply every group's lr by `gamma` every `step_size` epochs.

    lr_t = initial_lr · gamma^⌊t / step_size⌋ (applied recursively: at each multiple of
    step_size the current lr is multiplied by gamma).

    Args:
        optimizer (Optimizer): the optimizer.
        step_size (int): period of the decay, ≥ 1.
        gamma (float): decay factor (default 0.1).
        last_epoch (int): see `LRScheduler`.

    Raises:
        TypeError, ValueError: for a non-int or non-positive step_size, a non-numeric gamma.
    """

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        _check_int("StepLR", "step_size", step_size, 1)
        check_number("StepLR", "gamma", gamma, low=None)
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """Current lrs, times gamma at non-zero multiples of step_size.

        Returns:
            list[float].
        """
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return self._current_lrs(self.gamma)

    def _get_closed_form_lr(self):
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size) for base_lr in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply every group's lr by `gamma` each time the epoch reaches a milestone.

    lr_t = initial_lr · gamma^(number of milestones ≤ t); a milestone listed k times
    multiplies by gamma^k.

    Args:
        optimizer (Optimizer): the optimizer.
        milestones (iterable[int]): epoch indices; kept sorted in ``self.milestones`` (a list,
            where PyTorch keeps a Counter).
        gamma (float): decay factor (default 0.1).
        last_epoch (int): see `LRScheduler`.

    Raises:
        TypeError: if a milestone is not an int or gamma is not a number.
    """

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        milestones = sorted(milestones)
        for m in milestones:
            if not isinstance(m, numbers.Integral) or isinstance(m, bool):
                raise TypeError(f"MultiStepLR: milestones must be ints; got {type(m).__name__}, expected int epochs.")
        check_number("MultiStepLR", "gamma", gamma, low=None)
        self.milestones = [int(m) for m in milestones]
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """Current lrs, times gamma^k at a milestone listed k times.

        Returns:
            list[float].
        """
        count = self.milestones.count(self.last_epoch)
        if count == 0:
            return self._current_lrs()
        return self._current_lrs(self.gamma ** count)

    def _get_closed_form_lr(self):
        return [base_lr * self.gamma ** bisect_right(self.milestones, self.last_epoch) for base_lr in self.base_lrs]


class ConstantLR(LRScheduler):
    """Multiply every group's lr by `factor` until epoch `total_iters`, then restore it.

    Args:
        optimizer (Optimizer): the optimizer.
        factor (float): in [0, 1] (default 1/3).
        total_iters (int): number of epochs with the reduced lr (default 5).
        last_epoch (int): see `LRScheduler`.

    Raises:
        ValueError: if factor is outside [0, 1].
    """

    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5, last_epoch=-1):
        check_number("ConstantLR", "factor", factor, low=0.0, high=1.0, high_open=False)
        _check_int("ConstantLR", "total_iters", total_iters, 0)
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """Current lrs, times factor at epoch 0 and divided by it at total_iters.

        Returns:
            list[float].
        """
        if self.last_epoch == 0:
            return self._current_lrs(self.factor)
        if self.last_epoch != self.total_iters:
            return self._current_lrs()
        return self._current_lrs(1.0 / self.factor)

    def _get_closed_form_lr(self):
        return [base_lr * (self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor))
                for base_lr in self.base_lrs]


class LinearLR(LRScheduler):
    """Scale every group's lr by a factor going linearly from `start_factor` to `end_factor`
    over `total_iters` epochs, then keep it.

    factor_t = start + (end − start) · min(t, total_iters) / total_iters (applied recursively
    with PyTorch's ratio formula).

    Args:
        optimizer (Optimizer): the optimizer.
        start_factor (float): in (0, 1] (default 1/3).
        end_factor (float): in [0, 1] (default 1.0).
        total_iters (int): epochs of the ramp, ≥ 1 (default 5).
        last_epoch (int): see `LRScheduler`.

    Raises:
        ValueError: for factors outside those ranges or total_iters < 1.
    """

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        check_number("LinearLR", "start_factor", start_factor, low=0.0, high=1.0, low_open=True, high_open=False)
        check_number("LinearLR", "end_factor", end_factor, low=0.0, high=1.0, high_open=False)
        _check_int("LinearLR", "total_iters", total_iters, 1)
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """Current lrs times the ratio of consecutive linear factors.

        Returns:
            list[float].
        """
        if self.last_epoch == 0:
            return self._current_lrs(self.start_factor)
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current_lrs()
        delta = self.end_factor - self.start_factor
        return self._current_lrs(1.0 + delta / (self.total_iters * self.start_factor + (self.last_epoch - 1) * delta))

    def _get_closed_form_lr(self):
        return [base_lr * (self.start_factor + (self.end_factor - self.start_factor)
                           * min(self.total_iters, self.last_epoch) / self.total_iters)
                for base_lr in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply every group's lr by `gamma` every epoch: lr_t = initial_lr · gammaᵗ.

    Args:
        optimizer (Optimizer): the optimizer.
        gamma (float): decay factor per epoch.
        last_epoch (int): see `LRScheduler`.

    Raises:
        TypeError: if gamma is not a number.
    """

    def __init__(self, optimizer, gamma, last_epoch=-1):
        check_number("ExponentialLR", "gamma", gamma, low=None)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """Current lrs times gamma (unchanged at the constructor's step).

        Returns:
            list[float].
        """
        if self._is_initial:
            return self._current_lrs()
        return self._current_lrs(self.gamma)

    def _get_closed_form_lr(self):
        return [base_lr * self.gamma ** self.last_epoch for base_lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing from initial_lr to `eta_min` over `T_max` epochs (no restarts).

    Closed form: η_t = η_min + ½ (η_0 − η_min)(1 + cos(π t / T_max)); applied with PyTorch's
    recursive form η_t = η_min + (η_{t−1} − η_min)(1 + cos(π t/T_max)) / (1 + cos(π (t−1)/T_max)),
    so values match PyTorch exactly (and keep following the cosine past T_max).

    Args:
        optimizer (Optimizer): the optimizer.
        T_max (int): half-period in epochs, ≥ 1.
        eta_min (float): minimum lr (default 0).
        last_epoch (int): see `LRScheduler`.

    Raises:
        TypeError, ValueError: for a non-int or non-positive T_max.

    Source: Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts",
    arXiv:1608.03983.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        _check_int("CosineAnnealingLR", "T_max", T_max, 1)
        check_number("CosineAnnealingLR", "eta_min", eta_min, low=None)
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """Next lrs by the recursive cosine formula.

        Returns:
            list[float].
        """
        groups = self.optimizer.param_groups
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current_lrs()
        if self._step_count == 1 and t > 0:
            return [eta_min + (base_lr - eta_min) * (1 + math.cos(t * math.pi / T)) / 2
                    for base_lr in self.base_lrs]
        if (t - 1 - T) % (2 * T) == 0:
            return [group["lr"] + (base_lr - eta_min) * (1 - math.cos(math.pi / T)) / 2
                    for base_lr, group in zip(self.base_lrs, groups)]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (group["lr"] - eta_min) + eta_min for group in groups]

    def _get_closed_form_lr(self):
        return [self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base_lr in self.base_lrs]


class _SchedulerList(LRScheduler):
    """Base of the schedules that drive other schedulers (`SequentialLR`, `ChainedScheduler`),
    kept in ``self._schedulers``."""

    def _undo_initial_step(self):
        for s in self._schedulers:
            s._undo_initial_step()

    def state_dict(self):
        """The state, with each wrapped scheduler's state dict under ``"_schedulers"``.

        Returns:
            dict.
        """
        state = {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict):
        """Restore the state and the wrapped schedulers' states.

        Args:
            state_dict (dict): as returned by `state_dict`.
        """
        state = dict(state_dict)
        inner = state.pop("_schedulers")
        self.__dict__.update(_plain(state))
        for s, sd in zip(self._schedulers, inner):
            s.load_state_dict(sd)


class SequentialLR(_SchedulerList):
    """Run `schedulers` one after another, switching at the epochs in `milestones`.

    At a milestone the next scheduler restarts from its epoch 0 (closed form where it has one),
    as in PyTorch.

    Args:
        optimizer (Optimizer): the optimizer all schedulers drive.
        schedulers (list[LRScheduler]): at least one; not `ReduceLROnPlateau`.
        milestones (list[int]): len(schedulers) − 1 increasing epochs.
        last_epoch (int): see `LRScheduler` (default -1).

    Raises:
        ValueError: for no schedulers, a ReduceLROnPlateau, a scheduler of another optimizer,
            or a wrong number of milestones.
        TypeError: if an entry is not a scheduler.
    """

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        _check_optimizer("SequentialLR", optimizer)
        schedulers = list(schedulers)
        milestones = list(milestones)
        _check_schedulers("SequentialLR", schedulers, optimizer, "the optimizer given to SequentialLR")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR: needs one milestone fewer than schedulers; got {len(milestones)} "
                             f"milestones for {len(schedulers)} schedulers, expected {len(schedulers) - 1}.")
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for s in schedulers:  # undo the step each made in its constructor
            s._undo_initial_step()
        idx = bisect_right(milestones, 0)
        schedulers[idx]._initial_step()
        self._last_lr = schedulers[idx].get_last_lr()

    def step(self):
        """Advance the active scheduler (restarting the next one at a milestone)."""
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


class ChainedScheduler(_SchedulerList):
    """Step several schedulers together each epoch (their effects multiply / chain).

    Args:
        schedulers (list[LRScheduler]): at least one; not `ReduceLROnPlateau`.
        optimizer (Optimizer, optional): defaults to the first scheduler's optimizer.

    Raises:
        ValueError: for no schedulers, a ReduceLROnPlateau, or schedulers of different optimizers.
        TypeError: if an entry is not a scheduler.
    """

    def __init__(self, schedulers, optimizer=None):
        schedulers = list(schedulers)
        optimizer = _check_schedulers("ChainedScheduler", schedulers, optimizer, "one optimizer for all schedulers")
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = self._current_lrs()

    def step(self):
        """Step every wrapped scheduler, in order."""
        for s in self._schedulers:
            s.step()
        self._last_lr = self._current_lrs()


class ReduceLROnPlateau(LRScheduler):
    """Multiply the lr by `factor` when a metric has stopped improving for `patience` epochs.

    ``step(metric)`` after each epoch: the metric is better when (mode 'min', threshold_mode
    'rel') metric < best · (1 − threshold), ('min', 'abs') metric < best − threshold, ('max',
    'rel') metric > best · (1 + threshold), ('max', 'abs') metric > best + threshold. After more
    than `patience` bad epochs each group's lr becomes max(lr · factor, min_lr) (skipped if the
    change is ≤ eps), then `cooldown` epochs pass without counting bad epochs.

    Args:
        optimizer (Optimizer): the optimizer.
        mode (str): 'min' or 'max' (default 'min').
        factor (float): reduction factor, < 1 (default 0.1).
        patience (int): bad epochs tolerated (default 10).
        threshold (float): significance threshold (default 1e-4).
        threshold_mode (str): 'rel' or 'abs' (default 'rel').
        cooldown (int): epochs to wait after a reduction (default 0).
        min_lr (float or list[float]): lower bound per group (default 0).
        eps (float): minimal change of lr that is applied (default 1e-8).

    Raises:
        ValueError: for factor ≥ 1, an unknown mode or threshold_mode, or a min_lr list of the
            wrong length.
        TypeError: if `optimizer` is not an `Optimizer`.
    """

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0, eps=1e-8):
        owner = "ReduceLROnPlateau"
        check_number(owner, "factor", factor, low=None, high=1.0)
        _check_optimizer(owner, optimizer)
        _check_int(owner, "patience", patience, 0)
        _check_int(owner, "cooldown", cooldown, 0)
        check_number(owner, "threshold", threshold, low=None)
        check_number(owner, "eps", eps)
        self.factor = factor
        self.optimizer = optimizer
        if isinstance(min_lr, (list, tuple)):
            self.min_lrs = _per_group(owner, "min_lr", optimizer, min_lr)
            self.default_min_lr = None
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * len(optimizer.param_groups)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = self._current_lrs()
        self._init_is_better(mode, threshold, threshold_mode)
        self._reset()

    def _init_is_better(self, mode, threshold, threshold_mode):
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: unknown mode; got {mode!r}, expected 'min' or 'max'.")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"ReduceLROnPlateau: unknown threshold_mode; got {threshold_mode!r}, "
                             f"expected 'rel' or 'abs'.")
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    def _reset(self):
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self):
        """bool: True while cooling down after a reduction."""
        return self.cooldown_counter > 0

    def is_better(self, a, best):
        """Whether metric `a` improves on `best` by the threshold (see the class docstring).

        Returns:
            bool.
        """
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def step(self, metrics, epoch=None):
        """Record this epoch's metric and reduce the lr if it has plateaued.

        Args:
            metrics (float or one-element Tensor): the monitored quantity.
            epoch (int, optional): deprecated epoch index.
        """
        current = float(metrics)
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(_EPOCH_DEPRECATION, UserWarning, stacklevel=2)
        self.last_epoch = epoch
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._current_lrs()

    def _reduce_lr(self):
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(f"ReduceLROnPlateau: the optimizer has {len(groups)} parameter groups but "
                                   f"min_lr has {len(self.min_lrs)} values; expected one per group. Hint: set "
                                   f"scheduler.min_lrs after add_param_group.")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for i, group in enumerate(groups):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, self.min_lrs[i])
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    def load_state_dict(self, state_dict):
        """Restore the state (see `LRScheduler.load_state_dict`) and re-derive the comparison.

        Args:
            state_dict (dict): as returned by `state_dict`.
        """
        super().load_state_dict(state_dict)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)


class OneCycleLR(LRScheduler):
    """The 1cycle policy: lr rises from max_lr/div_factor to max_lr, then anneals to a minimum
    far below; momentum (or Adam's β1) moves inversely between max_momentum and base_momentum.

    Two phases (default, fastai's): [0, pct_start·total − 1] up, then down to
    initial_lr/final_div_factor at total − 1. With `three_phase`: up, symmetric down to
    initial_lr, then down to the minimum. Call `step` after every batch; stepping more than
    `total_steps` times raises.

    Args:
        optimizer (Optimizer): the optimizer.
        max_lr (float or list[float]): peak lr per group.
        total_steps (int, optional): steps in the cycle; else epochs · steps_per_epoch.
        epochs, steps_per_epoch (int, optional): used when total_steps is None.
        pct_start (float): fraction of the cycle spent rising, in [0, 1] (default 0.3).
        anneal_strategy (str): 'cos' (default) or 'linear'.
        cycle_momentum (bool): cycle momentum / β1 (default True); the optimizer must have a
            ``momentum`` or ``betas`` option.
        base_momentum, max_momentum (float or list[float]): momentum bounds (0.85, 0.95).
        div_factor (float): initial_lr = max_lr / div_factor (default 25).
        final_div_factor (float): min_lr = initial_lr / final_div_factor (default 1e4).
        three_phase (bool): use the three-phase schedule (default False).
        last_epoch (int): index of the last batch done (default -1).

    Raises:
        ValueError: for a non-positive step count, pct_start outside [0, 1], an unknown
            anneal_strategy, momentum cycling on an optimizer without momentum/betas, or a
            per-group list of the wrong length.

    Source: Smith & Topin, "Super-Convergence", arXiv:1708.07120.
    """

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, pct_start=0.3,
                 anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85, max_momentum=0.95,
                 div_factor=25.0, final_div_factor=1e4, three_phase=False, last_epoch=-1):
        owner = "OneCycleLR"
        _check_optimizer(owner, optimizer)
        self.optimizer = optimizer
        if total_steps is not None:
            _check_int(owner, "total_steps", total_steps, 1)
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            _check_int(owner, "epochs", epochs, 1)
            _check_int(owner, "steps_per_epoch", steps_per_epoch, 1)
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError(f"{owner}: the cycle length is undefined; got total_steps={total_steps}, "
                             f"epochs={epochs}, steps_per_epoch={steps_per_epoch}, expected total_steps or "
                             f"both epochs and steps_per_epoch.")
        check_number(owner, "pct_start", pct_start, low=0.0, high=1.0, high_open=False)
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"{owner}: unknown anneal_strategy; got {anneal_strategy!r}, expected 'cos' or 'linear'.")
        self._anneal_func_type = anneal_strategy
        total = self.total_steps
        if three_phase:
            self._schedule_phases = [
                {"end_step": float(pct_start * total) - 1, "start_lr": "initial_lr", "end_lr": "max_lr",
                 "start_momentum": "max_momentum", "end_momentum": "base_momentum"},
                {"end_step": float(2 * pct_start * total) - 2, "start_lr": "max_lr", "end_lr": "initial_lr",
                 "start_momentum": "base_momentum", "end_momentum": "max_momentum"},
                {"end_step": total - 1, "start_lr": "initial_lr", "end_lr": "min_lr",
                 "start_momentum": "max_momentum", "end_momentum": "max_momentum"},
            ]
        else:
            self._schedule_phases = [
                {"end_step": float(pct_start * total) - 1, "start_lr": "initial_lr", "end_lr": "max_lr",
                 "start_momentum": "max_momentum", "end_momentum": "base_momentum"},
                {"end_step": total - 1, "start_lr": "max_lr", "end_lr": "min_lr",
                 "start_momentum": "base_momentum", "end_momentum": "max_momentum"},
            ]
        max_lrs = _per_group(owner, "max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for group, peak in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = peak / div_factor
                group["max_lr"] = peak
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(f"{owner}: cycle_momentum needs an optimizer with momentum or betas; got "
                                 f"{type(optimizer).__name__}, expected e.g. SGD or Adam (or cycle_momentum=False).")
            self.use_beta1 = "betas" in optimizer.defaults
            max_ms = _per_group(owner, "max_momentum", optimizer, max_momentum)
            base_ms = _per_group(owner, "base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for m_max, m_base, group in zip(max_ms, base_ms, optimizer.param_groups):
                    if self.use_beta1:
                        group["betas"] = (m_max, *group["betas"][1:])
                    else:
                        group["momentum"] = m_max
                    group["max_momentum"] = m_max
                    group["base_momentum"] = m_base
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _annealing_cos(start, end, pct):
        return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)

    @staticmethod
    def _annealing_linear(start, end, pct):
        return (end - start) * pct + start

    def get_lr(self):
        """The lrs at `last_epoch`; also writes the cycled momentum/β1 into the groups.

        Returns:
            list[float].

        Raises:
            ValueError: if stepped beyond total_steps.
        """
        step_num = self.last_epoch
        if step_num > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {step_num} times; got {step_num} steps, expected at most "
                             f"total_steps={self.total_steps}.")
        anneal = self._annealing_cos if self._anneal_func_type == "cos" else self._annealing_linear
        phases = self._schedule_phases
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(phases):
                end_step = phase["end_step"]
                if step_num <= end_step or i == len(phases) - 1:
                    pct = (step_num - start_step) / (end_step - start_step)
                    lr = anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct)
                    if self.cycle_momentum:
                        momentum = anneal(group[phase["start_momentum"]], group[phase["end_momentum"]], pct)
                    break
                start_step = phase["end_step"]
            lrs.append(lr)
            if self.cycle_momentum:
                if self.use_beta1:
                    group["betas"] = (momentum, *group["betas"][1:])
                else:
                    group["momentum"] = momentum
        return lrs
