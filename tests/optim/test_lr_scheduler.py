"""Every learning-rate schedule gives PyTorch's sequence (to 1e-12) over 50 steps."""
import math

import numpy as np
import pytest

import autograd as ag
import optim
from optim import lr_scheduler as S

from ..conftest import require_torch

STEPS = 50


def _ours(opt_name="SGD", **options):
    w = ag.Tensor(np.zeros(2), requires_grad=True)
    b = ag.Tensor(np.zeros(1), requires_grad=True)
    options = {"lr": 0.1, **options}
    return getattr(optim, opt_name)([{"params": [w]}, {"params": [b], "lr": options["lr"] / 4}], **options)


def _theirs(torch, opt_name="SGD", **options):
    w = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    options = {"lr": 0.1, **options}
    return getattr(torch.optim, opt_name)([{"params": [w]}, {"params": [b], "lr": options["lr"] / 4}], **options)


def _make(lib, name, opt, kwargs):
    kwargs = dict(kwargs)
    if name == "SequentialLR":
        parts = [_make(lib, n, opt, kw) for n, kw in kwargs.pop("parts")]
        return lib.SequentialLR(opt, parts, **kwargs)
    if name == "ChainedScheduler":
        return lib.ChainedScheduler([_make(lib, n, opt, kw) for n, kw in kwargs.pop("parts")])
    return getattr(lib, name)(opt, **kwargs)


def _trace(opt, sched, keys, metrics=None):
    """lrs (and momentum/betas) after construction and after each of STEPS steps."""
    rows = []

    def record():
        row = list(sched.get_last_lr()) + [g["lr"] for g in opt.param_groups]
        for key in keys:
            for g in opt.param_groups:
                value = g[key]
                row.extend(value if isinstance(value, tuple) else [value])
        rows.append(row)

    record()
    for i in range(STEPS):
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[i])
        record()
    return np.array(rows, dtype=np.float64)


SCHEDULES = [
    ("StepLR", {"step_size": 7}, "SGD", {}, ()),
    ("StepLR", {"step_size": 3, "gamma": 0.5}, "SGD", {}, ()),
    ("MultiStepLR", {"milestones": [5, 12, 12, 30]}, "SGD", {}, ()),
    ("MultiStepLR", {"milestones": [40, 3], "gamma": 0.3}, "SGD", {}, ()),
    ("ExponentialLR", {"gamma": 0.93}, "SGD", {}, ()),
    ("CosineAnnealingLR", {"T_max": 20}, "SGD", {}, ()),  # past T_max: keeps following the cosine
    ("CosineAnnealingLR", {"T_max": 50, "eta_min": 1e-3}, "SGD", {}, ()),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.01}, "Adam", {}, ()),
    ("LinearLR", {}, "SGD", {}, ()),
    ("LinearLR", {"start_factor": 0.1, "end_factor": 0.5, "total_iters": 30}, "SGD", {}, ()),
    ("LinearLR", {"start_factor": 1.0, "end_factor": 0.0, "total_iters": 50}, "SGD", {}, ()),
    ("ConstantLR", {"factor": 0.25, "total_iters": 10}, "SGD", {}, ()),
    ("LambdaLR", {"lr_lambda": lambda epoch: 0.9 ** epoch + 0.01 * (epoch % 4)}, "SGD", {}, ()),
    ("LambdaLR", {"lr_lambda": [lambda epoch: 1.0 / (1 + epoch), lambda epoch: min(1.0, (epoch + 1) / 10)]},
     "SGD", {}, ()),
    ("PolynomialLR", {"total_iters": 40, "power": 2.0}, "SGD", {}, ()),
    ("PolynomialLR", {}, "Adam", {}, ()),
    ("ChainedScheduler", {"parts": [("ConstantLR", {"factor": 0.1, "total_iters": 5}),
                                    ("ExponentialLR", {"gamma": 0.95})]}, "SGD", {}, ()),
    ("SequentialLR", {"parts": [("ChainedScheduler", {"parts": [("StepLR", {"step_size": 5}),
                                                                ("ExponentialLR", {"gamma": 0.98})]}),
                                ("CosineAnnealingLR", {"T_max": 30})],
                      "milestones": [12]}, "SGD", {}, ()),
    ("OneCycleLR", {"max_lr": 1.0, "total_steps": 60}, "SGD", {"momentum": 0.9}, ("momentum",)),
    ("OneCycleLR", {"max_lr": [0.5, 0.2], "total_steps": 50, "anneal_strategy": "linear"}, "SGD", {"momentum": 0.9},
     ("momentum",)),
    ("OneCycleLR", {"max_lr": 0.3, "epochs": 5, "steps_per_epoch": 12, "three_phase": True, "pct_start": 0.25}, "SGD",
     {"momentum": 0.9}, ("momentum",)),
    ("OneCycleLR", {"max_lr": 0.01, "total_steps": 55, "base_momentum": 0.8, "max_momentum": 0.9}, "Adam", {},
     ("betas",)),
    ("OneCycleLR", {"max_lr": 0.01, "total_steps": 55, "three_phase": True, "anneal_strategy": "linear"}, "AdamW", {},
     ("betas",)),
    ("OneCycleLR", {"max_lr": 0.05, "total_steps": 50, "cycle_momentum": False, "div_factor": 10.0,
                        "final_div_factor": 100.0}, "Adagrad", {}, ()),
    ("OneCycleLR", {"max_lr": 0.05, "total_steps": 70}, "RMSprop", {"momentum": 0.5}, ("momentum",)),
    ("SequentialLR", {"parts": [("LinearLR", {"start_factor": 0.1, "total_iters": 5}),
                                 ("CosineAnnealingLR", {"T_max": 45})], "milestones": [5]}, "SGD", {}, ()),
    ("SequentialLR", {"parts": [("ConstantLR", {"factor": 0.5, "total_iters": 4}),
                                 ("ExponentialLR", {"gamma": 0.9}),
                                 ("StepLR", {"step_size": 4, "gamma": 0.5})], "milestones": [10, 30]}, "SGD", {}, ()),
    ("SequentialLR", {"parts": [("LinearLR", {"start_factor": 0.2, "total_iters": 8}),
                                 ("MultiStepLR", {"milestones": [3, 9]})], "milestones": [8]}, "Adam", {}, ()),
]


