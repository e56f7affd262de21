"""Grad mode is per thread (issue 10 §2): `no_grad`, `enable_grad` and `set_grad_enabled`
change only the calling thread's mode, as in PyTorch; anomaly mode stays process-wide; the
decorators cover generator functions. Thread interleavings are forced with Events and
Barriers, so each test sees the overlap it names on every run."""
import sys
import threading
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import optim

from ..conftest import require_torch

TIMEOUT = 30  # seconds: a wait that times out fails the test instead of hanging it


def _leaf(lib, data):
    """A float64 leaf that requires grad, in tracegrad (`lib` is autograd) or in torch."""
    arr = np.array(data, dtype=np.float64)
    if lib is ag:
        return ag.Tensor(arr, requires_grad=True)
    return lib.tensor(arr, requires_grad=True)


def _numpy(t):
    """The values of a tracegrad or torch Tensor as an ndarray."""
    return t.detach().numpy().copy() if isinstance(t, ag.Tensor) else t.detach().numpy().copy()


def _in_threads(*fns, barrier=None):
    """Run each fn in its own thread; return their results, re-raising the first error.

    A failing fn aborts `barrier` so the other threads stop waiting for it.
    """
    results = [None] * len(fns)
    errors = []

    def run(i, fn):
        try:
            results[i] = fn()
        except BaseException as e:  # noqa: BLE001 -- handed to the main thread
            errors.append(e)
            if barrier is not None:
                barrier.abort()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
        assert not t.is_alive(), "a thread did not finish"
    if errors:
        raise errors[0]
    return results


def _wait(event):
    assert event.wait(TIMEOUT), "an event was never set"


# -- one thread's no_grad does not reach another ---------------------------------------------
def _record_while_other_thread_in_no_grad(lib):
    """The main thread records a graph while a worker sits inside no_grad; what each saw."""
    x = _leaf(lib, [0.5, -1.0, 2.0])
    inside, main_done = threading.Event(), threading.Event()
    seen = {}

    def worker():
        with lib.no_grad():
            inside.set()
            _wait(main_done)  # the main thread's forward runs while this block is open
            seen["worker_enabled"] = lib.is_grad_enabled()
            seen["worker_records"] = (x * 2.0).requires_grad

    t = threading.Thread(target=worker)
    t.start()
    _wait(inside)
    seen["main_enabled"] = lib.is_grad_enabled()
    y = (x * x * 3.0).sum()
    seen["main_records"] = y.requires_grad
    main_done.set()
    t.join(TIMEOUT)
    y.backward()
    seen["grad"] = _numpy(x.grad).tolist()
    return seen


def test_no_grad_in_one_thread_does_not_stop_recording_in_another():
    seen = _record_while_other_thread_in_no_grad(ag)
    assert seen == {"worker_enabled": False, "worker_records": False, "main_enabled": True,
                    "main_records": True, "grad": [3.0, -6.0, 12.0]}
    assert seen == _record_while_other_thread_in_no_grad(require_torch())


def _plain_set_grad_enabled_in_a_thread(lib):
    """A worker turns grad off with a plain call; the main thread and a new thread keep it on."""
    x = _leaf(lib, [1.0, 2.0])
    off, checked = threading.Event(), threading.Event()
    seen = {}

    def worker():
        lib.set_grad_enabled(False)  # a plain call: stays for the rest of this thread
        off.set()
        _wait(checked)
        seen["worker_records"] = (x * 2.0).requires_grad

    t = threading.Thread(target=worker)
    t.start()
    _wait(off)
    seen["main_records"] = (x * 2.0).requires_grad
    checked.set()
    t.join(TIMEOUT)
    lib.set_grad_enabled(False)
    try:  # a new thread starts with grad on, whatever the thread that made it has
        seen["new_thread_enabled"] = _in_threads(lib.is_grad_enabled)[0]
    finally:
        lib.set_grad_enabled(True)
    return seen


def test_plain_set_grad_enabled_changes_only_the_calling_thread():
    seen = _plain_set_grad_enabled_in_a_thread(ag)
    assert seen == {"main_records": True, "worker_records": False, "new_thread_enabled": True}
    assert seen == _plain_set_grad_enabled_in_a_thread(require_torch())


