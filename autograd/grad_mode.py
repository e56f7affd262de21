"""Gradient-recording modes: `no_grad`, `enable_grad`, `set_grad_enabled`, anomaly mode.

The engine keeps its switches in one module-level list, `_state`, so the hot path in
`Function.apply` reads them with one index each instead of a function call:

* ``_state[0]``: bool, whether ops record a graph (default True);
* ``_state[1]``: bool, whether anomaly detection is on (default False).
"""
import functools

_state = [True, False]


def is_grad_enabled():
    """Return True when ops record a graph for backward.

    Returns:
        bool: the current grad mode (True outside `no_grad()`).
    """
    return _state[0]


class _GradModeContext:
    """Base of the grad-mode switches: a context manager and a decorator.

    Subclasses set `_mode` (bool) for the duration of the block.
    """

    _mode = True

    def __enter__(self):
        prev = self.__dict__.setdefault("_prevs", [])
        prev.append(_state[0])  # a stack, so one instance can be entered again while active
        _state[0] = self._mode
        return self

    def __exit__(self, *exc):
        _state[0] = self._prevs.pop()
        return False

    def __call__(self, fn):
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = _state[0]
            _state[0] = mode
            try:
                return fn(*args, **kwargs)
            finally:
                _state[0] = prev

        return wrapper


class _BareDecorator(_GradModeContext):
    """Also usable as a bare decorator, ``@no_grad`` without parentheses (as in PyTorch)."""

    def __new__(cls, fn=None):
        self = super().__new__(cls)
        return self if fn is None else self(fn)


class no_grad(_BareDecorator):
    """Context manager and decorator that stops ops from recording a graph.

    Inside it, results have ``requires_grad=False`` and no ``grad_fn``; in-place ops on
    leaves that require grad are allowed (that is how optimizers update parameters).

    Example:
        >>> with no_grad():
        ...     y = x * 2          # y.requires_grad is False
    """

    _mode = False


class enable_grad(_BareDecorator):
    """Context manager and decorator that turns graph recording back on inside `no_grad`."""

    _mode = True


class set_grad_enabled(_GradModeContext):
    """Set grad mode to `mode` (bool); a context manager, a decorator, or a plain call.

    Args:
        mode (bool): True records graphs, False does not.

    Raises:
        TypeError: if `mode` is not a bool.

    As a plain call (``set_grad_enabled(False)``) the mode changes at once and stays.
    """

    def __init__(self, mode):
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled: mode must be a bool; got {type(mode).__name__}, expected bool.")
        self._prev = _state[0]
        self._mode = mode
        _state[0] = mode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _state[0] = self._prev
        return False

    def __call__(self, fn):
        _state[0] = self._prev  # used as a decorator: the mode applies only inside fn
        return super().__call__(fn)


class detect_anomaly:
    """Context manager: record where each node was made, and fail fast on NaN/Inf gradients.

    While active, every recorded op keeps the Python stack of its creation; when backward
    meets a gradient with a NaN or Inf, it raises `RuntimeError` naming the op and quoting
    that forward traceback. Slower: use it to debug, not to train.

    Args:
        check_nan (bool): raise on NaN/Inf gradients (default True).
    """

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = _state[1]
        _state[1] = bool(self.check_nan)
        return self

    def __exit__(self, *exc):
        _state[1] = self._prev
        return False
