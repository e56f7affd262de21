"""The workloads, each written for tracegrad, PyTorch, hand-written numpy (and micrograd).

Every implementation of a workload computes the same math from the same data and the same
initial weights (float32, fixed seeds), so their first losses agree (run.py checks it).
`setup(key, impl)` returns ``step()``; one call is one timed step and returns
``(loss, phases)``: the loss as a float (or None) and a dict of phase timings in seconds
measured inside the step (e.g. ``{"forward": …, "backward": …}``), possibly empty.

The numpy versions are what a skilled numpy programmer writes by hand: fused softmax
cross-entropy gradient, im2col convolution, in-place ReLU masks and SGD updates.
"""
import math
import time

import common
import numpy as np
from common import NotAvailable, import_or_unavailable, require
from spec import W4_ITERS, W5_ITERS

SEED = 1337
perf = time.perf_counter


# -- shared data and weights ------------------------------------------------------------------
def init_linear(rng, n_in, n_out, bound=None):
    """(W (out, in), b (out,)) float32 from U(−1/√in, 1/√in) (PyTorch's default init)."""
    k = 1.0 / math.sqrt(n_in) if bound is None else bound
    w = rng.uniform(-k, k, (n_out, n_in)).astype(np.float32)
    b = rng.uniform(-k, k, (n_out,)).astype(np.float32)
    return w, b


def w1_data():
    """make_moons(100, noise=0.1) with labels ±1 and micrograd-style weights U(−1, 1), b = 0."""
    from sklearn.datasets import make_moons
    x, y = make_moons(n_samples=100, noise=0.1, random_state=SEED)
    rng = np.random.default_rng(SEED)
    params = []
    for n_in, n_out in ((2, 16), (16, 16), (16, 1)):
        w = rng.uniform(-1.0, 1.0, (n_out, n_in)).astype(np.float32)
        params += [w, np.zeros(n_out, np.float32)]
    return x.astype(np.float32), (2 * y - 1).astype(np.float32), params


def w1_lr(k):
    """micrograd demo's learning-rate schedule, repeating every 100 steps."""
    return 1.0 - 0.9 * (k % 100) / 100


def w2_data():
    """A fixed batch of 128 MNIST-sized inputs in [0, 1), int64 labels, and MLP weights."""
    rng = np.random.default_rng(SEED)
    x = rng.random((128, 784), dtype=np.float32)
    y = rng.integers(0, 10, 128)
    params = []
    for n_in, n_out in ((784, 512), (512, 512), (512, 10)):
        params += init_linear(rng, n_in, n_out)
    return x, y, params