# -- overlapping contexts ----------------------------------------------------------------------
def _overlapping_no_grad(lib, shared=False):
    """Thread A enters no_grad, then B, then A exits, then B: the interleaving that left grad
    mode off for the whole process when the mode was one global flag. Returns the mode of
    the main thread, of each worker after its block, and of a thread started afterwards."""
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    one = lib.no_grad() if shared else None  # one instance entered by both threads

    def ctx():
        return one if shared else lib.no_grad()

    def a():
        with ctx():
            a_in.set()
            _wait(b_in)
        a_out.set()
        return lib.is_grad_enabled()

    def b():
        _wait(a_in)
        with ctx():
            b_in.set()
            _wait(a_out)
        return lib.is_grad_enabled()

    after_a, after_b = _in_threads(a, b)
    return [lib.is_grad_enabled(), after_a, after_b, _in_threads(lib.is_grad_enabled)[0]]


def test_overlapping_contexts_in_two_threads_leave_grad_mode_on():
    assert _overlapping_no_grad(ag) == [True, True, True, True]
    assert _overlapping_no_grad(require_torch()) == [True, True, True, True]
    x = _leaf(ag, [1.0])
    assert (x * 2.0).requires_grad


def test_one_no_grad_instance_entered_by_two_threads_restores_each_threads_mode():
    assert _overlapping_no_grad(ag, shared=True) == [True, True, True, True]
    # thread B starts with grad off: A's exit must not hand A the mode B had
    one = ag.no_grad()
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def a():
        with one:
            a_in.set()
            _wait(b_in)
        a_out.set()
        return ag.is_grad_enabled()

    def b():
        ag.set_grad_enabled(False)
        _wait(a_in)
        with one:
            b_in.set()
            _wait(a_out)
        return ag.is_grad_enabled()

    assert _in_threads(a, b) == [True, False]
    assert ag.is_grad_enabled()


def test_no_grad_exited_in_another_thread_raises():
    def gen():
        with ag.no_grad():
            yield  # suspended inside the block ...

    g = gen()
    _in_threads(lambda: next(g))  # ... entered in a worker thread
    with pytest.raises(RuntimeError, match=r"no_grad: exited in a thread that did not enter it; got thread \d+"):
        next(g)  # and exited in the main thread
    assert ag.is_grad_enabled()


# -- two models trained at once ----------------------------------------------------------------
STEPS = 200


def _setup(seed):
    """A small float64 regression model, its SGD optimizer and data, all from `seed`."""
    rng = np.random.default_rng(seed)
    model = nn.Sequential(nn.Linear(4, 8, dtype=np.float64), nn.Tanh(), nn.Linear(8, 2, dtype=np.float64))
    with ag.no_grad():
        for p in model.parameters():  # the initial values come from `seed`, not the global generator
            p.detach().numpy()[...] = rng.standard_normal(p.detach().numpy().shape) * 0.5
    x = rng.standard_normal((32, 4))
    y = np.tanh(x @ rng.standard_normal((4, 2))) + 0.1 * rng.standard_normal((32, 2))
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    return model, opt, ag.Tensor(x), ag.Tensor(y)


def _train(seed, role, barrier=None):
    """STEPS steps of training: the losses, no_grad evaluations and the final parameters.

    On the steps where ``step % 2 == role`` this thread holds a no_grad block open (and
    evaluates in it) while, between two `barrier` waits, the other thread takes a whole
    training step; on the others it trains while the other thread holds no_grad. Without a
    barrier the same computations run unsynchronized (the serial reference).
    """
    model, opt, x, y = _setup(seed)
    losses, evals = [], []

    def sync():
        if barrier is not None:
            barrier.wait(TIMEOUT)

    def train_step():
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()  # its update runs in no_grad too
        losses.append(loss.item())

    for step in range(STEPS):
        if step % 2 == role:
            with ag.no_grad():
                sync()
                evals.append(nn.functional.mse_loss(model(x), y).item())
                sync()
            train_step()
        else:
            sync()
            train_step()
            sync()
    return losses, evals, [p.detach().numpy().copy() for p in model.parameters()]


