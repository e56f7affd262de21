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


# How many threads a worker's BLAS/OpenMP pools and PyTorch use: set by run.py per table.
THREADS_VAR = "TRACEGRAD_BENCH_THREADS"


def bench_threads(env=None):
    """The thread count of this measurement: $TRACEGRAD_BENCH_THREADS, default 1."""
    return max(1, int((os.environ if env is None else env).get(THREADS_VAR) or 1))


def pinned_env(base=None, threads=None):
    """A copy of `base` (default: os.environ) pinned to `threads` threads (default: the
    current measurement's, `bench_threads`), OpenBLAS tuning unset.

    Returns:
        dict: environment for a worker subprocess.
    """
    env = dict(os.environ if base is None else base)
    threads = bench_threads(env) if threads is None else int(threads)
    env[THREADS_VAR] = str(threads)
    for var in THREAD_VARS:
        env[var] = str(threads)
    for var in UNSET_VARS:
        env.pop(var, None)
    # the worker imports the working tree's packages, never an installed copy
    root = bench_root()
    env[ROOT_VAR] = root
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def pin_threads():
    """Pin this process's BLAS/OpenMP pools to `bench_threads()` threads (1 unless run.py
    measures at more); call before numpy or torch is imported.

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
