# ruff: noqa: F821, E721, E741 (`torch` and `DATA` are bound by the harness; the book's idioms kept)
"""Tensors, as d2l.ai's "Data Manipulation" and "Linear Algebra" (PyTorch version):
arange/reshape/zeros/ones/tensor, elementwise ops and exp, cat, comparisons, sums with
axes and keepdims, broadcasting, indexing and slicing assignment, in-place updates and id(),
conversion to and from numpy, dot/mv/mm, norms. Every value is deterministic."""
R = {}
x = torch.arange(12, dtype=torch.float32)
R["numel"] = x.numel()
X = x.reshape(3, 4)
R["shape"] = list(X.shape)
R["zeros"] = torch.zeros((2, 3, 4)).sum().item()
R["ones"] = torch.ones((2, 3, 4)).sum().item()
X2 = torch.tensor([[2, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]])
R["tensor"] = X2.tolist()
x = torch.tensor([1.0, 2, 4, 8])
y = torch.tensor([2, 2, 2, 2])
R["elementwise"] = [t.tolist() for t in (x + y, x - y, x * y, x / y, x ** y, torch.exp(x))]
X = torch.arange(12, dtype=torch.float32).reshape((3, 4))
Y = torch.tensor([[2.0, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]])
R["cat0"] = torch.cat((X, Y), dim=0).tolist()
R["cat1"] = torch.cat((X, Y), dim=1).tolist()
R["eq"] = (X == Y).tolist()
R["sum"] = X.sum().item()
a = torch.arange(3).reshape((3, 1))
b = torch.arange(2).reshape((1, 2))
R["broadcast"] = (a + b).tolist()
R["slices"] = [X[-1].tolist(), X[1:3].tolist()]
X[1, 2] = 9
X[0:2, :] = 12
R["assigned"] = X.tolist()
before = id(Y)
Y = Y + X
R["new_object"] = id(Y) != before
Z = torch.zeros_like(Y)
z_id = id(Z)
Z[:] = X + Y
R["same_object"] = id(Z) == z_id
before = id(X)
X += Y
R["in_place"] = id(X) == before
A = X.numpy()
B = torch.tensor(A)
R["numpy_roundtrip"] = [type(A).__name__ == "ndarray", B.tolist()]
a = torch.tensor([3.5])
R["scalars"] = [a.item(), float(a), int(a)]
# linear algebra
A = torch.arange(20, dtype=torch.float32).reshape(5, 4)
R["transpose"] = A.T.tolist()
R["sum_axis"] = [A.sum(axis=0).tolist(), A.sum(axis=[0, 1]).item(), A.mean(axis=0).tolist()]
sum_A = A.sum(axis=1, keepdims=True)
R["keepdims"] = (A / sum_A).tolist()
R["cumsum"] = A.cumsum(axis=0).tolist()
x = torch.arange(4, dtype=torch.float32)
y = torch.ones(4, dtype=torch.float32)
R["dot"] = [torch.dot(x, y).item(), torch.sum(x * y).item()]
R["mv"] = torch.mv(A, x).tolist()
B = torch.ones(4, 3)
R["mm"] = torch.mm(A, B).tolist()
u = torch.tensor([3.0, -4.0])
R["norms"] = [torch.norm(u).item(), torch.abs(u).sum().item(), torch.norm(torch.ones((4, 9))).item()]
R["range_index"] = A[range(2)].tolist()
R["list_index"] = A[[0, 2]].tolist()
RESULT = R