def test_two_threads_training_two_models_match_a_serial_run_bit_for_bit():
    serial = [_train(1, 0), _train(2, 1)]
    barrier = threading.Barrier(2)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # between the barriers, switch threads as often as possible
    try:
        concurrent = _in_threads(lambda: _train(1, 0, barrier), lambda: _train(2, 1, barrier), barrier=barrier)
    finally:
        sys.setswitchinterval(interval)
    for (losses, evals, params), (c_losses, c_evals, c_params) in zip(serial, concurrent):
        assert len(c_losses) == len(losses) == STEPS
        assert c_losses == losses  # exact: the same floats, step by step
        assert c_evals == evals
        assert len(c_params) == len(params) == 4
        for p, c in zip(params, c_params):
            np.testing.assert_array_equal(c, p)
    assert serial[0][0][-1] < serial[0][0][0] / 2  # it trained
    assert ag.is_grad_enabled()


# -- generator functions -------------------------------------------------------------------------
DECORATORS = {
    "no_grad": (lambda lib: lib.no_grad, True, False),  # (decorator, outer mode, inner mode)
    "no_grad()": (lambda lib: lib.no_grad(), True, False),
    "set_grad_enabled(False)": (lambda lib: lib.set_grad_enabled(False), True, False),
    "enable_grad()": (lambda lib: lib.enable_grad(), False, True),
}


def _generator_trace(lib, which):
    """Drive a decorated generator through next, send, throw, yield-from's return and close;
    record the grad mode (and whether an op records) inside and outside at every step."""
    make, outer, _ = DECORATORS[which]
    x = _leaf(lib, [1.0, 2.0])
    trace = []

    def mode(where):
        trace.append((where, lib.is_grad_enabled(), (x * 2.0).requires_grad))

    @make(lib)
    def gen():
        mode("start")
        got = yield 1
        trace.append(("sent", got))
        mode("after send")
        try:
            yield 2
        except KeyError:
            mode("in except")
        try:
            yield 3
        finally:
            mode("in finally")

    @make(lib)
    def returns():
        mode("returns")
        yield 10
        return "value"

    def outer_gen():
        result = yield from returns()
        trace.append(("returned", result))

    prev = lib.is_grad_enabled()
    lib.set_grad_enabled(outer)
    try:
        g = gen()
        mode("made")
        trace.append(("yielded", next(g)))
        mode("between")
        trace.append(("yielded", g.send("hello")))
        mode("between")
        trace.append(("yielded", g.throw(KeyError("k"))))
        mode("between")
        g.close()
        mode("closed")
        trace.append(("outer", list(outer_gen())))
        mode("end")
    finally:
        lib.set_grad_enabled(prev)
    return trace


@pytest.mark.parametrize("which", list(DECORATORS))
def test_decorated_generator_runs_its_body_in_the_mode_and_restores_the_callers(which):
    _, outer, inner = DECORATORS[which]
    trace = _generator_trace(ag, which)
    assert trace == [
        ("made", outer, outer),
        ("start", inner, inner),
        ("yielded", 1),
        ("between", outer, outer),
        ("sent", "hello"),
        ("after send", inner, inner),
        ("yielded", 2),
        ("between", outer, outer),
        ("in except", inner, inner),
        ("yielded", 3),
        ("between", outer, outer),
        ("in finally", inner, inner),
        ("closed", outer, outer),
        ("returns", inner, inner),
        ("returned", "value"),
        ("outer", [10]),
        ("end", outer, outer),
    ]
    assert ag.is_grad_enabled()
    assert trace == _generator_trace(require_torch(), which)


def test_decorated_function_and_generator_keep_name_and_docstring():
    @ag.no_grad()
    def gen():
        """Doc."""
        yield ag.is_grad_enabled()

    assert gen.__name__ == "gen" and gen.__doc__ == "Doc."
    assert list(gen()) == [False]


