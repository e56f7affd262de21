"""micrograd's test expressions as functions of their leaves, so that one piece of code
builds the graph on `Scalar`s (test_scalar.py, test_viz.py) and on torch tensors (the
reference values)."""


def sanity_check_expr(x):
    """micrograd's test_sanity_check: y from the leaf x (x = −4 gives y = −20, dy/dx = 46)."""
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    return h + q + q * x


def more_ops_expr(a, b):
    """micrograd's test_more_ops (its README expression): g from the leaves a, b (a = −4,
    b = 2 give g = 24.70408163265306).

    micrograd writes ``c += c + 1``; the spelling ``c = c + (c + 1)`` used here builds the
    same graph on `Scalar`s (which have no ``__iadd__``) and leaves torch tensors unchanged
    in place.
    """
    c = a + b
    d = a * b + b ** 3
    c = c + (c + 1)
    c = c + (1 + c + (-a))
    d = d + (d * 2 + (b + a).relu())
    d = d + (3 * d + (b - a).relu())
    e = c - d
    f = e ** 2
    g = f / 2.0
    g = g + 10.0 / f
    return g