def w3_data():
    """A fixed batch (64, 1, 28, 28) in [0, 1), int64 labels, conv and linear weights."""
    rng = np.random.default_rng(SEED)
    x = rng.random((64, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, 64)
    k1 = 1.0 / math.sqrt(1 * 9)
    k2 = 1.0 / math.sqrt(16 * 9)
    params = [rng.uniform(-k1, k1, (16, 1, 3, 3)).astype(np.float32),
              rng.uniform(-k1, k1, (16,)).astype(np.float32),
              rng.uniform(-k2, k2, (32, 16, 3, 3)).astype(np.float32),
              rng.uniform(-k2, k2, (32,)).astype(np.float32)]
    params += init_linear(rng, 1568, 10)
    return x, y, params


def chain_data():
    """The (16,) float32 vector of W4/W5."""
    return np.random.default_rng(SEED).standard_normal(16).astype(np.float32)


LR = 0.01  # W2, W3


# -- tracegrad imports ------------------------------------------------------------------------
def _autograd():
    return import_or_unavailable("autograd")


def _tracegrad_api(*ag_names):
    """autograd, nn.functional and optim, checking the DESIGN.md names a workload needs."""
    ag = require(_autograd(), *ag_names)
    F = require(import_or_unavailable("nn.functional"), "cross_entropy")
    optim = require(import_or_unavailable("optim"), "SGD")
    return ag, F, optim


def _composed_api():
    """Stand-ins built from today's ops, for profiling before linear/cross_entropy/SGD exist.

    linear = x @ Wᵀ + b; cross_entropy = −mean(Σ onehot ⊙ (z − log Σ exp z)) with z = logits
    − max (a constant shift, so the gradient is unchanged); SGD: in-place ``p.data -= lr·ḡ`` (PyTorch's idiom).
    """
    ag = _autograd()

    def linear(x, w, b=None):
        out = x @ w.T
        return out if b is None else out + b

    def cross_entropy(logits, target):
        data = np.asarray(logits)
        n, c = data.shape
        onehot = np.zeros((n, c), data.dtype)
        onehot[np.arange(n), target] = 1
        z = logits - ag.Tensor(data.max(axis=1, keepdims=True))
        logp = z - z.exp().sum(axis=1, keepdims=True).log()
        return -(logp * ag.Tensor(onehot)).sum() * (1.0 / n)

    class SGD:
        def __init__(self, params, lr):
            self.params, self.lr = list(params), lr

        def zero_grad(self):
            for p in self.params:
                p.grad = None

        def step(self):
            for p in self.params:
                p.data -= self.lr * p.grad

    class F:
        pass

    class optim:
        pass

    F.cross_entropy = staticmethod(cross_entropy)
    optim.SGD = SGD
    ag_ns = type("ag", (), {})()
    for name in ("Tensor", "relu", "no_grad"):
        setattr(ag_ns, name, getattr(ag, name))
    ag_ns.linear = linear
    return ag_ns, F, optim


def _torch():
    torch = import_or_unavailable("torch")
    torch.set_num_threads(common.bench_threads())
    return torch


def _torch_tensors(data):
    """torch, x and y as tensors, and the weights of `data()` as leaf tensors."""
    torch = _torch()
    x, y, weights = data()
    params = [torch.tensor(w, requires_grad=True) for w in weights]
    return torch, torch.from_numpy(x), torch.from_numpy(y), params


def _torch_sgd(data):
    """`_torch_tensors(data)` and an optim.SGD over the weights (lr = LR)."""
    torch, xt, yt, params = _torch_tensors(data)
    return torch, xt, yt, params, torch.optim.SGD(params, lr=LR)


def _tracegrad_sgd(ag, optim, data):
    """x as a Tensor, y, the weights of `data()` as leaf Tensors, and optim.SGD (lr = LR)."""
    x, y, weights = data()
    params = [ag.Tensor(w, requires_grad=True) for w in weights]
    return ag.Tensor(x), y, params, optim.SGD(params, lr=LR)


def _phases(t0, t1, t2):
    """The phase timings of a training step; the update runs from t2 until now."""
    return {"forward": t1 - t0, "backward": t2 - t1, "update": perf() - t2}


def _opt_step(params, opt, forward, value):
    """A timed training step: zero_grad and forward() → loss, backward, opt.step().

    value(loss) is the loss as a float; `step.params` holds the parameters for tests.
    """
    def step():
        t0 = perf()
        opt.zero_grad()
        loss = forward()
        t1 = perf()
        loss.backward()
        t2 = perf()
        opt.step()
        return value(loss), _phases(t0, t1, t2)
    step.params = params  # for tests: the parameters after the steps
    return step


def _sgd_numpy(params, grads, lr):
    """In-place SGD p -= lr·g (g is overwritten)."""
    for p, gp in zip(params, grads):
        gp *= lr
        p -= gp


# -- W1: scalar MLP ---------------------------------------------------------------------------
class Neuron:
    """micrograd's Neuron over any scalar class with + * relu (Value or autograd.Scalar)."""

    def __init__(self, value_cls, w, b, nonlin):
        self.w = [value_cls(float(v)) for v in w]
        self.b = value_cls(float(b))
        self.nonlin = nonlin

    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self):
        return self.w + [self.b]


class Layer:
    """micrograd's Layer: a list of neurons."""

    def __init__(self, value_cls, w, b, nonlin):
        self.neurons = [Neuron(value_cls, w[i], b[i], nonlin) for i in range(len(b))]

    def __call__(self, x):
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]


class MLP:
    """micrograd's MLP 2→16→16→1, initialized from the shared weights."""

    def __init__(self, value_cls, params):
        n = len(params) // 2
        self.layers = [Layer(value_cls, params[2 * i], params[2 * i + 1], nonlin=i != n - 1) for i in range(n)]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


