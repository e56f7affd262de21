# ruff: noqa: F821, E721, E741 (`torch` and `DATA` are bound by the harness; the book's idioms kept)
"""A multilayer perceptron from scratch, as d2l.ai's "Implementation of Multilayer
Perceptrons" (PyTorch version): nn.Parameter weights from torch.randn, ReLU as torch.max
against zeros_like, ``@``, CrossEntropyLoss(reduction='none') and torch.optim.SGD."""
nn = torch.nn
X_train, y_train = torch.tensor(DATA["X_train"]), torch.tensor(DATA["y_train"])
X_test, y_test = torch.tensor(DATA["X_test"]), torch.tensor(DATA["y_test"])
train_iter = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X_train, y_train), batch_size=50,
                                         shuffle=True)

num_inputs, num_outputs, num_hiddens = 256, 10, 64

W1 = nn.Parameter(torch.randn(num_inputs, num_hiddens, requires_grad=True) * 0.01)
b1 = nn.Parameter(torch.zeros(num_hiddens, requires_grad=True))
W2 = nn.Parameter(torch.randn(num_hiddens, num_outputs, requires_grad=True) * 0.01)
b2 = nn.Parameter(torch.zeros(num_outputs, requires_grad=True))

params = [W1, b1, W2, b2]


def relu(X):
    a = torch.zeros_like(X)
    return torch.max(X, a)


def net(X):
    X = X.reshape((-1, num_inputs))
    H = relu(X @ W1 + b1)  # Here '@' stands for matrix multiplication
    return (H @ W2 + b2)


loss = nn.CrossEntropyLoss(reduction='none')
num_epochs, lr = 10, 0.1
updater = torch.optim.SGD(params, lr=lr)

losses, accs = [], []
for epoch in range(num_epochs):
    total, n = 0.0, 0
    for X, y in train_iter:
        l = loss(net(X), y)
        updater.zero_grad()
        l.mean().backward()
        updater.step()
        total += l.sum().item()
        n += y.numel()
    losses.append(total / n)
    with torch.no_grad():
        accs.append(float((net(X_test).argmax(axis=1) == y_test).sum()) / len(y_test))
RESULT = {"losses": losses, "test_acc": accs[-1]}