@pytest.mark.filterwarnings("ignore:Detected call of:UserWarning")  # torch, on nested chains
@pytest.mark.parametrize("name, kwargs, opt_name, opt_options, keys", SCHEDULES,
                         ids=[f"{s[0]}-{i}" for i, s in enumerate(SCHEDULES)])
def test_schedule_matches_torch(name, kwargs, opt_name, opt_options, keys):
    torch = require_torch()
    opt, topt = _ours(opt_name, **opt_options), _theirs(torch, opt_name, **opt_options)
    sched = _make(S, name, opt, kwargs)
    tsched = _make(torch.optim.lr_scheduler, name, topt, kwargs)
    ours, theirs = _trace(opt, sched, keys), _trace(topt, tsched, keys)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)
    assert len(np.unique(ours[:, 0])) > 1  # the schedule really changed the lr
    for g, tg in zip(opt.param_groups, topt.param_groups):
        assert g["initial_lr"] == tg["initial_lr"]


PLATEAU_METRICS = [
    [1.0, 0.9, 0.95, 0.95, 0.95, 0.8, 0.8, 0.8, 0.8, 0.79999, 0.7] * 4 + [0.7, 0.7, 0.7, 0.6, 0.6, 0.6],
    [float(v) for v in np.round(np.sin(np.arange(STEPS) / 3.0) + np.arange(STEPS) / 40.0, 6)],
]
PLATEAUS = [
    {},
    {"patience": 2},
    {"patience": 1, "cooldown": 2, "factor": 0.5},
    {"mode": "max", "patience": 2, "factor": 0.3},
    {"threshold_mode": "abs", "threshold": 0.05, "patience": 1},
    {"mode": "max", "threshold_mode": "abs", "threshold": 0.01, "patience": 0, "min_lr": 0.004},
    {"patience": 0, "factor": 0.5, "min_lr": [0.02, 0.01]},
    {"patience": 0, "factor": 0.9, "eps": 0.004},
]


