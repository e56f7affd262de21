"""Run ONE workload for one implementation (or several sharing the process): JSON on the last line.

Usage: python benchmarks/worker.py W2 tracegrad [--steps N] [--warmup N] [--composed]
       python benchmarks/worker.py W2 tracegrad,torch,numpy --steps N   (shared process)

Started by run.py in a fresh subprocess pinned to one thread. Time mode: `warmup` untimed
steps, then `steps` timed steps (perf_counter around each whole step, plus the phases the
step times itself). Memory mode (W6): tracemalloc traces `steps` steps started right after
setup; the result is the peak traced bytes above what was allocated before them.
Python's cyclic GC stays on, as users run it. `--clock cpu` times with the process's CPU
time instead of the wall clock: on a machine shared with other jobs, it leaves out the time
this process waited for a core.
"""
import common

common.pin_threads()  # before numpy/torch are imported

import argparse
import gc
import json
import platform
import statistics
import sys
import time
import traceback


def summarize(values):
    """{'median', 'min', 'max', 'n', 'samples'} of a list of numbers."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values),
            "samples": list(values)}


def blas_info():
    """Which BLAS/OpenMP libraries are loaded and with how many threads (threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return [{"error": "threadpoolctl not installed"}]
    keep = ("user_api", "internal_api", "prefix", "version", "num_threads", "architecture", "filepath")
    return [{k: info.get(k) for k in keep} for info in threadpool_info()]


def measure_time(step, steps, warmup, clock):
    """Run `warmup` + `steps` steps; return (first loss, {'step': summary, phase: summary})."""
    loss, _ = step()
    first_loss = loss
    for _ in range(max(warmup - 1, 0)):
        step()
    gc.collect()
    totals, phases = [], {}
    perf = clock
    for _ in range(steps):
        t0 = perf()
        _, ph = step()
        totals.append(perf() - t0)
        for name, value in ph.items():
            phases.setdefault(name, []).append(value)
    out = {"step": summarize(totals)}
    out.update({name: summarize(v) for name, v in phases.items()})
    return first_loss, out


def measure_memory(step, steps):
    """Peak traced bytes (numpy buffers included) of `steps` steps, above the start."""
    import tracemalloc
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    first_loss = None
    for i in range(steps):
        loss, _ = step()
        if i == 0:
            first_loss = loss
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return first_loss, {"peak": summarize([peak - base]), "retained": summarize([current - base])}


def measure_interleaved(steps_by_impl, steps, warmup, clock):
    """Like `measure_time` for several implementations in this one process, step by step.

    Each implementation is warmed up, then every round times one step of each, in an order
    that rotates from round to round: all of them share the process's memory layout and
    whatever load the machine has at that moment. Returns {impl: (first loss, metrics)}.
    """
    impls = list(steps_by_impl)
    first = {}
    for impl in impls:
        first[impl], _ = steps_by_impl[impl]()
        for _ in range(max(warmup - 1, 0)):
            steps_by_impl[impl]()
    gc.collect()
    totals = {impl: [] for impl in impls}
    phases = {impl: {} for impl in impls}
    for i in range(steps):
        k = i % len(impls)
        for impl in impls[k:] + impls[:k]:
            t0 = clock()
            _, ph = steps_by_impl[impl]()
            totals[impl].append(clock() - t0)
            for name, value in ph.items():
                phases[impl].setdefault(name, []).append(value)
    out = {}
    for impl in impls:
        metrics = {"step": summarize(totals[impl])}
        metrics.update({name: summarize(v) for name, v in phases[impl].items()})
        out[impl] = (first[impl], metrics)
    return out


def main(argv=None):
    """Parse arguments, run one measurement, print one JSON object on the last line (a
    list of them when several implementations share the process: `impl` given as a,b,c)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workload")
    ap.add_argument("impl")
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--memory", action="store_true")
    ap.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                    help="wall: perf_counter; cpu: this process's CPU time (steadier on a shared machine)")
    ap.add_argument("--composed", action="store_true",
                    help="where tracegrad lacks linear/cross_entropy/SGD, use stand-ins made of today's ops")
    args = ap.parse_args(argv)

    import numpy as np
    result = {"workload": args.workload, "impl": args.impl, "status": "ok", "note": "",
              "python": platform.python_version(), "numpy": np.__version__}
    import workloads
    from workloads import setup
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    workloads.perf = clock  # the phases the steps time themselves use the same clock
    result["clock"] = args.clock
    if "," in args.impl:
        sys.stdout.write("\n" + json.dumps(run_shared(args, result, setup, clock)) + "\n")
        sys.stdout.flush()
        return
    try:
        try:
            step = setup(args.workload, args.impl)
        except common.NotAvailable as exc:
            if not args.composed or args.impl != "tracegrad" or args.workload not in ("W2", "W6"):
                raise
            step = setup(args.workload, args.impl, composed=True)
            result["note"] = f"composed stand-ins ({exc})"
        if "torch" in sys.modules:
            import torch
            result["torch"] = torch.__version__
            result["torch_threads"] = torch.get_num_threads()
        if args.memory:
            loss, metrics = measure_memory(step, args.steps)
        else:
            loss, metrics = measure_time(step, args.steps, args.warmup, clock)
        result["loss"] = None if loss is None else float(loss)
        result["metrics"] = metrics
    except common.NotAvailable as exc:
        result["status"] = "not available"
        result["note"] = str(exc)
    except RecursionError as exc:
        result["status"] = "failed"
        result["note"] = f"RecursionError: {exc}"
    except Exception as exc:  # noqa: BLE001 (report any failure, do not crash the whole run)
        result["status"] = "failed"
        result["note"] = f"{type(exc).__name__}: {exc}"
        result["traceback"] = traceback.format_exc(limit=8)
    result["blas"] = blas_info()
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    sys.stdout.flush()


def run_shared(args, base, setup, clock):
    """The implementations `args.impl` (comma-separated) timed step by step in this process;
    returns one result dict per implementation (failures reported per implementation)."""
    results, steps = {}, {}
    for impl in args.impl.split(","):
        results[impl] = dict(base, impl=impl)
        try:
            steps[impl] = setup(args.workload, impl)
        except common.NotAvailable as exc:
            results[impl].update(status="not available", note=str(exc))
        except Exception as exc:  # noqa: BLE001 (report it, time the others)
            results[impl].update(status="failed", note=f"{type(exc).__name__}: {exc}",
                                 traceback=traceback.format_exc(limit=8))
    if "torch" in sys.modules:
        import torch
        for r in results.values():
            r["torch"], r["torch_threads"] = torch.__version__, torch.get_num_threads()
    if steps:
        for impl, (loss, metrics) in measure_interleaved(steps, args.steps, args.warmup, clock).items():
            results[impl]["loss"] = None if loss is None else float(loss)
            results[impl]["metrics"] = metrics
    blas = blas_info()
    for r in results.values():
        r["blas"] = blas
        if r["status"] == "ok":
            r["note"] = "one process, steps alternated"
    return list(results.values())


if __name__ == "__main__":
    main()
