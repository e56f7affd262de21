"""What recording an op costs in objects: the cyclic GC scans every long-lived container object,
so each one a recorded op keeps alive makes long graphs (W5) slower to build. These tests
count them (not timed)."""
import gc

import numpy as np

from autograd import Tensor


def _tracked_per_op(build, n_ops):
    """GC-tracked objects added per recorded op while `build()` runs, counted before any
    collection could untrack them (gc disabled meanwhile)."""
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        before = len(gc.get_objects())
        keep = build()
        after = len(gc.get_objects())
    finally:
        if was:
            gc.enable()
    del keep
    return (after - before) / n_ops


def test_node_shapes_are_shared_tuples():
    x = Tensor(np.ones(16, np.float32), requires_grad=True)
    a = x * 2.0 + 1.0
    b = (x * 3.0).exp()
    assert a.grad_fn.shape == (16,) and a.grad_fn.shape is b.grad_fn.shape
    assert (x.sum() * 2.0).grad_fn.shape == ()


def test_chain_keeps_about_one_and_a_half_tracked_objects_per_op():
    # y = y * c + d: per op a Node; a mul also its saved tuple. The output shape is one shared
    # tuple, not a new one per node, and the upstream items sit in the node's slots, not in a
    # `next` tuple per node (was 3.5 per op).
    x = Tensor(np.ones(16, np.float32), requires_grad=True)

    def build():
        y = x
        for _ in range(500):
            y = y * 1.0001 + 0.0001
        return y

    assert _tracked_per_op(build, 1000) < 1.6


def test_next_from_the_slots_for_every_arity():
    from autograd import Tensor as T
    from autograd.function import Node
    a = T(np.ones(3), requires_grad=True)
    b = T(np.ones(3))
    assert (a * b).grad_fn.next == (a, None)
    assert (b * a).grad_fn.next == (None, a)
    assert (a.exp()).grad_fn.next == (a,)
    assert (a * 2.0).exp().grad_fn.next[0].next == (a, None)
    import autograd
    c = autograd.stack([a, b, a])
    assert c.grad_fn.next == (a, None, a)
    node = object.__new__(Node)
    node.next = [a]
    assert node.next == (a,)
    node.next = ()
    assert node.next == ()
    node.next = (a, None)
    assert node.next == (a, None)


def test_module_name_read_only_while_a_module_runs():
    # Function.apply reads the thread's module name only while some nn.Module forward runs (in
    # any thread); the names recorded are the same as before, also across threads
    import threading

    import nn
    from autograd import grad_mode
    from autograd.graph import enter_module, exit_module

    x = Tensor(np.ones(3), requires_grad=True)
    assert grad_mode._modules_running == [] and (x * 2.0).grad_fn.module is None
    inside, started, done = [], threading.Event(), threading.Event()

    def worker():
        prev = enter_module("worker.block")
        started.set()
        inside.append((x * 3.0).grad_fn.module)
        done.wait(10)
        exit_module(prev)

    t = threading.Thread(target=worker)
    t.start()
    started.wait(10)
    assert len(grad_mode._modules_running) == 1
    assert (x * 4.0).grad_fn.module is None  # this thread runs no module
    done.set()
    t.join()
    assert inside == ["worker.block"] and grad_mode._modules_running == []
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    out = model(Tensor(np.ones((1, 3), np.float32)))
    assert out.grad_fn.module == "1" and out.grad_fn.next[0].module == "0"
    assert grad_mode._modules_running == []
    exit_module(None)  # unpaired: harmless
    assert grad_mode._modules_running == []