@pytest.mark.parametrize("metrics", range(len(PLATEAU_METRICS)))
@pytest.mark.parametrize("kwargs", PLATEAUS, ids=[str(i) for i in range(len(PLATEAUS))])
def test_reduce_on_plateau_matches_torch(kwargs, metrics):
    torch = require_torch()
    values = PLATEAU_METRICS[metrics]
    assert len(values) == STEPS
    opt, topt = _ours(), _theirs(torch)
    sched = S.ReduceLROnPlateau(opt, **kwargs)
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs)
    ours, theirs = _trace(opt, sched, (), values), _trace(topt, tsched, (), values)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)
    assert len(np.unique(ours[:, 0])) > 1  # every scripted case reduces the lr at least once
    for key in ("best", "num_bad_epochs", "cooldown_counter", "last_epoch"):
        assert getattr(sched, key) == getattr(tsched, key)


def test_reduce_on_plateau_accepts_tensor_metric_and_reduces():
    opt = _ours()
    sched = S.ReduceLROnPlateau(opt, patience=0)
    sched.step(ag.Tensor(1.0))
    sched.step(ag.Tensor(np.array([2.0])))
    assert opt.param_groups[0]["lr"] == pytest.approx(0.01) and sched.get_last_lr()[1] == pytest.approx(0.0025)


def test_constructor_sets_initial_lr_and_first_value():
    opt = _ours()
    sched = S.LinearLR(opt, start_factor=0.5, total_iters=4)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.025]
    assert sched.base_lrs == [0.1, 0.025] and sched.last_epoch == 0
    assert sched.get_last_lr() == [0.05, 0.0125] == [g["lr"] for g in opt.param_groups]


def test_onecycle_sets_group_entries_and_stops_at_total_steps():
    opt = _ours("Adam")
    sched = S.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    g = opt.param_groups[0]
    assert g["initial_lr"] == 1.0 / 25 and g["max_lr"] == 1.0 and g["min_lr"] == 1.0 / 25 / 1e4
    assert g["betas"] == (0.95, 0.999) and g["max_momentum"] == 0.95 and g["base_momentum"] == 0.85
    for _ in range(10):
        sched.step()
    with pytest.raises(ValueError, match=r"^OneCycleLR: tried to step 11 times; got 11 steps, "
                                         r"expected at most total_steps=10\.$"):
        sched.step()


def test_cosine_closed_form_with_epoch():
    opt = _ours()
    sched = S.CosineAnnealingLR(opt, T_max=10, eta_min=0.0)
    with pytest.warns(UserWarning, match="deprecated"):
        sched.step(5)
    assert sched.get_last_lr()[0] == pytest.approx(0.1 * (1 + math.cos(math.pi / 2)) / 2, rel=1e-15)


def test_resume_with_last_epoch():
    opt = _ours()
    S.StepLR(opt, step_size=2)
    sched = S.StepLR(opt, step_size=2, last_epoch=3)
    assert sched.last_epoch == 4 and sched.base_lrs == [0.1, 0.025]
    with pytest.raises(ValueError, match=r"^ExponentialLR: param_groups\[0\] has no 'initial_lr' while resuming"):
        S.ExponentialLR(_ours(), gamma=0.9, last_epoch=3)


def test_state_dict_is_plain_and_round_trips():
    opt = _ours("Adam")
    sched = S.OneCycleLR(opt, max_lr=0.1, total_steps=40)
    for _ in range(7):
        sched.step()
    sd = sched.state_dict()
    assert "optimizer" not in sd and sd["last_epoch"] == 7

    def plain(v):
        if isinstance(v, dict):
            return all(isinstance(k, str) and plain(x) for k, x in v.items())
        if isinstance(v, (list, tuple)):
            return all(plain(x) for x in v)
        return v is None or isinstance(v, (bool, int, float, str))

    assert plain(sd)
    opt2 = _ours("Adam")
    sched2 = S.OneCycleLR(opt2, max_lr=0.1, total_steps=40)
    sched2.load_state_dict({k: np.array(v) if isinstance(v, (int, float)) else v for k, v in sd.items()})
    assert sched2.last_epoch == 7 and type(sched2.last_epoch) is int
    sched.step()
    sched2.step()
    assert sched.get_last_lr() == sched2.get_last_lr()


