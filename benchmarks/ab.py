"""A/B timing of tracegrad between two checkouts (e.g. before and after an engine change).

Usage:
    python benchmarks/ab.py /path/to/B [--a /path/to/A] [--only W4,W1] [--rounds 6] [--steps 30]

Runs the tracegrad implementation of each workload alternately from checkout A (default:
this repository) and B, each run in its own pinned subprocess, `--rounds` times, timed with
the workers' CPU clock by default (on a shared machine, wall time mostly measures the
neighbours). Prints the median and min of each metric for A and B and the ratio B/A:
below 1 means B is faster.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import common
from run import fmt_value, merge_rounds, run_one
from spec import BY_KEY


def main(argv=None):
    """Parse arguments, alternate A and B runs, print the comparison."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("b", help="checkout B (its autograd/, nn/, optim/ are measured)")
    ap.add_argument("--a", default=os.path.dirname(HERE), help="checkout A (default: this repository)")
    ap.add_argument("--only", default="W4", help="comma-separated timed workloads (default W4)")
    ap.add_argument("--impl", default="tracegrad")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--steps", type=int, default=0, help="timed steps per round (default: workload's / 3)")
    ap.add_argument("--clock", choices=["wall", "cpu"], default="cpu")
    args = ap.parse_args(argv)
    roots = {"A": os.path.abspath(args.a), "B": os.path.abspath(args.b)}
    print(f"A = {roots['A']}\nB = {roots['B']}\n{args.rounds} alternating rounds, {args.clock} clock")
    for key in [k.strip().upper() for k in args.only.split(",") if k.strip()]:
        w = BY_KEY[key]
        steps = args.steps or max(1, w.steps // 3)
        runs = {"A": [], "B": []}
        for r in range(args.rounds):
            for side in ("A", "B") if r % 2 == 0 else ("B", "A"):
                os.environ[common.ROOT_VAR] = roots[side]
                print(f"  … {key} {side} round {r + 1}/{args.rounds}   ", end="\r", flush=True, file=sys.stderr)
                runs[side].append(run_one(w, args.impl, steps, w.warmup, False, 1800, args.clock))
        res = {side: merge_rounds(v) for side, v in runs.items()}
        print(f"\n{key} {args.impl}: {w.title}")
        if any(r["status"] != "ok" for r in res.values()):
            for side, r in res.items():
                print(f"  {side}: {r['status']} {r.get('note', '')}")
            continue
        for metric, ma in res["A"]["metrics"].items():
            mb = res["B"]["metrics"].get(metric)
            if mb is None:
                continue
            print(f"  {metric:<9} A {fmt_value(metric, ma['median'], w)} (min {fmt_value(metric, ma['min'], w)})"
                  f"   B {fmt_value(metric, mb['median'], w)} (min {fmt_value(metric, mb['min'], w)})"
                  f"   B/A {mb['median'] / ma['median']:.3f} median, {mb['min'] / ma['min']:.3f} min")


if __name__ == "__main__":
    main()