def _w1_scalar(value_cls):
    x, y, weights = w1_data()
    rows = x.tolist()
    labels = y.tolist()
    model = MLP(value_cls, weights)
    params = model.parameters()
    k = [0]

    def step():
        t0 = perf()
        for p in params:
            p.grad = 0.0
        inputs = [list(map(value_cls, row)) for row in rows]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * si).relu() for yi, si in zip(labels, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in params)
        total = data_loss + reg_loss
        t1 = perf()
        total.backward()
        t2 = perf()
        lr = w1_lr(k[0])
        k[0] += 1
        for p in params:
            p.data -= lr * p.grad
        return total.data, _phases(t0, t1, t2)
    step.params = params  # for tests: the parameters after the steps
    return step


def w1_tracegrad():
    """W1 on autograd.Scalar (the tiny MLP above, micrograd's nn.py)."""
    return _w1_scalar(require(_autograd(), "Scalar").Scalar)


def w1_micrograd():
    """W1 on micrograd's Value from PyPI (the `bench` extra)."""
    return _w1_scalar(import_or_unavailable("micrograd.engine").Value)


def w1_torch():
    """W1 batched on PyTorch tensors (float32)."""
    torch, xt, yt, params = _torch_tensors(w1_data)
    w1, b1, w2, b2, w3, b3 = params
    lin, relu = torch.nn.functional.linear, torch.relu
    k = [0]

    def step():
        t0 = perf()
        for p in params:
            p.grad = None
        score = lin(relu(lin(relu(lin(xt, w1, b1)), w2, b2)), w3, b3)[:, 0]
        loss = relu(1 - yt * score).mean() + 1e-4 * sum((p * p).sum() for p in params)
        t1 = perf()
        loss.backward()
        t2 = perf()
        lr = w1_lr(k[0])
        k[0] += 1
        with torch.no_grad():
            for p in params:
                p.add_(p.grad, alpha=-lr)
        return loss.item(), _phases(t0, t1, t2)
    step.params = params  # for tests: the parameters after the steps
    return step


def _hidden2_forward(x, w1, b1, w2, b2):
    """The two hidden layers of the W1/W2 MLPs in numpy: h1 = relu(x W1ᵀ + b1), h2 = relu(h1 W2ᵀ + b2)."""
    h1 = x @ w1.T
    h1 += b1
    np.maximum(h1, 0, out=h1)
    h2 = h1 @ w2.T
    h2 += b2
    np.maximum(h2, 0, out=h2)
    return h1, h2


def _hidden2_backward(d2, x, h1, h2, w2):
    """(W̄1, b̄1, W̄2, b̄2) of `_hidden2_forward` for the adjoint d2 of h2 (masked in place)."""
    d2 *= h2 > 0
    gw2 = d2.T @ h1
    gb2 = d2.sum(0)
    d1 = d2 @ w2
    d1 *= h1 > 0
    return d1.T @ x, d1.sum(0), gw2, gb2


def w1_numpy():
    """W1 by hand in numpy (float32): forward, hinge + L2 loss, backward, in-place SGD."""
    x, y, params = w1_data()
    w1, b1, w2, b2, w3, b3 = params
    n = len(y)
    k = [0]

    def step():
        t0 = perf()
        h1, h2 = _hidden2_forward(x, w1, b1, w2, b2)
        score = h2 @ w3[0] + b3[0]
        margin = 1 - y * score
        active = margin > 0
        reg = sum(float(np.vdot(p, p)) for p in params)
        loss = float(margin[active].sum()) / n + 1e-4 * reg
        t1 = perf()
        # backward: d score = −y·1[margin > 0] / N
        ds = np.where(active, -y / n, np.float32(0))
        gw3 = (ds @ h2)[None, :]
        gb3 = np.array([ds.sum()], np.float32)
        gw1, gb1, gw2, gb2 = _hidden2_backward(np.outer(ds, w3[0]), x, h1, h2, w2)
        t2 = perf()
        lr = np.float32(w1_lr(k[0]))
        k[0] += 1
        for p, g in zip(params, (gw1, gb1, gw2, gb2, gw3, gb3)):
            g += np.float32(2e-4) * p  # d(1e-4·Σp²)
            g *= lr
            p -= g
        return loss, _phases(t0, t1, t2)
    step.params = params  # for tests: the parameters after the steps
    return step


