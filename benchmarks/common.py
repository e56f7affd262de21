"""Helpers shared by the benchmark runner, its worker and the profiler.

Import this module before numpy or torch: `pin_threads()` must run first, because BLAS
and OpenMP read their thread counts once, when they are loaded.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# The checkout whose packages are measured: this one, or another (A/B runs of an engine
# change: `run.py --root /path/to/other/checkout`, passed to workers in this variable).
ROOT_VAR = "TRACEGRAD_BENCH_ROOT"


def bench_root():
    """The checkout being measured: $TRACEGRAD_BENCH_ROOT if set, else this repository."""
    return os.path.abspath(os.environ.get(ROOT_VAR) or os.path.dirname(HERE))

# Environment variables that select how many threads BLAS/OpenMP use, and the OpenBLAS
# tuning variables that must not leak into a measurement (they change the kernels chosen).
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
UNSET_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


class NotAvailable(Exception):
    """An implementation cannot run yet (an op, module or package is missing)."""


def pinned_env(base=None):
    """A copy of `base` (default: os.environ) pinned to one thread, OpenBLAS tuning unset.

    Returns:
        dict: environment for a worker subprocess.
    """
    env = dict(os.environ if base is None else base)
    for var in THREAD_VARS:
        env[var] = "1"
    for var in UNSET_VARS:
        env.pop(var, None)
    # the worker imports the working tree's packages, never an installed copy
    root = bench_root()
    env[ROOT_VAR] = root
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def pin_threads():
    """Pin this process to one BLAS/OpenMP thread; call before numpy or torch is imported.

    Raises:
        RuntimeError: if numpy is already imported (its BLAS would keep its own count).
    """
    if "numpy" in sys.modules:
        raise RuntimeError("pin_threads: numpy is already imported; expected to run before it.")
    os.environ.update(pinned_env())
    root = bench_root()
    if root in sys.path:
        sys.path.remove(root)
    sys.path.insert(0, root)


def require(module, *names):
    """Return `module` if it has every attribute in `names`, else raise `NotAvailable`.

    Args:
        module: an imported module or object.
        names (str): dotted attribute names that the workload needs.
    """
    missing = []
    for name in names:
        obj = module
        for part in name.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                missing.append(f"{getattr(module, '__name__', '?')}.{name}")
                break
    if missing:
        raise NotAvailable("missing " + ", ".join(missing))
    return module


def import_or_unavailable(name):
    """Import module `name`, turning an ImportError into `NotAvailable`."""
    import importlib
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise NotAvailable(f"cannot import {name} ({exc})") from None
