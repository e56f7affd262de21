"""Profile one workload's implementation (default: tracegrad) with cProfile or pyinstrument.

Usage:
    python benchmarks/prof.py W4                       # cProfile, top 30 by own time
    python benchmarks/prof.py W2 --sort cumulative --top 40
    python benchmarks/prof.py W1 --tool pyinstrument   # call tree (pip install pyinstrument)
    python benchmarks/prof.py W5 --impl tracegrad-scalar --steps 2

Runs in this process, pinned to one thread like the benchmark workers; the step is warmed
up once, then `--steps` steps are profiled. `--out PATH` saves cProfile stats (.prof) or
pyinstrument's HTML.
"""
import common

common.pin_threads()

import argparse
import gc
import sys

from spec import BY_KEY


def main(argv=None):
    """Parse arguments, warm up, profile the steps and print the report."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workload")
    ap.add_argument("--impl", default="tracegrad")
    ap.add_argument("--steps", type=int, default=0, help="profiled steps (default: W5 2, else 10)")
    ap.add_argument("--tool", choices=["cprofile", "pyinstrument"], default="cprofile")
    ap.add_argument("--sort", default="tottime", help="cProfile sort key (tottime, cumulative, ncalls)")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--out", help="save the profile (.prof for cProfile, .html for pyinstrument)")
    ap.add_argument("--composed", action="store_true")
    args = ap.parse_args(argv)

    key = args.workload.upper()
    if key not in BY_KEY or BY_KEY[key].memory:
        ap.error(f"workload must be one of the timed ones {[k for k, w in BY_KEY.items() if not w.memory]}")
    steps = args.steps or (2 if key == "W5" else 10)
    from workloads import setup
    step = setup(key, args.impl, composed=args.composed)
    step()
    gc.collect()
    if args.tool == "pyinstrument":
        from pyinstrument import Profiler
        prof = Profiler(interval=0.0005)
        prof.start()
        for _ in range(steps):
            step()
        prof.stop()
        if args.out:
            with open(args.out, "w") as fh:
                fh.write(prof.output_html())
        print(prof.output_text(unicode=True, color=False, show_all=False))
        return
    import cProfile
    import pstats
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(steps):
        step()
    prof.disable()
    if args.out:
        prof.dump_stats(args.out)
    stats = pstats.Stats(prof, stream=sys.stdout)
    stats.strip_dirs().sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