# -- W2 / W6: tensor MLP ----------------------------------------------------------------------
def w2_tracegrad(composed=False):
    """W2 on tracegrad: autograd.linear, relu, nn.functional.cross_entropy, optim.SGD."""
    ag, F, optim = _composed_api() if composed else _tracegrad_api("linear", "relu")
    xt, y, params, opt = _tracegrad_sgd(ag, optim, w2_data)
    w1, b1, w2, b2, w3, b3 = params
    linear, relu, ce = ag.linear, ag.relu, F.cross_entropy

    def forward():
        return ce(linear(relu(linear(relu(linear(xt, w1, b1)), w2, b2)), w3, b3), y)
    return _opt_step(params, opt, forward, lambda loss: float(loss))


def w2_torch():
    """W2 on PyTorch: F.linear, relu, F.cross_entropy, optim.SGD (float32, 1 thread)."""
    torch, xt, yt, params, opt = _torch_sgd(w2_data)
    w1, b1, w2, b2, w3, b3 = params
    F = torch.nn.functional

    def forward():
        logits = F.linear(torch.relu(F.linear(torch.relu(F.linear(xt, w1, b1)), w2, b2)), w3, b3)
        return F.cross_entropy(logits, yt)
    return _opt_step(params, opt, forward, lambda loss: loss.item())


def softmax_ce(logits, y):
    """Mean softmax cross-entropy and its fused gradient (softmax − onehot) / N, in numpy."""
    n = logits.shape[0]
    rows = np.arange(n)
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    loss = float(np.log(s[:, 0]).sum() - z[rows, y].sum()) / n
    e /= s
    e[rows, y] -= 1
    e *= np.float32(1.0 / n)
    return loss, e


def w2_numpy():
    """W2 by hand in numpy: forward, fused softmax-CE gradient, backward, in-place SGD."""
    x, y, params = w2_data()
    w1, b1, w2, b2, w3, b3 = params
    lr = np.float32(LR)

    def step():
        t0 = perf()
        h1, h2 = _hidden2_forward(x, w1, b1, w2, b2)
        logits = h2 @ w3.T
        logits += b3
        loss, g = softmax_ce(logits, y)  # the fused gradient counts as forward here
        t1 = perf()
        gw3 = g.T @ h2
        gb3 = g.sum(0)
        gw1, gb1, gw2, gb2 = _hidden2_backward(g @ w3, x, h1, h2, w2)
        t2 = perf()
        _sgd_numpy(params, (gw1, gb1, gw2, gb2, gw3, gb3), lr)
        return loss, _phases(t0, t1, t2)
    step.params = params  # for tests: the parameters after the steps
    return step


# -- W3: CNN ----------------------------------------------------------------------------------
def w3_tracegrad():
    """W3 on tracegrad: autograd.conv2d, max_pool2d, linear, nn.functional.cross_entropy, SGD."""
    ag, F, optim = _tracegrad_api("conv2d", "max_pool2d", "linear", "relu")
    xt, y, params, opt = _tracegrad_sgd(ag, optim, w3_data)
    c1, cb1, c2, cb2, w, b = params
    conv2d, pool, relu, linear, ce = ag.conv2d, ag.max_pool2d, ag.relu, ag.linear, F.cross_entropy
    n = len(y)

    def forward():
        h = pool(relu(conv2d(xt, c1, cb1, padding=1)), 2)
        h = pool(relu(conv2d(h, c2, cb2, padding=1)), 2)
        return ce(linear(h.reshape(n, -1), w, b), y)
    return _opt_step(params, opt, forward, lambda loss: float(loss))


def w3_torch():
    """W3 on PyTorch: F.conv2d, relu, F.max_pool2d, F.linear, F.cross_entropy, optim.SGD."""
    torch, xt, yt, params, opt = _torch_sgd(w3_data)
    c1, cb1, c2, cb2, w, b = params
    F = torch.nn.functional
    n = len(yt)

    def forward():
        h = F.max_pool2d(torch.relu(F.conv2d(xt, c1, cb1, padding=1)), 2)
        h = F.max_pool2d(torch.relu(F.conv2d(h, c2, cb2, padding=1)), 2)
        return F.cross_entropy(F.linear(h.reshape(n, -1), w, b), yt)
    return _opt_step(params, opt, forward, lambda loss: loss.item())


def im2col(x, k, pad):
    """(N, C, H, W) → columns (N·H'·W', C·k·k) of every k×k patch (stride 1, zero padding)."""
    n, c = x.shape[:2]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = np.lib.stride_tricks.sliding_window_view(xp, (k, k), axis=(2, 3))  # (N, C, H', W', k, k)
    ho, wo = win.shape[2], win.shape[3]
    return win.transpose(0, 2, 3, 1, 4, 5).reshape(n * ho * wo, c * k * k), ho, wo


