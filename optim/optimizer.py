"""`Optimizer`: parameter groups, per-parameter state, state dicts; the base of every optimizer.

Follows `torch.optim.Optimizer` (PyTorch 2.x): ``param_groups`` is a list of dicts whose
missing options are filled from ``defaults``; ``state`` maps each parameter Tensor (hashed by
identity) to a dict of PyTorch's keys (``step``, ``exp_avg`` …) made lazily by ``step``;
``state_dict()`` replaces parameters by their position (0, 1, … over all groups in order).
The update arithmetic lives in `optim/_functional.py`; `step` runs each subclass's `_update_group`,
which gathers ndarrays and calls it.
"""
import copy
import math
import numbers
from collections import defaultdict

import numpy as np

from autograd.creation import from_numpy
from autograd.grad_mode import enable_grad, no_grad
from autograd.graph import increment_version
from autograd.tensor import Tensor


class _RequiredParameter:
    """Sentinel for an option that has no default and must be given (e.g. a custom lr)."""

    __slots__ = ()

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()

# state keys that hold an array of the parameter's shape and dtype
_BUFFER_KEYS = frozenset({"momentum_buffer", "exp_avg", "exp_avg_sq", "max_exp_avg_sq", "square_avg",
                          "grad_avg", "sum"})


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_number(owner, name, value, low=0.0, high=None, low_open=False, high_open=True):
    """Validate one numeric hyperparameter; raise a one-sentence error naming it.

    Args:
        owner (str): the optimizer or scheduler name that starts the message.
        name (str): the option name (``"lr"``, ``"betas[0]"`` …).
        value: the value given.
        low (float or None): lower bound (None: unbounded); inclusive unless `low_open`.
        high (float or None): upper bound (None: unbounded); exclusive unless `high_open` is False.

    Raises:
        TypeError: if `value` is not a real number (bools are not numbers here).
        ValueError: if it is NaN or outside the bounds, e.g.
            ``"SGD: invalid lr; got -0.1, expected lr >= 0."``.
    """
    if not _is_number(value):
        raise TypeError(f"{owner}: {name} must be a real number; got {type(value).__name__}, expected a float.")
    ok = not math.isnan(value)
    if low is not None:
        ok = ok and (value > low if low_open else value >= low)
    if high is not None:
        ok = ok and (value < high if high_open else value <= high)
    if not ok:
        if low is not None and high is not None:
            expected = f"{low:g} {'<' if low_open else '<='} {name} {'<' if high_open else '<='} {high:g}"
        elif low is not None:
            expected = f"{name} {'>' if low_open else '>='} {low:g}"
        else:
            expected = f"{name} {'<' if high_open else '<='} {high:g}"
        raise ValueError(f"{owner}: invalid {name}; got {value!r}, expected {expected}.")


def check_flags(owner, **flags):
    """Reject PyTorch implementation switches that would change behaviour here
    (``differentiable``, ``fused``, ``capturable``); ``foreach`` is accepted and ignored.

    Raises:
        ValueError: if one of `flags` is true, e.g. ``"SGD: fused=True is not supported; ..."``.
    """
    for key, value in flags.items():
        if value:
            raise ValueError(f"{owner}: {key}=True is not supported; got {value!r}, expected False or None.")


def _plain(value):
    """Undo what a save/load round trip may do to an option: 0-d arrays/Tensors become Python
    numbers, n-d ones lists; containers are converted recursively."""
    if isinstance(value, Tensor):
        value = np.asarray(value)
    elif hasattr(value, "__array__") and not isinstance(value, (np.ndarray, np.generic)):
        value = np.asarray(value)  # e.g. a torch.Tensor option
    if isinstance(value, np.ndarray):
        return value.item() if value.ndim == 0 else value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _as_index(key):
    """State-dict parameter ids are ints; a save format may have turned them into strings."""
    if isinstance(key, str) and key.lstrip("-").isdigit():
        return int(key)
    if isinstance(key, (np.integer, np.ndarray, Tensor)):
        return int(_plain(key))
    return key


