"""Containers: `Sequential`, `ModuleList`, `ModuleDict` (children named like PyTorch's)."""
from collections import OrderedDict

from .module import Module


def _index(idx, n, kind):
    """Normalize an int index into range(n) (negative from the end)."""
    if not isinstance(idx, int):
        raise TypeError(f"{kind}: indices must be integers or slices; got {type(idx).__name__}.")
    if not -n <= idx < n:
        raise IndexError(f"{kind}: index {idx} is out of range; expected -{n} <= index < {n}.")
    return idx % n


class _ModuleSequence(Module):
    """Shared body of `Sequential` and `ModuleList`: children in order, named "0", "1", …"""

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def _renumber(self, modules):
        """Re-register `modules` as the only children, named "0", "1", … in order."""
        self._modules.clear()
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    def append(self, module):
        """Add `module` at the end (named by its position); returns self."""
        self.add_module(str(len(self._modules)), module)
        return self


class Sequential(_ModuleSequence):
    """Modules applied one after another: ``forward(x) = m_k(…m_1(x))``.

    Args:
        *modules: Modules, named "0", "1", …; or a single ``OrderedDict`` (or dict) of
            ``name → Module``.

    Shape: input as the first module takes it; output as the last module gives it (the
    identity when empty).

    Raises:
        TypeError: if an argument is not a Module.
    """

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], (dict, OrderedDict)):
            for name, m in modules[0].items():
                self.add_module(name, m)
        else:
            for i, m in enumerate(modules):
                if not isinstance(m, Module):
                    raise TypeError(f"Sequential: argument {i} is a {type(m).__name__}; expected a Module.")
                self.add_module(str(i), m)

    def forward(self, x):
        """Apply each module in order to `x`."""
        for m in self._modules.values():
            x = m(x)
        return x

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return Sequential(OrderedDict(list(self._modules.items())[idx]))
        keys = list(self._modules)
        return self._modules[keys[_index(idx, len(keys), "Sequential")]]

    def __setitem__(self, idx, module):
        keys = list(self._modules)
        self.add_module(keys[_index(idx, len(keys), "Sequential")], module)

    def __delitem__(self, idx):
        keys = list(self._modules)
        if isinstance(idx, slice):
            for k in keys[idx]:
                del self._modules[k]
        else:
            del self._modules[keys[_index(idx, len(keys), "Sequential")]]
        # PyTorch renumbers the remaining children so names stay "0", "1", …
        self._renumber(list(self._modules.values()))

    def extend(self, modules):
        """Append each module of the iterable `modules`; returns self."""
        for m in modules:
            self.append(m)
        return self

    def insert(self, index, module):
        """Insert `module` before position `index` (names renumbered); returns self."""
        items = list(self._modules.values())
        n = len(items)
        if not -n <= index <= n:
            raise IndexError(f"Sequential.insert: index {index} is out of range; expected -{n} <= index <= {n}.")
        items.insert(index % (n + 1) if index < 0 else index, module)
        self._renumber(items)
        return self


class ModuleList(_ModuleSequence):
    """A list of Modules, registered as children "0", "1", … (no forward of its own).

    Args:
        modules (iterable of Module or None): initial contents.
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ModuleList(list(self._modules.values())[idx])
        return self._modules[str(_index(idx, len(self._modules), "ModuleList"))]

    def __setitem__(self, idx, module):
        self.add_module(str(_index(idx, len(self._modules), "ModuleList")), module)

    def __delitem__(self, idx):
        items = list(self._modules.values())
        if isinstance(idx, slice):
            del items[idx]
        else:
            del items[_index(idx, len(items), "ModuleList")]
        self._renumber(items)

    def __iadd__(self, modules):
        return self.extend(modules)

    def extend(self, modules):
        """Append every module of the iterable `modules`; returns self.

        Raises:
            TypeError: if `modules` is not iterable.
        """
        try:
            it = iter(modules)
        except TypeError:
            raise TypeError(f"ModuleList.extend: expected an iterable of Modules; "
                            f"got {type(modules).__name__}.") from None
        for m in it:
            self.append(m)
        return self

    def insert(self, index, module):
        """Insert `module` before position `index`."""
        items = list(self._modules.values())
        items.insert(index, module)
        self._renumber(items)

    def forward(self, *args, **kwargs):
        """ModuleList has no forward; iterate over it instead.

        Raises:
            NotImplementedError: always.
        """
        raise NotImplementedError("ModuleList: has no forward; expected you to call its modules in your own forward.")


class ModuleDict(Module):
    """An ordered dict of Modules, registered under their keys (no forward of its own).

    Args:
        modules (Mapping or iterable of (str, Module) pairs, optional): initial contents.
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        """The keys, in insertion order."""
        return self._modules.keys()

    def values(self):
        """The modules, in insertion order."""
        return self._modules.values()

    def items(self):
        """``(key, module)`` pairs, in insertion order."""
        return self._modules.items()

    def pop(self, key):
        """Remove the module `key` and return it."""
        m = self._modules[key]
        del self._modules[key]
        return m

    def clear(self):
        """Remove every module."""
        self._modules.clear()

    def update(self, modules):
        """Add modules from a mapping or an iterable of ``(key, module)`` pairs.

        Raises:
            TypeError: if an element is not a (key, module) pair.
        """
        items = modules.items() if hasattr(modules, "items") else modules
        for j, pair in enumerate(items):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(f"ModuleDict.update: element {j} is not a (key, module) pair; "
                                f"got {type(pair).__name__}.")
            self.add_module(pair[0], pair[1])

    def forward(self, *args, **kwargs):
        """ModuleDict has no forward; index it instead.

        Raises:
            NotImplementedError: always.
        """
        raise NotImplementedError("ModuleDict: has no forward; expected you to call its modules in your own forward.")
