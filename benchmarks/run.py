"""tracegrad benchmarks: the same workloads on tracegrad, PyTorch CPU and hand-written numpy.

Usage (from the repository root; `make bench` runs the first form):
    python benchmarks/run.py                  # every workload, default steps
    python benchmarks/run.py --only W2,W4     # a subset
    python benchmarks/run.py --quick          # few steps, for development
    python benchmarks/run.py --json out.json  # also write the numbers

Each (workload, implementation) runs in its own subprocess with OMP/MKL/OpenBLAS pinned to
the measured thread count (torch.set_num_threads too): one table at one thread and one at all
cores by default (`--threads`), as users keep default threads. OPENBLAS_CORETYPE/L2_SIZE unset;
threadpoolctl records which BLAS ran. After warm-up, every step is timed; the table shows
the median and min–max, and tracegrad's ratio to each other implementation (by medians,
and by minima, which are steadier on a shared machine). Targets are checked on medians.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import common
from spec import BY_KEY, WORKLOADS

LOSS_RTOL = 1e-3  # float32 tensors vs float64 Scalars


def run_one(w, impl, steps, warmup, composed, timeout, clock="wall", threads=1):
    """Run worker.py for (workload, impl) in a pinned subprocess; return its result dict
    (a list of them when `impl` names several implementations, comma-separated, that share
    the process: `Workload.shared`)."""
    cmd = [sys.executable, os.path.join(HERE, "worker.py"), w.key, impl, "--steps", str(steps),
           "--warmup", str(warmup), "--clock", clock]
    if w.memory:
        cmd.append("--memory")
    if composed:
        cmd.append("--composed")
    try:
        proc = subprocess.run(cmd, check=False, env=common.pinned_env(threads=threads), capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return _failed(w, impl, f"timeout after {timeout} s")
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    try:
        return json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return _failed(w, impl, f"worker exited with {proc.returncode}: " + " | ".join(tail))


def _failed(w, impl, note):
    """The result of a worker that did not report: one dict, or one per shared implementation."""
    out = [{"workload": w.key, "impl": i, "status": "failed", "note": note} for i in impl.split(",")]
    return out if "," in impl else out[0]


def merge_rounds(rounds):
    """One result from the rounds of one implementation: samples pooled, statistics redone."""
    first = rounds[0]
    bad = next((r for r in rounds if r["status"] != "ok"), None)
    if bad is not None or len(rounds) == 1:
        return bad or first
    merged = dict(first)
    merged["metrics"] = {}
    for metric in first["metrics"]:
        samples = [v for r in rounds for v in r["metrics"][metric]["samples"]]
        samples.sort()
        n = len(samples)
        median = samples[n // 2] if n % 2 else 0.5 * (samples[n // 2 - 1] + samples[n // 2])
        merged["metrics"][metric] = {"median": median, "min": samples[0], "max": samples[-1], "n": n,
                                     "samples": [v for r in rounds for v in r["metrics"][metric]["samples"]]}
    merged["rounds"] = len(rounds)
    return merged


def fmt_time(seconds, per_op=0):
    """'12.3 ms' for a step, or '4.56 µs/op' when divided by `per_op` ops."""
    if per_op:
        return f"{seconds / per_op * 1e6:.2f} µs/op"
    if seconds >= 1:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def fmt_value(metric, value, w):
    """Format one number of `metric` (bytes for memory, time otherwise)."""
    if w.memory:
        return f"{value / 2**20:.2f} MiB"
    return fmt_time(value, w.ops if metric in ("forward", "backward") else 0)


def ratios(results, w):
    """{(impl, other, metric): (median ratio, min ratio)} of tracegrad impls over the others."""
    out = {}
    ok = {r["impl"]: r for r in results if r["status"] == "ok"}
    mine = [i for i in w.impls if i.startswith("tracegrad")]
    for impl in mine:
        if impl not in ok:
            continue
        for other in w.impls:
            if other.startswith("tracegrad") or other not in ok:
                continue
            for metric, m in ok[impl]["metrics"].items():
                o = ok[other]["metrics"].get(metric)
                if o and o["median"] > 0 and o["min"] > 0:
                    out[(impl, other, metric)] = (m["median"] / o["median"], m["min"] / o["min"])
    return out


def check_targets(w, rat):
    """List of (text, passed or None) for the workload's targets."""
    rows = []
    for t in w.targets:
        r = rat.get((t.impl, t.other, t.metric))
        op = "<" if t.strict else "≤"
        text = f"{t.impl}/{t.other} {t.metric} {op} {t.bound:g}×"
        if r is None:
            rows.append((text + ": not measured", None))
            continue
        passed = r[0] < t.bound if t.strict else r[0] <= t.bound
        rows.append((f"{text}: {r[0]:.2f}×", passed))
    return rows