class Optimizer:
    """Base class: holds parameter groups and per-parameter state; subclasses define `_update_group`.

    Args:
        params: an iterable of Tensors (one group), of ``(name, Tensor)`` pairs (the names are
            kept as ``param_names``), or of dicts (parameter groups), each with a ``"params"``
            entry and optional per-group options that override `defaults`.
        defaults (dict): option name → default value (e.g. ``{"lr": 1e-3}``); use `required`
            for an option every group must set.

    Attributes:
        defaults (dict), param_groups (list[dict]), state (defaultdict: Tensor → dict).

    Raises:
        TypeError: if `params` is a single Tensor or a set, or holds something that is not a
            Tensor; if a group is not a dict.
        ValueError: if the parameter list is empty, a parameter appears twice (in one group or
            across groups), a parameter is not a leaf, a required option is missing, or an
            option is out of range (checked by the subclass's `_check_options`).

    Example:
        >>> opt = SGD([{"params": [w]}, {"params": [b], "lr": 0.1}], lr=0.01, momentum=0.9)
        >>> loss.backward(); opt.step(); opt.zero_grad()
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = defaultdict(dict)
        self.param_groups = []
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(f"{name}: params must be an iterable of Tensors or dicts; got a single Tensor, "
                            f"expected a list such as [param] or model.parameters().")
        if isinstance(params, (set, frozenset)):
            raise TypeError(f"{name}: params must be an ordered collection; got a set, expected a list "
                            f"(the order of a set changes between runs).")
        if isinstance(params, dict):
            raise TypeError(f"{name}: params must be an iterable of Tensors or dicts; got a dict, "
                            f"expected a list of parameter groups such as [{{'params': [...]}}].")
        try:
            groups = list(params)
        except TypeError:
            raise TypeError(f"{name}: params must be an iterable of Tensors or dicts; got "
                            f"{type(params).__name__}, expected a list such as model.parameters().") from None
        if len(groups) == 0:
            raise ValueError(f"{name}: empty parameter list; got 0 parameters, expected at least one Tensor.")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # (option, lower bound or None) pairs of the real numbers `_check_options` validates, in
    # this order; ``lr`` may be `required`. Subclasses list theirs and may extend the method.
    _number_options = ()

    def _check_options(self, options):
        """Validate a dict of options (the defaults or one group) against `_number_options`.

        Raises:
            ValueError, TypeError: for an invalid option, naming it.
        """
        name = type(self).__name__
        for key, low in self._number_options:
            if not (key == "lr" and options[key] is required):
                check_number(name, key, options[key], low=low)

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)

    # -- groups -----------------------------------------------------------------------------
    def add_param_group(self, param_group):
        """Add a parameter group (a dict with ``"params"`` and optional options).

        Missing options are filled from `defaults`. Useful to start training frozen layers.

        Args:
            param_group (dict): ``{"params": Tensor | iterable of Tensors or (name, Tensor),
                <option>: value, ...}``.

        Raises:
            TypeError: if `param_group` is not a dict, its params are a set, or one is not a Tensor.
            ValueError: if ``"params"`` is missing, a parameter is repeated (here or in another
                group) or is not a leaf, a required option is missing, or an option is invalid.
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: a parameter group must be a dict; got {type(param_group).__name__}, "
                            f"expected {{'params': [...], ...}}.")
        if "params" not in param_group:
            raise ValueError(f"{name}: a parameter group has no 'params' entry; got keys "
                             f"{sorted(param_group)}, expected a 'params' list.")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(f"{name}: params must be an ordered collection; got a set, expected a list "
                            f"(the order of a set changes between runs).")
        else:
            params = list(params)
        group = param_group  # the caller's dict becomes the group (as in PyTorch)
        names = [p[0] for p in params if isinstance(p, tuple)]
        if names:
            if len(names) != len(params):
                raise ValueError(f"{name}: either all parameters have names or none; got {len(names)} named "
                                 f"of {len(params)}, expected all or none.")
            params = [p[1] for p in params]
            group["param_names"] = names
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: can only optimize Tensors; got {type(p).__name__}, "
                                f"expected autograd.Tensor.")
            if p.grad_fn is not None:
                raise ValueError(f"{name}: can't optimize a non-leaf Tensor; got a tensor made by "
                                 f"'{p.grad_fn.fn.name}', expected a leaf. Hint: use detach().requires_grad_().")
        if len({id(p) for p in params}) != len(params):
            raise ValueError(f"{name}: a parameter appears more than once in a parameter group; got "
                             f"{len(params)} entries for {len({id(p) for p in params})} distinct tensors, "
                             f"expected each parameter once.")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group; "
                             f"expected each parameter in exactly one group.")
        for g in self.param_groups:
            if ("param_names" in g) != ("param_names" in group):
                raise ValueError(f"{name}: all parameter groups must be with names or all without; got a "
                                 f"group {'with' if 'param_names' in group else 'without'} names, expected "
                                 f"{'with' if 'param_names' in g else 'without'}.")
        for key, default in self.defaults.items():
            if default is required and key not in group:
                raise ValueError(f"{name}: parameter group didn't specify a value of required option {key}; "
                                 f"expected '{key}' in the group.")
            group.setdefault(key, default)
        group["params"] = params
        self._check_options(group)
        self.param_groups.append(group)

    # -- gradients --------------------------------------------------------------------------
    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all parameters.

        Args:
            set_to_none (bool): True (default) sets ``.grad = None`` (then `step` skips a
                parameter that gets no new gradient); False fills the existing gradients with 0.
        """
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if g.grad_fn is not None:
                        g = p.grad = g.detach()
                    np.asarray(g).fill(0)

    def step(self, closure=None):
        """Update every parameter that has a gradient; parameters with ``grad is None`` are skipped.

        Runs `closure` (with grad enabled), then, without grad, each group's update
        (`_update_group`, defined by each optimizer) and bumps the updated parameters' versions.

        Args:
            closure (callable, optional): re-evaluates the model and returns the loss; called
                with grad enabled before the update.

        Returns:
            the closure's loss, or None.

        Raises:
            NotImplementedError: if the subclass defines neither `step` nor `_update_group`.
            ValueError: if a gradient's shape differs from its parameter's (then no parameter
                is updated).
        """
        if type(self)._update_group is Optimizer._update_group:
            raise NotImplementedError(f"{type(self).__name__}: step is not implemented.")
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            work = []  # every group is checked before any parameter changes
            for group in self.param_groups:
                params = [p for p in group["params"] if p.grad is not None]
                if not params:
                    continue
                arrays = [np.asarray(p) for p in params]
                grads = [np.asarray(p.grad) for p in params]
                if [a.shape for a in arrays] != [g.shape for g in grads]:
                    self._shape_error(params)
                work.append((group, params, arrays, grads))
            for group, params, arrays, grads in work:
                self._update_group(group, params, arrays, grads)
                increment_version(params)
        return loss

    def _shape_error(self, params):
        """Raise the ValueError for the first of `params` whose gradient's shape differs from its own."""
        everything = [id(q) for g in self.param_groups for q in g["params"]]
        for p in params:
            if p.grad.shape != p.shape:
                raise ValueError(f"{type(self).__name__}: the gradient of parameter {everything.index(id(p))} "
                                 f"has another shape than the parameter; got grad shape {p.grad.shape}, "
                                 f"expected the parameter's shape {p.shape}. Hint: a hook or a .grad "
                                 f"assignment changed the gradient's shape.")

    def _update_group(self, group, params, arrays, grads):
        """Apply one update to `params` (the group's parameters that have a gradient).

        Args:
            group (dict): the parameter group (its options).
            params (list[Tensor]): the parameters to update; `arrays` and `grads` are their
                ndarrays (``np.asarray(p)``, ``np.asarray(p.grad)``, sharing memory), to be
                updated in place / read.
        """

    def _init_state(self, param, keys, fill=0.0):
        """``state[param]``, made on first use: ``step`` 0.0, then, for each of `keys` the state
        lacks, a Tensor of param's shape and dtype filled with `fill`.

        Returns:
            dict: the parameter's state.
        """
        st = self.state[param]
        if len(st) == 0:
            st["step"] = 0.0
        for key in keys:
            if key not in st:
                st[key] = from_numpy(np.full_like(np.asarray(param), fill))
        return st

    def _next_states(self, params, keys, fill=0.0):
        """The states of `params` for this update (see `_init_state`), ``step`` incremented.

        Returns:
            list[dict]: one state per parameter.
        """
        states = [self._init_state(p, keys, fill) for p in params]
        for st in states:
            st["step"] += 1
        return states

    # -- state dicts ------------------------------------------------------------------------
    def state_dict(self):
        """The optimizer's state as PyTorch lays it out, parameters replaced by positions.

        Returns:
            dict: ``{"state": {index: {key: value}}, "param_groups": [{option: value, ...,
            "params": [indices]}]}``; indices count parameters over all groups in order. State
            values are the state's own Tensors and numbers (not copies); options are copied.
            The result can be written with ``nn.save``.
        """
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.copy(v) for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                ids.append(index.setdefault(id(p), len(index)))
            packed["params"] = ids
            groups.append(packed)
        state = {}
        for key, value in self.state.items():
            state[index[id(key)] if isinstance(key, Tensor) else key] = dict(value)
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore options and state from `state_dict` (as returned by `state_dict`, possibly
        after ``nn.save``/``nn.load``); parameters are matched by position.

        Array values are copied and cast to their parameter's dtype; per-group options
        (lr, betas, …) replace the current ones; options the saved groups lack keep the
        defaults.

        Args:
            state_dict (dict): ``{"state": ..., "param_groups": ...}``.

        Raises:
            ValueError: if the number of groups, or of parameters in a group, differs, or a
                saved buffer has the wrong shape.
            TypeError: if `state_dict` is not such a dict.
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise TypeError(f"{name}: load_state_dict expects a dict with 'state' and 'param_groups'; got "
                            f"{type(state_dict).__name__}, expected the result of state_dict().")
        saved_groups = [_plain({k: v for k, v in g.items() if k != "params"}) for g in state_dict["param_groups"]]
        saved_params = [[_as_index(i) for i in _plain(g["params"])] for g in state_dict["param_groups"]]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}: loaded state dict has a different number of parameter groups; got "
                             f"{len(saved_groups)}, expected {len(self.param_groups)}.")
        for i, (ids, group) in enumerate(zip(saved_params, self.param_groups)):
            if len(ids) != len(group["params"]):
                raise ValueError(f"{name}: loaded parameter group {i} has a different number of parameters; "
                                 f"got {len(ids)}, expected {len(group['params'])}.")
        id_map = {}
        for ids, group in zip(saved_params, self.param_groups):
            id_map.update(zip(ids, group["params"]))

        state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            key = _as_index(key)
            param = id_map.get(key)
            if param is None:
                state[key] = value
                continue
            entry = {}
            for k, v in value.items():
                entry[k] = self._load_value(param, key, k, v)
            state[param] = entry

        new_groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            new = dict(saved)
            for k, v in new.items():  # tuples (betas) may come back as lists
                if isinstance(group.get(k), tuple) and isinstance(v, list):
                    new[k] = tuple(v)
            for k, v in self.defaults.items():
                new.setdefault(k, v)
            if "param_names" in group and "param_names" not in new:
                new["param_names"] = group["param_names"]
            new["params"] = group["params"]
            self._check_options(new)
            new_groups.append(new)
        self.param_groups = new_groups
        self.state = state
        self._after_load()

    def _after_load(self):
        """Hook for subclasses to fix options after `load_state_dict` (AdamW's decoupled decay)."""

    def _load_value(self, param, index, key, value):
        name = type(self).__name__
        if isinstance(value, (Tensor, np.ndarray)) or (isinstance(value, list) and key in _BUFFER_KEYS) \
                or (hasattr(value, "__array__") and not isinstance(value, np.generic)):  # e.g. a torch.Tensor
            arr = np.asarray(value)
            if key == "step":
                return float(arr)
            dtype = param.dtype if param.dtype.kind == "f" else arr.dtype
            if key in _BUFFER_KEYS and arr.shape != param.shape:
                raise ValueError(f"{name}: loaded state '{key}' of parameter {index} has the wrong shape; "
                                 f"got {arr.shape}, expected {param.shape}.")
            return from_numpy(np.array(arr, dtype=dtype, copy=True))
        if isinstance(value, dict):
            return {k: self._load_value(param, index, k, v) for k, v in value.items()}
        if isinstance(value, np.generic):
            return value.item()
        return copy.deepcopy(value)
