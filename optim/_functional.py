"""The update arithmetic of every optimizer, as plain functions on ndarrays, in place.

Each function follows PyTorch's single-tensor (``foreach=False``) implementation step for
step, in the same order of operations, so float64 trajectories agree with PyTorch's to
rounding (PyTorch fuses some multiply-adds; results differ by at most a few ulps per step).

Conventions shared by all functions:

* ``params``, ``grads`` and the state buffers are lists of ndarrays, updated IN PLACE
  (parameters and buffers); gradients are never modified.
* Hyperparameters are Python floats (converted with ``float()``), which numpy treats as
  "weak": float32 arrays stay float32.
* ``steps`` holds each parameter's step count for THIS update (the caller has already
  incremented its ``state["step"]``), as a number.
* 0-d parameters work: their arrays are viewed as shape (1,) (`_as_1d`), one ``ndim`` test per
  parameter and step.
* Temporaries are allocated only where an in-place form is impossible (at most two
  parameter-sized arrays per parameter and step).
"""
import numpy as np


def _as_1d(*arrays):
    """Views of shape (1,) of 0-d arrays (numpy ufuncs return scalars, not arrays, for 0-d
    operands, so the in-place and ``out=`` forms below need at least one axis); writes through
    the views land in the 0-d arrays."""
    return [None if a is None else a.reshape(1) for a in arrays]


def _effective_grad(param, grad, weight_decay, maximize):
    """g = (−grad if maximize else grad) + weight_decay · param.

    Returns (g, owned): `owned` is True when g is a fresh array this module may overwrite.
    """
    if weight_decay != 0:
        g = np.multiply(param, weight_decay)
        if maximize:
            np.subtract(g, grad, out=g)
        else:
            np.add(grad, g, out=g)
        return g, True
    if maximize:
        return np.negative(grad), True
    return grad, False


def _lerp_(start, end, weight, tmp):
    """start ← start + weight · (end − start), PyTorch's two-branch formula (stable for weight ≥ 0.5).

    `tmp` is a scratch array of start's shape (may be None: then one is allocated). Returns tmp.
    """
    tmp = np.subtract(end, start, out=tmp)
    if abs(weight) < 0.5:
        tmp *= weight
        start += tmp
    else:
        tmp *= 1.0 - weight
        np.subtract(end, tmp, out=start)
    return tmp


def sgd(params, grads, momentum_buffer_list, *, lr, momentum, dampening, weight_decay, nesterov, maximize):
    """Stochastic gradient descent with optional momentum, dampening, Nesterov and weight decay.

    For each parameter θ with gradient ∇ (PyTorch's order of operations):

        g ← −∇ if maximize else ∇
        g ← g + weight_decay · θ                              (if weight_decay ≠ 0)
        if momentum ≠ 0:
            b ← g (first step)  else  b ← momentum · b + (1 − dampening) · g
            g ← g + momentum · b  if nesterov  else  b
        θ ← θ − lr · g

    Args:
        params (list[np.ndarray]): parameters, updated in place.
        grads (list[np.ndarray]): their gradients (same shapes and dtypes), not modified.
        momentum_buffer_list (list[np.ndarray or None]): one per parameter when momentum ≠ 0
            (None before the first step: the new buffer is stored into the list); ignored
            otherwise.
        lr (float): learning rate per step. momentum (float): b's decay. dampening (float).
        weight_decay (float): L2 penalty coefficient. nesterov (bool). maximize (bool).

    Source: Sutskever et al., "On the importance of initialization and momentum in deep
    learning", ICML 2013 (Nesterov form as in PyTorch).
    """
    lr = float(lr)
    momentum = float(momentum)
    dampening = float(dampening)
    weight_decay = float(weight_decay)
    for i, param in enumerate(params):
        grad = grads[i]
        buf = momentum_buffer_list[i] if momentum != 0 else None
        scalar = param.ndim == 0
        if scalar:
            param, grad, buf = _as_1d(param, grad, buf)
        g, owned = _effective_grad(param, grad, weight_decay, maximize)
        if momentum != 0:
            if buf is None:
                buf = np.array(g, copy=True)
                momentum_buffer_list[i] = buf.reshape(()) if scalar else buf
            else:
                buf *= momentum
                if dampening == 0:
                    buf += g
                else:
                    buf += np.multiply(g, 1.0 - dampening)
            if nesterov:
                if owned:
                    g += np.multiply(buf, momentum)
                else:
                    g = np.multiply(buf, momentum)
                    g += grad
                    owned = True
            else:
                g = buf
                owned = False
        if owned:
            g *= -lr
            param += g
        else:
            _add_scaled_(param, g, -lr)