def check_losses(w, results):
    """Messages for implementations whose first loss disagrees with their group's first."""
    ok = {r["impl"]: r.get("loss") for r in results if r["status"] == "ok"}
    bad = []
    for group in w.loss_groups or [w.impls]:
        ref_impl = next((i for i in group if ok.get(i) is not None), None)
        if ref_impl is None:
            continue
        ref = ok[ref_impl]
        for impl in group:
            val = ok.get(impl)
            if val is not None and abs(val - ref) > LOSS_RTOL * max(abs(ref), 1e-12):
                bad.append(f"first loss of {impl} = {val:.6g} differs from {ref_impl}'s {ref:.6g}")
    return bad


def print_workload(w, results, rat, steps):
    """Print one workload's table."""
    print(f"\n{w.key}  {w.title}  [{'memory' if w.memory else f'{steps} timed steps'}]")
    metrics = ["peak", "retained"] if w.memory else ["step", "forward", "backward", "update"]
    for r in results:
        if r["status"] != "ok":
            print(f"  {r['impl']:<17} {r['status']}: {r.get('note', '')}")
            continue
        cells = []
        for metric in metrics:
            m = r["metrics"].get(metric)
            if m is None:
                continue
            if w.memory:
                cells.append(f"{metric} {fmt_value(metric, m['median'], w)}")
            else:
                cells.append(f"{metric} {fmt_value(metric, m['median'], w)} "
                             f"({fmt_value(metric, m['min'], w)} – {fmt_value(metric, m['max'], w)})")
        note = f"   [{r['note']}]" if r.get("note") else ""
        print(f"  {r['impl']:<17} " + "; ".join(cells) + note)
    shown = {(t.impl, t.other, t.metric) for t in w.targets}
    for (impl, other, metric), (rmed, rmin) in sorted(rat.items()):
        if metric != ("peak" if w.memory else "step") and (impl, other, metric) not in shown:
            continue  # phases: only those with a target (all ratios are in the JSON)
        print(f"  ratio {impl}/{other} {metric}: {rmed:.2f}× median, {rmin:.2f}× min")
    for text, passed in check_targets(w, rat):
        mark = "n/a " if passed is None else ("PASS" if passed else "FAIL")
        print(f"  target {mark} {text}")
    for msg in check_losses(w, results):
        print(f"  LOSS MISMATCH: {msg}")


def describe_env(all_results):
    """One line per BLAS/OpenMP library seen (threadpoolctl), with the implementations that loaded it."""
    libs = {}
    for r in all_results:
        for info in r.get("blas") or []:
            if "error" in info:
                continue
            key = (info.get("user_api"), info.get("internal_api"), info.get("version"), info.get("architecture"),
                   info.get("num_threads"), os.path.basename(info.get("filepath") or ""))
            libs.setdefault(key, set()).add(f"{r['impl']}@{r.get('threads', 1)}")
    return [f"  {api}: {internal} {version or ''} ({arch or '-'}), {threads} thread(s), {path}; "
            f"loaded by {', '.join(sorted(impls))}"
            for (api, internal, version, arch, threads, path), impls in libs.items()]