BAD = [
    (lambda o: S.StepLR(o, step_size=0), ValueError, "StepLR: invalid step_size; got 0, expected step_size >= 1."),
    (lambda o: S.StepLR(o, step_size=2.5), TypeError, "StepLR: step_size must be an int; got float, expected an int >= 1."),
    (lambda o: S.StepLR([1], step_size=2), TypeError,
     "StepLR: optimizer must be an Optimizer; got list, expected an optim.Optimizer."),
    (lambda o: S.MultiStepLR(o, milestones=[2, 3.5]), TypeError,
     "MultiStepLR: milestones must be ints; got float, expected int epochs."),
    (lambda o: S.LinearLR(o, start_factor=0.0), ValueError,
     "LinearLR: invalid start_factor; got 0.0, expected 0 < start_factor <= 1."),
    (lambda o: S.LinearLR(o, end_factor=1.5), ValueError,
     "LinearLR: invalid end_factor; got 1.5, expected 0 <= end_factor <= 1."),
    (lambda o: S.ConstantLR(o, factor=2.0), ValueError, "ConstantLR: invalid factor; got 2.0, expected 0 <= factor <= 1."),
    (lambda o: S.CosineAnnealingLR(o, T_max=0), ValueError, "CosineAnnealingLR: invalid T_max; got 0, expected T_max >= 1."),
    (lambda o: S.ReduceLROnPlateau(o, factor=1.0), ValueError, "ReduceLROnPlateau: invalid factor; got 1.0, expected factor < 1."),
    (lambda o: S.ReduceLROnPlateau(o, mode="up"), ValueError,
     "ReduceLROnPlateau: unknown mode; got 'up', expected 'min' or 'max'."),
    (lambda o: S.ReduceLROnPlateau(o, threshold_mode="x"), ValueError,
     "ReduceLROnPlateau: unknown threshold_mode; got 'x', expected 'rel' or 'abs'."),
    (lambda o: S.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError,
     "ReduceLROnPlateau: min_lr must have one value per parameter group; got 1 values, expected 2."),
    (lambda o: S.OneCycleLR(o, max_lr=0.1), ValueError,
     ("OneCycleLR: the cycle length is undefined; got total_steps=None, epochs=None, steps_per_epoch=None, "
      "expected total_steps or both epochs and steps_per_epoch.")),
    (lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=0), ValueError,
     "OneCycleLR: invalid total_steps; got 0, expected total_steps >= 1."),
    (lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=10, pct_start=1.5), ValueError,
     "OneCycleLR: invalid pct_start; got 1.5, expected 0 <= pct_start <= 1."),
    (lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=10, anneal_strategy="exp"), ValueError,
     "OneCycleLR: unknown anneal_strategy; got 'exp', expected 'cos' or 'linear'."),
    (lambda o: S.OneCycleLR(o, max_lr=[0.1], total_steps=10), ValueError,
     "OneCycleLR: max_lr must have one value per parameter group; got 1 values, expected 2."),
    (lambda o: S.SequentialLR(o, [], milestones=[]), ValueError,
     "SequentialLR: expects at least one scheduler; got 0, expected a non-empty list."),
    (lambda o: S.SequentialLR(o, [S.StepLR(o, 2), S.StepLR(o, 3)], milestones=[]), ValueError,
     "SequentialLR: needs one milestone fewer than schedulers; got 0 milestones for 2 schedulers, expected 1."),
    (lambda o: S.SequentialLR(o, [S.ReduceLROnPlateau(o)], milestones=[]), ValueError,
     ("SequentialLR: schedulers[0] is a ReduceLROnPlateau, which needs a metric in step(); "
      "got ReduceLROnPlateau, expected a schedule without arguments.")),
    (lambda o: S.SequentialLR(o, ["x"], milestones=[]), TypeError,
     "SequentialLR: schedulers[0] is not a scheduler; got str, expected an LRScheduler."),
]


@pytest.mark.parametrize("make, error, message", BAD, ids=[m.split(":")[0] + f"-{i}" for i, (_, _, m) in enumerate(BAD)])
def test_bad_arguments(make, error, message):
    with pytest.raises(error) as info:
        make(_ours())
    assert str(info.value) == message


def test_onecycle_needs_momentum_option():
    with pytest.raises(ValueError, match=r"^OneCycleLR: cycle_momentum needs an optimizer with momentum or betas; "
                                         r"got Adagrad"):
        S.OneCycleLR(_ours("Adagrad"), max_lr=0.1, total_steps=10)


def test_sequential_rejects_other_optimizer():
    opt = _ours()
    with pytest.raises(ValueError, match=r"^SequentialLR: schedulers\[0\] belongs to another optimizer"):
        S.SequentialLR(opt, [S.StepLR(_ours(), 2)], milestones=[])