_BLOCK_BYTES = 1 << 20  # bytes per slice of `_add_scaled_`'s scratch: stays in a core's L2 (1–2 MiB)


def _add_scaled_(param, g, alpha):
    """param += alpha · g in place without a parameter-sized temporary (g is not modified).

    numpy only, on the calling thread: no BLAS call, so an optimizer step never wakes a BLAS
    thread pool (SciPy's axpy, used here before, runs in SciPy's own OpenBLAS, a second pool
    beside numpy's that spun against it: 2–40 ms per W2 update at 2 threads instead of 0.2).
    Large contiguous parameters go in slices of `_BLOCK_BYTES` (the scratch stays in cache);
    measured on W2's weights (663 k float32): 0.14 ms at 1 and at 2 threads, axpy 0.07 ms at 1
    thread and 0.06–30 ms at 2.
    """
    n = param.size
    block = _BLOCK_BYTES // param.itemsize
    if n <= block or not (param.flags.c_contiguous and g.flags.c_contiguous):
        param += np.multiply(g, alpha)
        return
    pf = param.reshape(-1)
    gf = g.reshape(-1)
    tmp = np.empty(block, param.dtype)
    for i in range(0, n, block):
        j = min(i + block, n)
        t = tmp[:j - i]
        np.multiply(gf[i:j], alpha, out=t)
        pf[i:j] += t


def adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, *, amsgrad, beta1, beta2, lr,
         weight_decay, eps, maximize, decoupled_weight_decay=False):
    """Adam / AMSGrad / AdamW update (PyTorch's single-tensor form).

    For each parameter θ with gradient ∇ at step t (t = steps[i] ≥ 1):

        g ← −∇ if maximize else ∇
        if weight_decay ≠ 0:
            θ ← θ · (1 − lr · weight_decay)        if decoupled_weight_decay (AdamW)
            g ← g + weight_decay · θ               otherwise (L2 penalty)
        m ← m + (1 − β1) · (g − m)                 (lerp)
        v ← β2 · v + (1 − β2) · g²
        v̂ ← max(v̂, v)                              (amsgrad; v̂ is used below instead of v)
        θ ← θ − lr / (1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + eps)

    Args:
        params, grads (list[np.ndarray]): parameters (updated in place) and their gradients.
        exp_avgs, exp_avg_sqs (list[np.ndarray]): m and v per parameter, updated in place.
        max_exp_avg_sqs (list[np.ndarray]): v̂ per parameter when amsgrad (else unused).
        steps (list[float]): t for this update, per parameter.
        amsgrad (bool), beta1, beta2 (float in [0, 1)), lr (float), weight_decay (float),
        eps (float, added to the denominator), maximize (bool), decoupled_weight_decay (bool).

    Source: Kingma & Ba, "Adam", arXiv:1412.6980; Reddi et al., "On the Convergence of Adam
    and Beyond", ICLR 2018 (AMSGrad); Loshchilov & Hutter, arXiv:1711.05101 (AdamW).
    """
    lr = float(lr)
    beta1 = float(beta1)
    beta2 = float(beta2)
    weight_decay = float(weight_decay)
    eps = float(eps)
    w1 = 1.0 - beta1
    w2 = 1.0 - beta2
    for i, param in enumerate(params):
        grad = grads[i]
        exp_avg = exp_avgs[i]
        exp_avg_sq = exp_avg_sqs[i]
        max_exp_avg_sq = max_exp_avg_sqs[i] if amsgrad else None
        if param.ndim == 0:
            param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq = _as_1d(param, grad, exp_avg, exp_avg_sq,
                                                                       max_exp_avg_sq)
        step = float(steps[i])
        if weight_decay != 0 and decoupled_weight_decay:
            param *= 1.0 - lr * weight_decay
            g, _ = _effective_grad(param, grad, 0.0, maximize)
        else:
            g, _ = _effective_grad(param, grad, weight_decay, maximize)
        tmp = _lerp_(exp_avg, g, w1, None)
        exp_avg_sq *= beta2
        np.multiply(g, w2, out=tmp)
        tmp *= g
        exp_avg_sq += tmp

        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2 ** 0.5
        if amsgrad:
            np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
            np.sqrt(max_exp_avg_sq, out=tmp)
        else:
            np.sqrt(exp_avg_sq, out=tmp)
        tmp /= bias_correction2_sqrt
        tmp += eps
        update = np.multiply(exp_avg, -step_size)
        update /= tmp
        param += update


