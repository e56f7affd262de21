"""The benchmark table: workloads, their implementations and targets (no numpy import here).

Each workload runs once per implementation, each in its own subprocess (see run.py). A
target compares tracegrad with one other implementation by the ratio of medians:
``tracegrad / other <= bound`` (``<`` when `strict`).
"""
from dataclasses import dataclass, field


@dataclass
class Target:
    """tracegrad's median (of `metric`) divided by `other`'s must be <= `bound` (< if strict)."""
    other: str
    bound: float
    metric: str = "step"
    strict: bool = False
    impl: str = "tracegrad"


@dataclass
class Workload:
    """One benchmark: a name, what it does, its implementations and its targets.

    Attributes:
        key: 'W1' … 'W6'.
        title: one-line description printed above its table.
        impls: implementation names, tracegrad's first.
        targets: `Target` list.
        steps, warmup: timed and untimed steps by default (`quick_steps` with --quick).
        ops: recorded ops per step, to report phases per op (0: report per step).
        memory: True for the tracemalloc workload (W6): reports peak bytes, not time.
        loss_groups: lists of impls whose first losses must agree (default: all of them).
        shared: the implementations run in ONE process per round, alternating step by step
            (matrix-bound workloads: a process's memory layout and the host's load of the
            moment move BLAS timings by ±25 %, so each implementation gets the same ones).
            The GC-heavy workloads keep one process per implementation: in a shared process
            one implementation's garbage would be collected during another's steps.
    """
    key: str
    title: str
    impls: list
    targets: list = field(default_factory=list)
    steps: int = 30
    warmup: int = 3
    quick_steps: int = 5
    ops: int = 0
    memory: bool = False
    loss_groups: list = None
    shared: bool = False


W4_ITERS = 1000
W5_ITERS = 50_000

WORKLOADS = [
    Workload("W1", "scalar MLP: micrograd demo, make_moons(100), 2-16-16-1 on Scalars, hinge loss + L2, "
                   "one full-batch SGD step (GC on)",
             ["tracegrad", "micrograd", "torch", "numpy"],
             [Target("micrograd", 0.15)]),
    Workload("W2", "tensor MLP: 784-512-512-10 ReLU, batch 128, softmax cross-entropy, SGD step",
             ["tracegrad", "torch", "numpy"],
             [Target("numpy", 1.05)], steps=60, shared=True),
    Workload("W3", "CNN: (64,1,28,28) conv3x3(16) relu pool2 conv3x3(32) relu pool2 linear(1568,10) CE, SGD step",
             ["tracegrad", "torch", "numpy"],
             [Target("torch", 1.5), Target("numpy", 1.0, strict=True)], steps=60, shared=True),
    Workload("W4", f"op overhead: (16,) vector, {W4_ITERS} x (y = y*1.0001 + 0.0001), sum, backward",
             ["tracegrad", "torch", "numpy"],
             [Target("torch", 1.0, "forward"), Target("torch", 1.0, "backward")],
             steps=50, warmup=5, ops=2 * W4_ITERS + 1),
    Workload("W5", f"deep chain: W4 with {W5_ITERS} iterations; Tensor and Scalar",
             ["tracegrad", "tracegrad-scalar", "torch", "micrograd", "numpy"],
             [Target("torch", 1.0, "forward"), Target("torch", 1.0, "backward"),
              Target("torch", 1.0, "forward", impl="tracegrad-scalar"),
              Target("torch", 1.0, "backward", impl="tracegrad-scalar")],
             steps=30, warmup=1, quick_steps=3, ops=2 * W5_ITERS + 1,
             loss_groups=[["tracegrad", "torch", "numpy"], ["tracegrad-scalar", "micrograd"]]),
    Workload("W6", "memory: peak traced bytes (tracemalloc) of 20 W2 steps above model and data",
             ["tracegrad", "numpy"],
             [Target("numpy", 1.2, "peak")],
             steps=20, warmup=0, quick_steps=20, memory=True),
]

BY_KEY = {w.key: w for w in WORKLOADS}
