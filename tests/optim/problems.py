"""Shared objectives for the optimizer tests: the same problem built for tracegrad and torch.

Two objectives over two parameters, ``w`` (5,) and ``b`` (3,) or (1,):

* ``quadratic``: f = ½ wᵀQw − cᵀw + ½ Σ d·(b − t)²  (Q symmetric positive definite);
* ``logistic``: f = mean(log(1 + exp(−s · (X w + b))))  with labels s ∈ {−1, +1}.

A third parameter ``unused`` never enters the loss, so its grad stays None and every optimizer
must leave it alone. ``sign=-1`` negates the objective (used with ``maximize=True``).
"""
import numpy as np

import autograd as ag

NAMES = ("w", "b", "unused")


def make_problem(kind, seed=0):
    """Data and initial parameter values (float64 ndarrays) for `kind`."""
    rng = np.random.default_rng(seed)
    if kind == "quadratic":
        A = rng.standard_normal((5, 5))
        data = {"Q": A @ A.T / 5 + 0.5 * np.eye(5), "c": rng.standard_normal(5),
                "d": rng.uniform(0.5, 2.0, 3), "t": rng.standard_normal(3)}
        init = {"w": rng.standard_normal(5), "b": rng.standard_normal(3)}
    elif kind == "logistic":
        X = rng.standard_normal((40, 5))
        true_w = rng.standard_normal(5)
        s = np.where(X @ true_w + 0.3 * rng.standard_normal(40) > 0, 1.0, -1.0)
        data = {"X": X, "s": s}
        init = {"w": 0.5 * rng.standard_normal(5), "b": 0.5 * rng.standard_normal(1)}
    else:
        raise ValueError(kind)
    init["unused"] = rng.standard_normal(2)
    return data, init


def loss_ours(kind, p, data, sign=1.0):
    """The objective with tracegrad ops; `p` maps names to Tensors, `data` to Tensors."""
    if kind == "quadratic":
        w, b = p["w"], p["b"]
        f = 0.5 * (w @ (data["Q"] @ w)) - data["c"] @ w + 0.5 * (data["d"] * (b - data["t"]) * (b - data["t"])).sum()
    else:
        z = data["X"] @ p["w"] + p["b"]
        f = (-(data["s"] * z)).exp().log1p().mean()
    return f * sign


def loss_torch(torch, kind, p, data, sign=1.0):
    """The same objective with torch ops."""
    if kind == "quadratic":
        w, b = p["w"], p["b"]
        f = 0.5 * (w @ (data["Q"] @ w)) - data["c"] @ w + 0.5 * (data["d"] * (b - data["t"]) * (b - data["t"])).sum()
    else:
        z = data["X"] @ p["w"] + p["b"]
        f = torch.log1p(torch.exp(-(data["s"] * z))).mean()
    return f * sign


def build_groups(params, groups):
    """Turn a group spec ``[{"params": ["w"], "lr": ...}, ...]`` into optimizer arguments."""
    if groups is None:
        return [params[n] for n in NAMES]
    return [dict(g, params=[params[n] for n in g["params"]]) for g in groups]


def run_ours(opt_cls, options, kind, steps, groups=None, dtype=np.float64, sign=1.0):
    """`steps` optimizer steps on `kind` with tracegrad; returns (params dict, optimizer)."""
    data, init = make_problem(kind)
    data = {k: ag.Tensor(v.astype(dtype)) for k, v in data.items()}
    params = {k: ag.Tensor(v.astype(dtype), requires_grad=True) for k, v in init.items()}
    opt = opt_cls(build_groups(params, groups), **options)
    for _ in range(steps):
        opt.zero_grad()
        loss_ours(kind, params, data, sign).backward()
        opt.step()
    return params, opt


def run_torch(torch, opt_name, options, kind, steps, groups=None, dtype=np.float64, sign=1.0):
    """The same run with `torch.optim.<opt_name>` (single-tensor implementation)."""
    data, init = make_problem(kind)
    data = {k: torch.tensor(v.astype(dtype)) for k, v in data.items()}
    params = {k: torch.tensor(v.astype(dtype), requires_grad=True) for k, v in init.items()}
    opt = getattr(torch.optim, opt_name)(build_groups(params, groups), foreach=False, **options)
    for _ in range(steps):
        opt.zero_grad()
        loss_torch(torch, kind, params, data, sign).backward()
        opt.step()
    return {k: v.detach().numpy() for k, v in params.items()}, opt


def run_lockstep(torch, opt_name, options, kind, steps, groups=None, sign=1.0):
    """Both optimizers side by side, fed torch's float64 gradient at every step.

    Returns (our params dict of Tensors, torch's params dict of ndarrays).
    """
    import optim

    data, init = make_problem(kind)
    data = {k: torch.tensor(v) for k, v in data.items()}
    tparams = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in init.items()}
    params = {k: ag.Tensor(v.copy(), requires_grad=True) for k, v in init.items()}
    topt = getattr(torch.optim, opt_name)(build_groups(tparams, groups), foreach=False, **options)
    opt = getattr(optim, opt_name)(build_groups(params, groups), **options)
    for _ in range(steps):
        topt.zero_grad()
        loss_torch(torch, kind, tparams, data, sign).backward()
        for k, p in params.items():
            g = tparams[k].grad
            p.grad = None if g is None else ag.Tensor(g.numpy().copy())
        topt.step()
        opt.step()
    return params, {k: v.detach().numpy() for k, v in tparams.items()}