def measure(keys, impl_filter, args, threads, everything):
    """Run and print the selected workloads at `threads` threads; return their report dict
    (per workload) and append every result to `everything`."""
    report = {}
    for key in keys:
        w = BY_KEY[key]
        steps = args.steps or (w.quick_steps if args.quick else w.steps)
        if w.memory:
            steps = w.steps  # W6 is defined as 20 steps
        warmup = min(w.warmup, 1) if args.quick else w.warmup
        rounds = 1 if w.memory else (args.rounds or (1 if args.quick else 6))
        impls = [i for i in w.impls if not impl_filter or i in impl_filter]
        per_round = max(1, -(-steps // rounds))
        runs = {impl: [] for impl in impls}
        for r in range(rounds):
            order = impls[r % len(impls):] + impls[:r % len(impls)]  # rotated: no fixed neighbour
            order = [i for i in order if not runs[i] or runs[i][-1]["status"] == "ok"]  # skip failures
            if w.shared and len(order) > 1:  # one process, steps alternated (see spec.Workload)
                print(f"  … {key} {','.join(order)} round {r + 1}/{rounds}   ", end="\r", flush=True, file=sys.stderr)
                for res in run_one(w, ",".join(order), per_round, warmup, args.composed, args.timeout, args.clock,
                                   threads):
                    runs[res["impl"]].append(res)
                continue
            for impl in order:
                print(f"  … {key} {impl} round {r + 1}/{rounds}   ", end="\r", flush=True, file=sys.stderr)
                runs[impl].append(run_one(w, impl, per_round, warmup, args.composed, args.timeout, args.clock,
                                          threads))
        results = [merge_rounds(runs[impl]) for impl in impls]
        for res in results:
            res["threads"] = threads
        steps = per_round * rounds
        everything += results
        rat = ratios(results, w)
        print_workload(w, results, rat, steps)
        report[key] = {
            "title": w.title, "steps": steps, "rounds": rounds, "warmup": warmup, "ops_per_step": w.ops,
            "results": results,
            "ratios": [{"impl": i, "other": o, "metric": m, "median_ratio": a, "min_ratio": b}
                       for (i, o, m), (a, b) in sorted(rat.items())],
            "targets": [{"target": t, "passed": p} for t, p in check_targets(w, rat)],
            "loss_mismatches": check_losses(w, results),
        }
    return report


def main(argv=None):
    """Run the selected workloads and print (and optionally save) the table."""
    ap = argparse.ArgumentParser(description="tracegrad benchmarks against PyTorch CPU and hand-written numpy.")
    ap.add_argument("--only", default="", help="comma-separated workloads, e.g. W2 or W1,W4")
    ap.add_argument("--impl", default="", help="comma-separated implementations to run (default: all)")
    ap.add_argument("--quick", action="store_true", help="few steps, for development")
    ap.add_argument("--steps", type=int, default=0, help="timed steps per workload (overrides defaults)")
    ap.add_argument("--rounds", type=int, default=0,
                    help="split the steps over this many interleaved subprocess rounds per implementation "
                         "(default 6, --quick 1; the order rotates each round), so load from other "
                         "processes hits all alike")
    ap.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                    help="wall clock (default) or the worker's CPU time, steadier when other jobs share the cores")
    ap.add_argument("--json", metavar="PATH", help="write the results as JSON")
    ap.add_argument("--composed", action="store_true",
                    help="W2/W6: if autograd.linear / cross_entropy / optim.SGD are missing, time "
                         "tracegrad with stand-ins made of today's ops (marked in the table)")
    ap.add_argument("--root", help="measure the packages of another checkout (A/B of an engine change)")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per subprocess")
    ap.add_argument("--threads", default="1,all",
                    help="thread counts to measure at, comma-separated; 'all' is the machine's core count "
                         "(default '1,all': one table per count, every library given the same count)")
    args = ap.parse_args(argv)
    cores = os.cpu_count() or 1
    try:
        thread_counts = list(dict.fromkeys(cores if t.strip() == "all" else int(t) for t in args.threads.split(",")))
    except ValueError:
        ap.error(f"--threads takes ints or 'all', comma-separated; got {args.threads!r}")
    if args.root:
        os.environ[common.ROOT_VAR] = os.path.abspath(args.root)

    keys = [k.strip().upper() for k in args.only.split(",") if k.strip()] or [w.key for w in WORKLOADS]
    unknown = [k for k in keys if k not in BY_KEY]
    if unknown:
        ap.error(f"unknown workload(s) {unknown}; expected some of {list(BY_KEY)}")
    impl_filter = {i.strip() for i in args.impl.split(",") if i.strip()}

    started = datetime.datetime.now(datetime.timezone.utc)
    root = common.bench_root()
    print(f"tracegrad benchmarks, {started:%Y-%m-%d %H:%M} UTC, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores, {args.clock} clock{', QUICK' if args.quick else ''}; packages from {root}")
    report = {"started": started.isoformat(), "python": sys.version, "root": root, "quick": args.quick, "clock": args.clock,
              "cores": cores, "threads": {}}
    everything = []
    for threads in thread_counts:
        print(f"\n=== {threads} thread{'s' if threads > 1 else ''} per process (BLAS, OpenMP and PyTorch alike) ===")
        report["threads"][str(threads)] = measure(keys, impl_filter, args, threads, everything)
    env = describe_env(everything)
    if env:
        print("\nThread pools (threadpoolctl):")
        print("\n".join(env))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=1)
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
