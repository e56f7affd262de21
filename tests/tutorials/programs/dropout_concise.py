# ruff: noqa: F821, E721, E741 (`torch` and `DATA` are bound by the harness; the book's idioms kept)
"""Concise dropout, as d2l.ai's "Dropout" (PyTorch, concise part): nn.Dropout between
nn.Linear layers in nn.Sequential, weights from nn.init.normal_, train()/eval()."""
nn = torch.nn
X_train, y_train = torch.tensor(DATA["X_flat_train"]), torch.tensor(DATA["y_train"])
X_test, y_test = torch.tensor(DATA["X_flat_test"]), torch.tensor(DATA["y_test"])
train_iter = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X_train, y_train), batch_size=50,
                                         shuffle=True)
dropout1, dropout2 = 0.2, 0.5

net = nn.Sequential(nn.Flatten(),
                    nn.Linear(256, 128),
                    nn.ReLU(),
                    # Add a dropout layer after the first fully connected layer
                    nn.Dropout(dropout1),
                    nn.Linear(128, 64),
                    nn.ReLU(),
                    # Add a dropout layer after the second fully connected layer
                    nn.Dropout(dropout2),
                    nn.Linear(64, 10))


def init_weights(m):
    if type(m) == nn.Linear:
        nn.init.normal_(m.weight, std=0.01)


net.apply(init_weights)
loss = nn.CrossEntropyLoss(reduction='none')
trainer = torch.optim.SGD(net.parameters(), lr=0.5)
losses, accs = [], []
for epoch in range(10):
    net.train()
    total, n = 0.0, 0
    for X, y in train_iter:
        l = loss(net(X), y)
        trainer.zero_grad()
        l.mean().backward()
        trainer.step()
        total += l.sum().item()
        n += y.numel()
    losses.append(total / n)
    net.eval()
    with torch.no_grad():
        accs.append(float((net(X_test).argmax(axis=1) == y_test).sum()) / len(y_test))
RESULT = {"losses": losses, "test_acc": accs[-1]}