# -- anomaly mode is process-wide ------------------------------------------------------------------
def _nan_backward(lib):
    """A backward whose sqrt VJP meets 0/0 = NaN; the error message, or None if none."""
    x = _leaf(lib, [0.0, 1.0])
    y = ((x.sqrt() if lib is not ag else ag.sqrt(x)) * 0.0).sum()
    try:
        with np.errstate(all="ignore"):
            y.backward()
    except RuntimeError as e:
        return str(e)
    return None


def _anomaly_from_another_thread(lib):
    """While a worker holds detect_anomaly open, the main thread's NaN backward; then after."""
    inside, main_done = threading.Event(), threading.Event()

    def worker():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch warns that anomaly detection is slow
            with lib.autograd.detect_anomaly() if lib is not ag else ag.detect_anomaly():
                inside.set()
                _wait(main_done)

    t = threading.Thread(target=worker)
    t.start()
    _wait(inside)
    try:
        during = _nan_backward(lib)
    finally:
        main_done.set()
        t.join(TIMEOUT)
    return during, _nan_backward(lib)


def test_anomaly_mode_is_process_wide_as_in_pytorch():
    during, after = _anomaly_from_another_thread(ag)
    assert after is None
    assert during.startswith("backward: 'sqrt' returned a NaN or Inf gradient for input 0. The op was created here:")
    assert "_nan_backward" in during  # the forward traceback of the main thread's op
    t_during, t_after = _anomaly_from_another_thread(require_torch())
    assert t_after is None
    assert "returned nan values" in t_during


# -- the mode the backward sweep runs in ---------------------------------------------------------
def _modes_seen_by_hooks(lib, create_graph):
    """Grad mode seen by a tensor hook and a leaf hook during backward; whether a hook's own
    op on a tensor that requires grad recorded (it gives the leaf's .grad); the mode after."""
    x = _leaf(lib, [1.0, 2.0])
    w = _leaf(lib, [3.0, 4.0])
    seen = []
    y = x * 2.0
    y.register_hook(lambda g: seen.append(("tensor hook", lib.is_grad_enabled())))

    def leaf_hook(g):
        seen.append(("leaf hook", lib.is_grad_enabled()))
        return g * w  # records only when the sweep runs in grad mode

    x.register_hook(leaf_hook)
    y.sum().backward(create_graph=create_graph)
    seen.append(("grad records", x.grad.requires_grad))
    seen.append(("grad", _numpy(x.grad).tolist()))
    seen.append(("after", lib.is_grad_enabled()))
    return seen


@pytest.mark.parametrize("create_graph", [False, True])
def test_backward_runs_hooks_in_the_create_graph_mode_like_torch(create_graph):
    seen = _modes_seen_by_hooks(ag, create_graph)
    assert seen == [("tensor hook", create_graph), ("leaf hook", create_graph), ("grad records", create_graph),
                    ("grad", [6.0, 8.0]), ("after", True)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about backward(create_graph=True) cycles
        assert seen == _modes_seen_by_hooks(require_torch(), create_graph)


def test_backward_restores_the_callers_mode_after_an_error():
    x = _leaf(ag, [1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with ag.no_grad():
        with pytest.raises(RuntimeError, match="retain_graph=True"):
            y.backward()  # the graph was freed: the sweep raises in the middle
        assert not ag.is_grad_enabled()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()
    assert ag.is_grad_enabled()


def test_stepper_runs_each_step_without_recording_and_gives_the_caller_its_mode_between_steps():
    from autograd.viz import BackwardStepper

    x = _leaf(ag, [1.0, 2.0])
    seen = []
    y = x * 3.0
    y.register_hook(lambda g: seen.append(ag.is_grad_enabled()) or g)
    stepper = BackwardStepper(((y * y) * 1.0).sum())
    while stepper.step() is not None:
        seen.append(("between", ag.is_grad_enabled()))
    # steps: sum, (·)*1.0, y*y, x*3.0 (y's hook runs as that last step starts)
    assert seen == [("between", True), ("between", True), ("between", True), False, ("between", True)]
    np.testing.assert_array_equal(x.grad.detach().numpy(), [18.0, 36.0])
    with ag.no_grad():  # the caller's mode, whatever it is, comes back at each step
        stepper.reset()
        assert stepper.step() is not None and not ag.is_grad_enabled()
    assert ag.is_grad_enabled()
