# ruff: noqa: F821, E721, E741 (`torch` and `DATA` are bound by the harness; the book's idioms kept)
"""Softmax regression from scratch, as d2l.ai's "Softmax Regression Implementation from
Scratch" (PyTorch version): softmax by hand, cross-entropy by fancy indexing, accuracy with
``.type``, the hand-written SGD of the linear-regression chapter."""
X_train, y_train = torch.tensor(DATA["X_train"]), torch.tensor(DATA["y_train"])
X_test, y_test = torch.tensor(DATA["X_test"]), torch.tensor(DATA["y_test"])
train_iter = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X_train, y_train), 50, shuffle=True)

num_inputs = 256
num_outputs = 10
W = torch.normal(0, 0.01, size=(num_inputs, num_outputs), requires_grad=True)
b = torch.zeros(num_outputs, requires_grad=True)


def softmax(X):
    X_exp = torch.exp(X)
    partition = X_exp.sum(1, keepdim=True)
    return X_exp / partition  # The broadcasting mechanism is applied here


def net(X):
    return softmax(torch.matmul(X.reshape((-1, W.shape[0])), W) + b)


def cross_entropy(y_hat, y):
    return - torch.log(y_hat[range(len(y_hat)), y])


def accuracy(y_hat, y):
    """Compute the number of correct predictions."""
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


lr = 0.1
losses, accs = [], []
for epoch in range(5):
    total, n = 0.0, 0
    for X, y in train_iter:
        l = cross_entropy(net(X), y)
        l.sum().backward()
        sgd([W, b], lr, X.shape[0])
        total += l.sum().item()
        n += y.numel()
    losses.append(total / n)
    with torch.no_grad():
        accs.append(accuracy(net(X_test), y_test) / len(y_test))
RESULT = {"losses": losses, "test_acc": accs[-1]}