def conv_forward(x, w, b, pad):
    """Convolution by im2col + one matmul; returns (out (N, O, H', W'), cols)."""
    n = x.shape[0]
    o, _, k, _ = w.shape
    cols, ho, wo = im2col(x, k, pad)
    out = cols @ w.reshape(o, -1).T
    out += b
    return out.reshape(n, ho, wo, o).transpose(0, 3, 1, 2), cols


def conv_backward(g, x_shape, w, cols, pad, need_x=True):
    """Adjoints (x̄ or None, w̄, b̄) of `conv_forward` for the output adjoint g (N, O, H', W')."""
    n, c, h, wd = x_shape
    o, _, k, _ = w.shape
    g2 = g.transpose(0, 2, 3, 1).reshape(-1, o)  # (N·H'·W', O)
    gw = (g2.T @ cols).reshape(w.shape)
    gb = g2.sum(0)
    if not need_x:
        return None, gw, gb
    ho, wo = g.shape[2], g.shape[3]
    dcols = (g2 @ w.reshape(o, -1)).reshape(n, ho, wo, c, k, k)
    dxp = np.zeros((n, c, h + 2 * pad, wd + 2 * pad), g.dtype)
    for i in range(k):  # col2im: scatter-add each kernel tap back
        for j in range(k):
            dxp[:, :, i:i + ho, j:j + wo] += dcols[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return dxp[:, :, pad:pad + h, pad:pad + wd], gw, gb


def pool_forward(x):
    """2×2 max pool, stride 2: returns (out (N, C, H/2, W/2), x viewed as 2×2 blocks)."""
    n, c, h, w = x.shape
    blocks = x.reshape(n, c, h // 2, 2, w // 2, 2)
    return blocks.max(axis=(3, 5)), blocks


def pool_backward(g, blocks, out):
    """Route the adjoint to the maxima of each block (ties all get it; after ReLU the only
    ties are at 0, where the ReLU mask zeroes the gradient anyway)."""
    mask = blocks == out[:, :, :, None, :, None]
    dx = mask * g[:, :, :, None, :, None]
    n, c, h2, _, w2, _ = blocks.shape
    return dx.reshape(n, c, 2 * h2, 2 * w2)


def w3_numpy():
    """W3 by hand in numpy: im2col conv, reshape max-pool, fused softmax-CE, in-place SGD."""
    x, y, params = w3_data()
    c1, cb1, c2, cb2, w, b = params
    lr = np.float32(LR)
    n = x.shape[0]

    def step():
        t0 = perf()
        z1, cols1 = conv_forward(x, c1, cb1, 1)
        np.maximum(z1, 0, out=z1)
        p1, blocks1 = pool_forward(z1)
        z2, cols2 = conv_forward(p1, c2, cb2, 1)
        np.maximum(z2, 0, out=z2)
        p2, blocks2 = pool_forward(z2)
        flat = p2.reshape(n, -1)
        logits = flat @ w.T
        logits += b
        loss, g = softmax_ce(logits, y)  # the fused gradient counts as forward here
        t1 = perf()
        gw = g.T @ flat
        gb = g.sum(0)
        d = (g @ w).reshape(p2.shape)
        d = pool_backward(d, blocks2, p2)
        d *= z2 > 0
        d, gc2, gcb2 = conv_backward(d, p1.shape, c2, cols2, 1)
        d = pool_backward(d, blocks1, p1)
        d *= z1 > 0
        _, gc1, gcb1 = conv_backward(d, x.shape, c1, cols1, 1, need_x=False)
        t2 = perf()
        _sgd_numpy(params, (gc1, gcb1, gc2, gcb2, gw, gb), lr)
        return loss, _phases(t0, t1, t2)
    step.params = params  # for tests: the parameters after the steps
    return step


# -- W4 / W5: op overhead and deep chains -----------------------------------------------------
def _chain(x, value, iters):
    """The chain on the leaf tensor x (tracegrad or PyTorch); value(s) is the sum as a float."""
    def step():
        x.grad = None
        t0 = perf()
        y = x
        for _ in range(iters):
            y = y * 1.0001 + 0.0001
        s = y.sum()
        t1 = perf()
        s.backward()
        t2 = perf()
        return value(s), {"forward": t1 - t0, "backward": t2 - t1}
    return step


def _chain_tensor(iters):
    return _chain(_autograd().Tensor(chain_data(), requires_grad=True), lambda s: float(s), iters)


def _chain_torch(iters):
    return _chain(_torch().tensor(chain_data(), requires_grad=True), lambda s: s.item(), iters)


def _chain_numpy(iters):
    x = chain_data()
    c, d = np.float32(1.0001), np.float32(0.0001)

    def step():
        t0 = perf()
        y = x
        for _ in range(iters):
            y = y * c + d
        s = float(y.sum())
        t1 = perf()
        g = np.ones_like(x)  # ∂s/∂y = 1; each step y ↦ c·y + d sends ḡ ↦ c·ḡ
        for _ in range(iters):
            g = g * c
        t2 = perf()
        return s, {"forward": t1 - t0, "backward": t2 - t1}
    return step


def _chain_scalar(value_cls, iters):
    # a 0-d chain; the loss is the last value (a Scalar has no sum)
    x0 = float(chain_data()[0])

    def step():
        x = value_cls(x0)
        t0 = perf()
        y = x
        for _ in range(iters):
            y = y * 1.0001 + 0.0001
        t1 = perf()
        y.backward()
        t2 = perf()
        return y.data, {"forward": t1 - t0, "backward": t2 - t1}  # Scalar / micrograd Value: a float
    return step


def w4_tracegrad():
    """W4 on tracegrad Tensors."""
    return _chain_tensor(W4_ITERS)


def w4_torch():
    """W4 on PyTorch tensors."""
    return _chain_torch(W4_ITERS)


def w4_numpy():
    """W4 by hand in numpy (forward loop, then the adjoint loop ḡ ← 1.0001·ḡ)."""
    return _chain_numpy(W4_ITERS)


def w5_tracegrad():
    """W5 on tracegrad Tensors."""
    return _chain_tensor(W5_ITERS)


def w5_tracegrad_scalar():
    """W5 on autograd.Scalar."""
    return _chain_scalar(require(_autograd(), "Scalar").Scalar, W5_ITERS)


def w5_micrograd():
    """W5 on micrograd's Value (its recursive topological sort is expected to fail here)."""
    return _chain_scalar(import_or_unavailable("micrograd.engine").Value, W5_ITERS)


def w5_torch():
    """W5 on PyTorch tensors."""
    return _chain_torch(W5_ITERS)


def w5_numpy():
    """W5 by hand in numpy."""
    return _chain_numpy(W5_ITERS)


IMPLS = {
    ("W1", "tracegrad"): w1_tracegrad, ("W1", "micrograd"): w1_micrograd,
    ("W1", "torch"): w1_torch, ("W1", "numpy"): w1_numpy,
    ("W2", "tracegrad"): w2_tracegrad, ("W2", "torch"): w2_torch, ("W2", "numpy"): w2_numpy,
    ("W3", "tracegrad"): w3_tracegrad, ("W3", "torch"): w3_torch, ("W3", "numpy"): w3_numpy,
    ("W4", "tracegrad"): w4_tracegrad, ("W4", "torch"): w4_torch, ("W4", "numpy"): w4_numpy,
    ("W5", "tracegrad"): w5_tracegrad, ("W5", "tracegrad-scalar"): w5_tracegrad_scalar,
    ("W5", "torch"): w5_torch, ("W5", "micrograd"): w5_micrograd, ("W5", "numpy"): w5_numpy,
    ("W6", "tracegrad"): w2_tracegrad, ("W6", "numpy"): w2_numpy,
}


def setup(key, impl, composed=False):
    """Build the step function of workload `key` for implementation `impl`.

    Args:
        key (str): 'W1' … 'W6'.
        impl (str): an implementation name listed in spec.WORKLOADS.
        composed (bool): W2/W6 tracegrad only: use `_composed_api` stand-ins where the DESIGN.md
            functions (linear, cross_entropy, SGD) do not exist yet.

    Raises:
        KeyError: for an unknown (key, impl); NotAvailable when it cannot run yet.
    """
    fn = IMPLS[(key, impl)]
    if composed and fn is w2_tracegrad:
        return fn(composed=True)
    return fn()


__all__ = ["IMPLS", "NotAvailable", "setup"]