def adamw(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, *, amsgrad, beta1, beta2, lr,
          weight_decay, eps, maximize):
    """AdamW: `adam` with decoupled weight decay θ ← θ · (1 − lr · weight_decay) before the moments.

    Args: as `adam` (without `decoupled_weight_decay`, which is True here).

    Source: Loshchilov & Hutter, "Decoupled Weight Decay Regularization", arXiv:1711.05101.
    """
    adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, amsgrad=amsgrad, beta1=beta1,
         beta2=beta2, lr=lr, weight_decay=weight_decay, eps=eps, maximize=maximize, decoupled_weight_decay=True)


def rmsprop(params, grads, square_avgs, grad_avgs, momentum_buffer_list, steps, *, lr, alpha, eps,
            weight_decay, momentum, centered, maximize):
    """RMSprop, optionally centered and with momentum (PyTorch's form: eps outside the root).

    For each parameter θ with gradient ∇:

        g ← (−∇ if maximize else ∇) + weight_decay · θ
        s ← α · s + (1 − α) · g²
        if centered:  a ← a + (1 − α) · (g − a);   d ← √(s − a²) + eps
        else:         d ← √s + eps
        if momentum > 0:  b ← momentum · b + g / d;   θ ← θ − lr · b
        else:             θ ← θ − lr · g / d

    Args:
        params, grads (list[np.ndarray]): parameters (in place) and gradients.
        square_avgs (list[np.ndarray]): s, in place. grad_avgs (list[np.ndarray]): a when
            centered. momentum_buffer_list (list[np.ndarray]): b when momentum > 0.
        steps (list[float]): unused by the arithmetic (kept for PyTorch's signature).
        lr, alpha, eps (added to the denominator), weight_decay, momentum (float);
        centered, maximize (bool).

    Source: Hinton, Neural Networks for Machine Learning, lecture 6e (2012); centered form:
    Graves, "Generating Sequences With Recurrent Neural Networks", arXiv:1308.0850.
    """
    lr = float(lr)
    alpha = float(alpha)
    eps = float(eps)
    weight_decay = float(weight_decay)
    momentum = float(momentum)
    w = 1.0 - alpha
    for i, param in enumerate(params):
        grad = grads[i]
        square_avg = square_avgs[i]
        grad_avg = grad_avgs[i] if centered else None
        buf = momentum_buffer_list[i] if momentum > 0 else None
        if param.ndim == 0:
            param, grad, square_avg, grad_avg, buf = _as_1d(param, grad, square_avg, grad_avg, buf)
        g, _ = _effective_grad(param, grad, weight_decay, maximize)
        square_avg *= alpha
        tmp = np.multiply(g, w)
        tmp *= g
        square_avg += tmp
        if centered:
            _lerp_(grad_avg, g, w, tmp)
            np.multiply(grad_avg, -1.0, out=tmp)
            tmp *= grad_avg
            tmp += square_avg
            np.sqrt(tmp, out=tmp)
        else:
            np.sqrt(square_avg, out=tmp)
        tmp += eps
        if momentum > 0:
            buf *= momentum
            np.divide(g, tmp, out=tmp)
            buf += tmp
            np.multiply(buf, -lr, out=tmp)
            param += tmp
        else:
            update = np.multiply(g, -lr)
            update /= tmp
            param += update


def adagrad(params, grads, state_sums, steps, *, lr, weight_decay, lr_decay, eps, maximize):
    """Adagrad with learning-rate decay (PyTorch's form: eps outside the root).

    For each parameter θ with gradient ∇ at step t (t = steps[i] ≥ 1):

        g ← (−∇ if maximize else ∇) + weight_decay · θ
        η ← lr / (1 + (t − 1) · lr_decay)
        S ← S + g²
        θ ← θ − η · g / (√S + eps)

    Args:
        params, grads (list[np.ndarray]): parameters (in place) and gradients.
        state_sums (list[np.ndarray]): S, in place. steps (list[float]): t per parameter.
        lr, weight_decay, lr_decay, eps (added to the denominator) (float); maximize (bool).

    Source: Duchi, Hazan & Singer, "Adaptive Subgradient Methods for Online Learning and
    Stochastic Optimization", JMLR 12 (2011).
    """
    lr = float(lr)
    weight_decay = float(weight_decay)
    lr_decay = float(lr_decay)
    eps = float(eps)
    for i, param in enumerate(params):
        step = float(steps[i])
        grad = grads[i]
        state_sum = state_sums[i]
        if param.ndim == 0:
            param, grad, state_sum = _as_1d(param, grad, state_sum)
        g, _ = _effective_grad(param, grad, weight_decay, maximize)
        clr = lr / (1 + (step - 1) * lr_decay)
        tmp = np.multiply(g, g)
        state_sum += tmp
        np.sqrt(state_sum, out=tmp)
        tmp += eps
        update = np.multiply(g, -clr)
        update /= tmp
        param += update
