"""`Module`: the base class of layers and models (PyTorch's conventions, our own code).

A module owns three ordered registries, filled by `__setattr__`: `_parameters`
(`Parameter` values, or None for an absent optional one), `_buffers` (non-trainable Tensors
such as running statistics) and `_modules` (child modules). Every walk over the module tree
(`named_modules`, `state_dict`, `apply`, `__repr__`) is iterative, never recursive.

Each module also knows its qualified name (``"features.0"``): its name path from the
outermost module it was registered in (the outermost module's own name is ``""``).
`__call__` makes it this thread's running module (`autograd.graph.enter_module`) while `forward` runs, so each
recorded graph node stores the innermost running module in ``ctx.module`` (pictures group
nodes by it).
"""
from collections import namedtuple

import numpy as np

from autograd.creation import from_numpy
from autograd.device import check_device, parse_to_args
from autograd.graph import enter_module, exit_module, increment_version
from autograd.tensor import Tensor

from .parameter import Parameter, is_lazy

_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])
_IncompatibleKeys.__doc__ = """Result of `Module.load_state_dict`: lists of missing and unexpected keys."""


class _HookHandle:
    """Returned by `Module.register_forward_hook` / `register_forward_pre_hook`; `remove()`
    takes the hook off (a no-op the second time)."""

    _next_id = 0

    def __init__(self, hooks, hook):
        _HookHandle._next_id += 1
        self.id = _HookHandle._next_id
        self._hooks = hooks
        hooks[self.id] = hook

    def remove(self):
        """Remove the hook."""
        self._hooks.pop(self.id, None)


def _addindent(text, spaces):
    """Indent every line of `text` but the first by `spaces` blanks (for nested reprs)."""
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    pad = " " * spaces
    return lines[0] + "\n" + "\n".join(pad + line for line in lines[1:])


def _check_name(kind, owner, name):
    if not isinstance(name, str):
        raise TypeError(f"{kind}: name must be a str; got {type(name).__name__}, expected str.")
    if name == "" or "." in name:
        raise KeyError(f"{kind}: name must be a non-empty string without '.'; got {name!r}.")


_REGISTRIES = ("_parameters", "_buffers", "_modules")
# registry -> (method, what it holds, one entry, accepted class, expected text) for `_check_slot`
_SLOTS = {"_parameters": ("register_parameter", "parameters", "parameter", Parameter, "an nn.Parameter or None"),
          "_buffers": ("register_buffer", "buffers", "buffer", Tensor, "a Tensor or None")}


def _checkpoint_array(value, target):
    """`value` (a Tensor, ndarray, torch tensor or array-like) as an array of `target`'s dtype,
    or ``(None, problem)`` saying why it cannot be copied into `target` (never raises)."""
    try:
        if isinstance(value, Tensor):
            arr = np.asarray(value)
        elif hasattr(value, "detach") and hasattr(value, "cpu"):  # e.g. a torch tensor
            value = value.detach().cpu()
            try:
                arr = np.asarray(value.numpy())
            except TypeError:  # bfloat16 and other dtypes numpy lacks: exact in float32
                arr = np.asarray(value.float().numpy())
        else:
            arr = np.asarray(value)
    except Exception as exc:  # a ragged list, a failing __array__: reported with its key
        return None, f"could not convert the checkpoint value ({type(value).__name__}) to an array: {exc}"
    if arr.dtype.kind not in "biufc":
        return None, (f"expected a numeric array (bool, integer or floating) from checkpoint but received "
                      f"{type(value).__name__} of dtype {arr.dtype.name}")
    if not target.flags.writeable:
        return None, "the parameter in the current model is read-only"
    if arr.shape != target.shape:
        return arr, None  # the caller reports the size mismatch
    return arr.astype(target.dtype, copy=False), None


