"""``torch.utils.data`` for ``import autograd as torch``: the `nn.data` classes (`Dataset`,
`TensorDataset`, `DataLoader`), reached lazily.

nn sits above autograd (DESIGN.md, layers), so this module imports nn.data only when one of
its names is first asked for (PEP 562), never when autograd is imported.
"""
import importlib

_NAMES = ("DataLoader", "Dataset", "TensorDataset")


def __getattr__(name):
    if name in _NAMES:
        return getattr(importlib.import_module("nn.data"), name)
    raise AttributeError(f"module 'autograd.utils.data' has no attribute {name!r}; it offers {', '.join(_NAMES)} "
                         f"(from nn.data).")


def __dir__():
    return sorted(list(globals()) + list(_NAMES))
