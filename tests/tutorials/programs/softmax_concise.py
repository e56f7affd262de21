# ruff: noqa: F821, E721, E741 (`torch` and `DATA` are bound by the harness; the book's idioms kept)
"""Concise softmax regression, as d2l.ai's "Concise Implementation of Softmax Regression"
(PyTorch version): nn.Flatten + nn.Linear, ``net.apply(init_weights)`` with
nn.init.normal_, CrossEntropyLoss(reduction='none'), torch.optim.SGD."""
nn = torch.nn
X_train, y_train = torch.tensor(DATA["X_train"]), torch.tensor(DATA["y_train"])
X_test, y_test = torch.tensor(DATA["X_test"]), torch.tensor(DATA["y_test"])
train_iter = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X_train, y_train), batch_size=50,
                                         shuffle=True)

# PyTorch does not implicitly reshape the inputs. Thus we define the flatten
# layer to reshape the inputs before the linear layer in our network
net = nn.Sequential(nn.Flatten(), nn.Linear(256, 10))


def init_weights(m):
    if type(m) == nn.Linear:
        nn.init.normal_(m.weight, std=0.01)


net.apply(init_weights)
loss = nn.CrossEntropyLoss(reduction='none')
trainer = torch.optim.SGD(net.parameters(), lr=0.1)

losses, accs = [], []
for epoch in range(5):
    net.train()
    total, n = 0.0, 0
    for X, y in train_iter:
        y_hat = net(X)
        l = loss(y_hat, y)
        trainer.zero_grad()
        l.mean().backward()
        trainer.step()
        total += l.sum().item()
        n += y.numel()
    losses.append(total / n)
    net.eval()
    with torch.no_grad():
        accs.append((net(X_test).argmax(1) == y_test).sum().item() / len(y_test))
RESULT = {"losses": losses, "test_acc": accs[-1]}
