# ruff: noqa: F821, E721, E741 (`torch` and `DATA` are bound by the harness; the book's idioms kept)
"""Automatic differentiation, as d2l.ai's "Automatic Differentiation" (PyTorch version):
requires_grad_, backward of a scalar, x.grad.zero_(), backward of a non-scalar through
sum and through a gradient argument, detach, and a gradient through Python control flow."""
R = {}
x = torch.arange(4.0)
x.requires_grad_(True)
R["grad_none"] = x.grad is None
y = 2 * torch.dot(x, x)
y.backward()
R["grad"] = x.grad.tolist()
R["check"] = (x.grad == 4 * x).tolist()
x.grad.zero_()
y = x.sum()
y.backward()
R["grad_sum"] = x.grad.tolist()
x.grad.zero_()
y = x * x
y.backward(gradient=torch.ones(len(y)))
R["grad_nonscalar"] = x.grad.tolist()
x.grad.zero_()
y = x * x
u = y.detach()
z = u * x
z.sum().backward()
R["detach"] = (x.grad == u).tolist()
x.grad.zero_()
y.sum().backward()
R["after_detach"] = (x.grad == 2 * x).tolist()


def f(a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c


a = torch.tensor(0.5, requires_grad=True)
d = f(a)
d.backward()
R["control_flow"] = [a.grad.item(), (d / a).item()]
RESULT = R
