"""Gradient-recording modes: `no_grad`, `enable_grad`, `set_grad_enabled`, anomaly mode.

Grad mode is per thread, as in PyTorch: `_grad` is a `threading.local` whose ``enabled``
attribute (bool, whether ops record a graph) each thread reads and sets for itself; its
class attribute ``enabled = True`` is the value every new thread starts with. The hot
path in `Function.apply` reads it as one attribute, ``_grad.enabled``.

Anomaly mode is process-wide, as in PyTorch: ``_anomaly[0]`` (bool, default False).
"""
import functools
import inspect
import threading


class _GradMode(threading.local):
    """This thread's recording state: ``enabled`` (bool, grad mode; the class default True
    starts every thread) and ``module`` (the qualified name of the innermost ``nn.Module``
    whose forward runs in this thread, or None; see `autograd.graph.enter_module`)."""

    enabled = True
    module = None


_grad = _GradMode()
_anomaly = [False]  # process-wide: whether detect_anomaly is on
# process-wide: one entry per `nn.Module` forward running now, in any thread (appended and
# popped by `autograd.graph.enter_module`/`exit_module`, atomic list operations). While it is
# empty no thread has a module name to record, and `Function.apply` skips reading the
# thread's ``_grad.module`` (a thread-local read per op).
_modules_running = []
_get_ident = threading.get_ident


def is_grad_enabled():
    """Return True when ops record a graph for backward, in the calling thread.

    Returns:
        bool: this thread's grad mode (True outside `no_grad()`; each new thread starts True).
    """
    return _grad.enabled


def _call_in_mode(mode, fn, *args, **kwargs):
    """Call ``fn(*args, **kwargs)`` with this thread's grad mode set to `mode`; restore it after."""
    grad = _grad
    prev = grad.enabled
    grad.enabled = mode
    try:
        return fn(*args, **kwargs)
    finally:
        grad.enabled = prev


def _wrap_generator(mode, fn):
    """Wrap generator function `fn` so its body runs with grad mode `mode` each time it resumes.

    The caller's mode is restored whenever the generator yields, returns or raises, as in
    PyTorch (torch/utils/_contextlib.py): a `send`, `throw` or `close` from the caller runs
    the generator under `mode`.

    Args:
        mode (bool): the grad mode inside the generator body.
        fn (callable): a generator function.

    Returns:
        callable: a generator function with `fn`'s name and docstring.
    """

    @functools.wraps(fn)
    def generator_context(*args, **kwargs):
        gen = fn(*args, **kwargs)
        try:
            response = _call_in_mode(mode, gen.send, None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    _call_in_mode(mode, gen.close)
                    raise
                except BaseException as e:  # thrown in by the caller: on into the generator
                    response = _call_in_mode(mode, gen.throw, e)
                else:
                    response = _call_in_mode(mode, gen.send, request)
        except StopIteration as e:
            return e.value

    return generator_context


class _GradModeContext:
    """Base of the grad-mode switches: a context manager and a decorator.

    Subclasses set `_mode` (bool) for the duration of the block, in the calling thread only.
    """

    _mode = True
    _entries = None  # [(thread id, the mode before __enter__)], one per active entry

    def __enter__(self):
        # one entry per thread and nesting level, so one instance can be entered again while
        # active, and by several threads at once, each getting its own mode back on exit
        entry = (_get_ident(), _grad.enabled)
        entries = self._entries
        if entries is None:
            self._entries = [entry]
        else:
            entries.append(entry)
        _grad.enabled = self._mode
        return self

    def __exit__(self, *exc):
        entries = self._entries or ()
        ident = _get_ident()
        i = len(entries) - 1
        while i >= 0 and entries[i][0] != ident:  # the last entry, unless threads interleave
            i -= 1
        if i < 0:  # entered in another thread (a generator resumed elsewhere), or never
            raise RuntimeError(f"{type(self).__name__}: exited in a thread that did not enter it; got "
                               f"thread {ident}, expected the thread that ran __enter__. Hint: grad mode "
                               f"is per thread; enter and exit the block in one thread.")
        _grad.enabled = entries.pop(i)[1]
        return False

    def __call__(self, fn):
        mode = self._mode
        if inspect.isgeneratorfunction(fn):
            return _wrap_generator(mode, fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            return _call_in_mode(mode, fn, *args, **kwargs)

        return wrapper


class _BareDecorator(_GradModeContext):
    """Also usable as a bare decorator, ``@no_grad`` without parentheses (as in PyTorch)."""

    def __new__(cls, fn=None):
        self = super().__new__(cls)
        return self if fn is None else self(fn)


class no_grad(_BareDecorator):
    """Context manager and decorator that stops ops from recording a graph, in this thread.

    Inside it, results have ``requires_grad=False`` and no ``grad_fn``; in-place ops on
    leaves that require grad are allowed (that is how optimizers update parameters). It is
    thread-local, as in PyTorch: other threads keep their own grad mode. As a decorator of a
    generator function, the generator body runs without recording each time it resumes, and
    the caller's mode holds between its yields (PyTorch's semantics).

    Example:
        >>> with no_grad():
        ...     y = x * 2          # y.requires_grad is False
    """

    _mode = False


class enable_grad(_BareDecorator):
    """Context manager and decorator that turns graph recording back on inside `no_grad`.

    Thread-local, and covers generator functions, as `no_grad` does.
    """

    _mode = True


class set_grad_enabled(_GradModeContext):
    """Set this thread's grad mode to `mode` (bool); a context manager, a decorator, or a plain call.

    Args:
        mode (bool): True records graphs, False does not.

    Raises:
        TypeError: if `mode` is not a bool.

    As a plain call (``set_grad_enabled(False)``) the calling thread's mode changes at once
    and stays; other threads keep theirs (as in PyTorch). As a decorator it covers generator
    functions, as `no_grad` does.
    """

    def __init__(self, mode):
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled: mode must be a bool; got {type(mode).__name__}, expected bool.")
        self._prev = _grad.enabled
        self._mode = mode
        _grad.enabled = mode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _grad.enabled = self._prev
        return False

    def __call__(self, fn):
        _grad.enabled = self._prev  # used as a decorator: the mode applies only inside fn
        return super().__call__(fn)


class detect_anomaly:
    """Context manager: record where each node was made, and fail fast on NaN/Inf gradients.

    While active, every recorded op keeps the Python stack of its creation; when backward
    meets a gradient with a NaN or Inf, it raises `RuntimeError` naming the op and quoting
    that forward traceback. Slower: use it to debug, not to train. Process-wide, as in
    PyTorch: it applies to every thread while active.

    Args:
        check_nan (bool): raise on NaN/Inf gradients (default True).
    """

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = _anomaly[0]
        _anomaly[0] = bool(self.check_nan)
        return self

    def __exit__(self, *exc):
        _anomaly[0] = self._prev
        return False