class Module:
    """Base class of every layer and model: subclasses set attributes in `__init__` (after
    calling ``super().__init__()``) and define `forward`.

    Assigning a `Parameter` to an attribute registers it as a parameter, a `Module` as a
    child module; `register_buffer` adds non-trainable state. Calling the module runs
    `forward` (see `__call__`).

    Attributes:
        training (bool): True in training mode (`train()`), False after `eval()`.

    Example:
        >>> class MLP(Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.fc1 = Linear(64, 128)
        ...         self.fc2 = Linear(128, 10)
        ...     def forward(self, x):
        ...         return self.fc2(self.fc1(x).relu())
    """

    _version = 1

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"Module.__init__: takes no arguments; got {len(args)} positional and "
                            f"keyword(s) {sorted(kwargs)}, expected none.")
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = {}
        d["_buffers"] = {}
        d["_non_persistent_buffers"] = set()
        d["_modules"] = {}
        d["_qualname"] = ""
        d["_forward_pre_hooks"] = {}
        d["_forward_hooks"] = {}

    # -- running --------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        """The computation of the module (subclasses override); call the module, not this.

        Raises:
            NotImplementedError: if the subclass did not define it.
        """
        raise NotImplementedError(f"{type(self).__name__}: forward is not defined; expected the subclass "
                                  f"to define forward().")

    def __call__(self, *args, **kwargs):
        """Run `forward(*args, **kwargs)` with this module's qualified name on the module
        stack (recorded by every node made meanwhile as ``ctx.module``)."""
        previous = enter_module(self._qualname)
        try:
            if self._forward_pre_hooks or self._forward_hooks:
                return self._call_with_hooks(args, kwargs)
            return self.forward(*args, **kwargs)
        finally:
            exit_module(previous)

    def _call_with_hooks(self, args, kwargs):
        for hook in list(self._forward_pre_hooks.values()):
            new = hook(self, args)
            if new is not None:
                args = new if isinstance(new, tuple) else (new,)
        out = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            new = hook(self, args, out)
            if new is not None:
                out = new
        return out

    def register_forward_pre_hook(self, hook):
        """Call ``hook(module, args)`` before each `forward`; a non-None result replaces the
        positional arguments (a tuple, or a single value that is wrapped in one).

        Returns:
            a handle whose ``remove()`` takes the hook off.
        """
        return _HookHandle(self._forward_pre_hooks, hook)

    def register_forward_hook(self, hook):
        """Call ``hook(module, args, output)`` after each `forward`; a non-None result
        replaces the output (e.g. to inspect or record activations).

        Returns:
            a handle whose ``remove()`` takes the hook off.
        """
        return _HookHandle(self._forward_hooks, hook)

    # -- registration ---------------------------------------------------------------------
    def __setattr__(self, name, value):
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("Module: cannot assign parameters before Module.__init__() is called; "
                                     "expected super().__init__() first.")
            self._drop(name)
            self.register_parameter(name, value)
            return
        if params is not None and name in params:
            if value is not None:
                raise TypeError(f"Module: cannot assign {type(value).__name__} as parameter '{name}'; "
                                f"expected an nn.Parameter or None.")
            params[name] = None
            return
        modules = d.get("_modules")
        if isinstance(value, Module):
            if modules is None:
                raise AttributeError("Module: cannot assign a child module before Module.__init__() is called; "
                                     "expected super().__init__() first.")
            self._drop(name)
            modules[name] = value
            self._renamed(name, value)
            return
        if modules is not None and name in modules:
            if value is not None:
                raise TypeError(f"Module: cannot assign {type(value).__name__} as child module '{name}'; "
                                f"expected a Module or None.")
            modules[name] = None
            return
        buffers = d.get("_buffers")
        if buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"Module: cannot assign {type(value).__name__} as buffer '{name}'; "
                                f"expected a Tensor or None.")
            buffers[name] = value
            return
        object.__setattr__(self, name, value)

    def _drop(self, name):
        """Remove `name` from every registry and the instance dict (before re-registering)."""
        d = self.__dict__
        d.pop(name, None)
        d["_parameters"].pop(name, None)
        d["_buffers"].pop(name, None)
        d["_modules"].pop(name, None)
        d["_non_persistent_buffers"].discard(name)

    def _renamed(self, name, child):
        """Recompute the qualified names of `child` (registered as `name`) and its subtree."""
        base = self.__dict__["_qualname"]
        stack = [(child, f"{base}.{name}" if base else name)]
        seen = {id(self)}
        while stack:
            module, qual = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            module.__dict__["_qualname"] = qual
            for key, sub in module.__dict__["_modules"].items():
                if sub is not None:
                    stack.append((sub, f"{qual}.{key}"))

    def __getattr__(self, name):
        d = self.__dict__
        if "_parameters" not in d:
            if name.startswith("__"):
                raise AttributeError(name)
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'. Hint: call "
                                 f"super().__init__() at the start of {type(self).__name__}.__init__.")
        for key in ("_parameters", "_buffers", "_modules"):
            reg = d[key]
            if name in reg:
                return reg[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            reg = d[key]
            if name in reg:
                del reg[name]
                d["_non_persistent_buffers"].discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules))

    def register_parameter(self, name, param):
        """Register `param` (a `Parameter`, or None for an absent optional parameter) as `name`.

        Raises:
            TypeError: if `param` is neither a Parameter nor None, or `name` is not a str.
            KeyError: if `name` is empty, contains '.', or is already a non-parameter attribute.
        """
        self._check_slot("_parameters", name, param)
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Register non-trainable state `tensor` (Tensor or None) as `name`.

        Args:
            name (str): attribute name.
            tensor (Tensor or None): the buffer (e.g. running statistics); None leaves a slot.
            persistent (bool): include it in `state_dict()` (default True).

        Raises:
            TypeError: if `tensor` is neither a Tensor nor None, or `name` is not a str.
            KeyError: if `name` is empty, contains '.', or is already another attribute.
        """
        self._check_slot("_buffers", name, tensor)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name, module):
        """Register `module` (a Module or None) as the child `name`.

        Raises:
            TypeError: if `module` is not a Module or None, or `name` is not a str.
            KeyError: if `name` is empty, contains '.', or is already another attribute.
        """
        _check_name("add_module", self, name)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {type(module).__name__} is not a Module subclass; "
                            f"expected a Module or None.")
        self._check_free("add_module", "_modules", name)
        self._modules[name] = module
        if module is not None:
            self._renamed(name, module)

    register_module = add_module

    def _check_free(self, op, registry, name):
        """Raise KeyError unless `name` is already in `registry` or is no attribute at all."""
        if name not in getattr(self, registry) and (
                name in self.__dict__ or any(name in getattr(self, r) for r in _REGISTRIES if r != registry)
                or hasattr(type(self), name)):
            raise KeyError(f"{op}: attribute '{name}' already exists; expected a new name.")

    def _check_slot(self, registry, name, value):
        """The checks of `register_parameter` / `register_buffer` (see `_SLOTS`), in order:
        initialized module, valid name, name free, value of the accepted class or None."""
        op, plural, noun, cls, expected = _SLOTS[registry]
        if registry not in self.__dict__:
            raise AttributeError(f"{op}: cannot assign {plural} before Module.__init__() is called; "
                                 f"expected super().__init__() first.")
        _check_name(op, self, name)
        self._check_free(op, registry, name)
        if value is not None and not isinstance(value, cls):
            raise TypeError(f"{op}: cannot assign {type(value).__name__} as {noun} '{name}'; expected {expected}.")

    def get_submodule(self, target):
        """The submodule at the dotted path `target` (``""`` is self).

        Raises:
            AttributeError: if a path component does not name a child module.
        """
        module = self
        if target == "":
            return module
        for part in target.split("."):
            child = module._modules.get(part) if isinstance(module, Module) else None
            if child is None:
                raise AttributeError(f"get_submodule: {type(module).__name__} has no submodule '{part}' "
                                     f"(in path '{target}').")
            module = child
        return module

    def get_parameter(self, target):
        """The parameter at the dotted path `target` (e.g. ``"0.weight"``).

        Raises:
            AttributeError: if there is no such parameter.
        """
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if name not in module._parameters:
            raise AttributeError(f"get_parameter: {type(module).__name__} has no parameter '{name}'.")
        return module._parameters[name]

    # -- walks ----------------------------------------------------------------------------
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """Yield ``(dotted_name, module)`` for self (name `prefix`) and every descendant,
        depth first in registration order; each module once unless `remove_duplicate` is False.
        """
        seen = set() if memo is None else memo
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if module in seen:
                    continue
                seen.add(module)
            yield name, module
            children = [(f"{name}.{k}" if name else k, m) for k, m in module._modules.items() if m is not None]
            stack.extend(reversed(children))

    def modules(self):
        """Yield self and every descendant module (each once), depth first."""
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        """Yield ``(name, module)`` for each direct child (each module once)."""
        seen = set()
        for name, module in self._modules.items():
            if module is not None and module not in seen:
                seen.add(module)
                yield name, module

    def children(self):
        """Yield each direct child module once."""
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry, prefix, recurse, remove_duplicate):
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        seen = set()
        for mod_name, module in modules:
            for name, value in module.__dict__[registry].items():
                if value is None:
                    continue
                if remove_duplicate:
                    if id(value) in seen:
                        continue
                    seen.add(id(value))
                yield (f"{mod_name}.{name}" if mod_name else name), value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """Yield ``(dotted_name, Parameter)`` for the parameters of self (and of every
        descendant when `recurse`), each parameter once (its first name)."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        """Yield every `Parameter` of self (and descendants when `recurse`), each once, in the
        order of `named_parameters` (a lean walk: optimizers and `zero_grad` call it often)."""
        seen_modules, seen = set(), set()
        stack = [self]
        while stack:
            module = stack.pop()
            if id(module) in seen_modules:
                continue
            seen_modules.add(id(module))
            d = module.__dict__
            for p in d["_parameters"].values():
                if p is not None and id(p) not in seen:
                    seen.add(id(p))
                    yield p
            if recurse:
                children = d["_modules"]
                if children:
                    stack.extend(reversed([m for m in children.values() if m is not None]))

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        """Yield ``(dotted_name, Tensor)`` for every buffer (descendants too when `recurse`)."""
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        """Yield every buffer Tensor of self (and descendants when `recurse`), each once."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def apply(self, fn):
        """Call ``fn(module)`` on every child subtree, then on self (post-order, like
        PyTorch); returns self. Typical use: custom initialization."""
        stack = [(self, False)]
        while stack:
            module, expanded = stack.pop()
            if expanded:
                fn(module)
                continue
            stack.append((module, True))
            children = [m for m in module._modules.values() if m is not None]
            stack.extend((m, False) for m in reversed(children))
        return self

    # -- modes and gradients --------------------------------------------------------------
    def train(self, mode=True):
        """Set training mode (`mode` True) or evaluation mode on self and all descendants;
        returns self.

        Raises:
            ValueError: if `mode` is not a bool.
        """
        if not isinstance(mode, bool):
            # ValueError (not TypeError) as in PyTorch
            raise ValueError(  # noqa: TRY004
                f"train: mode must be a bool; got {type(mode).__name__}, expected True or False.")
        for module in self.modules():
            module.__dict__["training"] = mode
        return self

    def eval(self):
        """Evaluation mode (``train(False)``): dropout off, batch norm uses running stats;
        returns self."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Set `requires_grad` on every parameter; returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of every parameter: to None (default) or to zeros in place."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                g = p.grad
                if g.grad_fn is not None:
                    g = p.grad = g.detach()
                np.asarray(g)[...] = 0

    # -- state ----------------------------------------------------------------------------
    def _state_items(self, prefix=""):
        """Yield ``(key, tensor, module, local_name, is_param)`` in state_dict order: per
        module depth first, its parameters, then its persistent buffers, then its children."""
        stack = [(prefix, self)]
        while stack:
            pre, module = stack.pop()
            d = module.__dict__
            for name, p in d["_parameters"].items():
                if p is not None:
                    yield pre + name, p, module, name, True
            skip = d["_non_persistent_buffers"]
            for name, b in d["_buffers"].items():
                if b is not None and name not in skip:
                    yield pre + name, b, module, name, False
            children = [(f"{pre}{k}.", m) for k, m in d["_modules"].items() if m is not None]
            stack.extend(reversed(children))

    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """Every parameter and persistent buffer under its dotted name, in PyTorch's order
        (per module: parameters, then buffers, then children).

        Args:
            destination (dict or None): filled and returned when given.
            prefix (str): prepended to every key.
            keep_vars (bool): give the Parameters themselves instead of detached Tensors.

        Returns:
            dict[str, Tensor]: detached Tensors sharing memory with the module's arrays.
        """
        out = {} if destination is None else destination
        for key, t, _, _, _ in self._state_items(prefix):
            out[key] = t if keep_vars else t.detach()
        return out

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy values from `state_dict` into the parameters and buffers, in place (the
        Parameter objects stay the same, so optimizers keep working).

        Args:
            state_dict (Mapping[str, Tensor | ndarray | array-like]): e.g. from `state_dict()`,
                `nn.load` or a PyTorch model's ``state_dict()`` (torch tensors are converted here;
                bfloat16 ones through float32, exactly).
            strict (bool): require the keys to match exactly.
            assign (bool): accepted for PyTorch compatibility; values are always copied.

        A placeholder of a lazy module that was never called (`UninitializedParameter`)
        takes the shape of its value, as in PyTorch.

        Returns:
            IncompatibleKeys: named tuple ``(missing_keys, unexpected_keys)`` (lists of str).

        Raises:
            RuntimeError: naming every missing and unexpected key (when `strict`) and every
                key whose shape differs from the model's or whose value is not a numeric array
                (always). Every entry is checked and converted to its target's dtype before any
                is copied: on error nothing has changed (PyTorch may have copied earlier keys).
            TypeError: if `state_dict` is not a mapping.
        """
        if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
            raise TypeError(f"load_state_dict: expected a mapping of names to arrays; "
                            f"got {type(state_dict).__name__}.")
        expected = list(self._state_items())
        names = {key for key, *_ in expected}
        missing, mismatched, todo = [], [], []
        for key, t, _, _, _ in expected:
            if key not in state_dict:
                missing.append(key)
                continue
            arr, problem = _checkpoint_array(state_dict[key], np.asarray(t))
            if problem is not None:
                mismatched.append(f'While copying the parameter named "{key}", {problem}.')
            elif arr.shape != t.shape and not is_lazy(t):
                mismatched.append(f"size mismatch for {key}: copying a param with shape {tuple(arr.shape)} from "
                                  f"checkpoint, the shape in current model is {t.shape}.")
            else:
                todo.append((t, arr))
        unexpected = [k for k in state_dict.keys() if k not in names]  # noqa: SIM118 (any mapping)
        errors = []
        if strict:
            if unexpected:
                errors.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ".")
            if missing:
                errors.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ".")
        errors.extend(mismatched)
        if errors:
            raise RuntimeError(f"load_state_dict: Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        # every entry is checked and already converted to its target's dtype: copying cannot fail now
        for t, arr in todo:
            if is_lazy(t):  # a lazy module's placeholder takes the checkpoint's shape (as PyTorch)
                t.materialize(arr.shape)
            np.copyto(np.asarray(t), arr, casting="no")
            increment_version(t)
        return _IncompatibleKeys(missing, unexpected)

    def to(self, *args, **kwargs):
        """Convert every floating parameter and buffer (and gradient) to `dtype`, in place;
        returns self. The forms of PyTorch's ``Module.to``: ``to(dtype)``, ``to(device)``,
        ``to(device, dtype)``, ``to(tensor)``, keywords ``device=``, ``dtype=``,
        ``non_blocking=`` (see `autograd.device.parse_to_args`). The CPU is accepted and
        changes nothing (tracegrad computes there).

        Args:
            dtype: a numpy floating dtype or its name (``np.float64``, ``"float32"``).
            device: ``"cpu"``, ``autograd.device("cpu")`` or None.

        Raises:
            TypeError: if `dtype` is not a floating dtype, or for arguments that are neither.
            RuntimeError: if the device is not the CPU (``"cuda"``, ``"mps"`` …).
        """
        _, dtype, _ = parse_to_args(args, kwargs, "Module.to")
        if dtype is None:
            return self
        dt = dtype
        if dt.kind != "f":
            raise TypeError(f"to: expected a floating dtype; got {dt.name}, expected e.g. float32 or float64.")
        for t in list(self.parameters()) + list(self.buffers()):
            if t.dtype.kind == "f" and t.dtype != dt:
                t.data = from_numpy(np.asarray(t).astype(dt))
                increment_version(t)
                if t.grad is not None:
                    t.grad = from_numpy(np.asarray(t.grad).astype(dt))
        return self

    def cpu(self):
        """Returns self: parameters and buffers already live on the CPU (PyTorch's ``Module.cpu``)."""
        return self

    def cuda(self, device=None):
        """Always raises: tracegrad has no CUDA device (PyTorch's ``Module.cuda``).

        Raises:
            RuntimeError: saying tracegrad computes on the CPU.
        """
        check_device("cuda" if device is None else device, "Module.cuda")
        return self

    def double(self):
        """``to(np.float64)``; returns self."""
        return self.to(np.float64)

    def float(self):
        """``to(np.float32)``; returns self."""
        return self.to(np.float32)

    # -- printing -------------------------------------------------------------------------
    def extra_repr(self):
        """One line (or more) of settings shown inside the repr; layers override it."""
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        # post-order over the tree, without recursion: a module's text needs its children's
        texts = {}
        stack = [(self, False)]
        while stack:
            module, expanded = stack.pop()
            if id(module) in texts:
                continue
            children = [m for m in module._modules.values() if m is not None]
            if not expanded:
                stack.append((module, True))
                stack.extend((m, False) for m in children if id(m) not in texts)
                continue
            extra = module.extra_repr()
            extra_lines = extra.split("\n") if extra else []
            child_lines = [f"({k}): " + _addindent(texts[id(m)] if m is not None else "None", 2)
                           for k, m in module._modules.items()]
            lines = extra_lines + child_lines
            text = module._get_name() + "("
            if lines:
                if len(extra_lines) == 1 and not child_lines:
                    text += extra_lines[0]
                else:
                    text += "\n  " + "\n  ".join(lines) + "\n"
            texts[id(module)] = text + ")"
        return texts[id(self)]

