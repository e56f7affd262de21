"""`autograd.graph`: the hooks that the packages above the engine (nn, optim) use to tell the
recorded graph about what they do outside the ops, as ``torch.autograd.graph``.

* `increment_version` marks an in-place change made directly on a tensor's ndarray
  (``np.asarray(t)``, ``t.numpy()``: an optimizer step, ``load_state_dict``, an ``nn.init``
  fill), so that a backward through a graph that saved the old values raises instead of
  using the new ones. (Changes through ``t.data`` or ``t.detach()``, which are Tensors sharing
  t's version counter, are counted already.)
* `enter_module` / `exit_module` bracket an ``nn.Module`` forward (``Module.__call__`` calls
  them): every node recorded meanwhile in that thread carries the innermost module's
  qualified name (``ctx.module``, shown by the graph pictures). Per thread, as grad mode.
"""
import numpy as np

from .grad_mode import _grad, _modules_running
from .tensor import Tensor

__all__ = ["increment_version", "enter_module", "exit_module"]


def enter_module(name):
    """Make `name` this thread's innermost running module; returns the previous one, for
    `exit_module`.

    Args:
        name (str): the module's qualified name (``"0"``, ``"encoder.fc1"`` …).

    Returns:
        str or None: the name that was innermost before.
    """
    state = _grad
    previous = state.module
    state.module = name
    _modules_running.append(None)
    return previous


def exit_module(previous):
    """Restore this thread's innermost running module to `previous` (what `enter_module`
    returned)."""
    _grad.module = previous
    if _modules_running:  # (an unpaired call must not fail)
        _modules_running.pop()


def increment_version(tensor):
    """Count one in-place change of the memory of `tensor` (or of each tensor of an iterable).

    Call it after writing into the tensor's ndarray (``np.asarray(tensor)``,
    ``tensor.numpy()``) by hand; the ops' own in-place forms (``add_``, ``x[i] = v`` …),
    also through ``tensor.data``, already count theirs. The count is shared by the tensor's
    views, its base and its ``detach()``ed copies; counting more than once per change is
    harmless. Same as ``torch.autograd.graph.increment_version``.

    Args:
        tensor (Tensor or iterable of Tensor): the tensor(s) whose memory was changed.

    Raises:
        TypeError: if `tensor` (or an item of the iterable) is not a Tensor.
    """
    if isinstance(tensor, Tensor):
        tensor._bump()
        return
    items = [tensor] if isinstance(tensor, (str, bytes, np.ndarray)) or not hasattr(tensor, "__iter__") \
        else list(tensor)
    for t in items:
        if not isinstance(t, Tensor):
            raise TypeError(f"increment_version: expected a Tensor or an iterable of Tensors; "
                            f"got {type(t).__name__}.")
    for t in items:
        t._bump()
