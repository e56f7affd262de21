# ruff: noqa: F821, E721, E741 (`torch` and `DATA` are bound by the harness; the book's idioms kept)
"""LeNet with batch normalization, concise, as d2l.ai's "Batch Normalization" (2nd edition,
PyTorch): nn.LazyBatchNorm2d / nn.LazyBatchNorm1d after each lazy layer, Adam."""
nn = torch.nn
X_train, y_train = torch.tensor(DATA["X_train"]), torch.tensor(DATA["y_train"])
X_test, y_test = torch.tensor(DATA["X_test"]), torch.tensor(DATA["y_test"])
train_iter = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X_train, y_train), batch_size=32,
                                         shuffle=True)

net = nn.Sequential(
    nn.LazyConv2d(6, kernel_size=5, padding=2), nn.LazyBatchNorm2d(),
    nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
    nn.LazyConv2d(16, kernel_size=5), nn.LazyBatchNorm2d(),
    nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Flatten(), nn.LazyLinear(120), nn.LazyBatchNorm1d(),
    nn.Sigmoid(), nn.LazyLinear(84), nn.LazyBatchNorm1d(),
    nn.Sigmoid(), nn.LazyLinear(10))
optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
loss = nn.CrossEntropyLoss()
losses, accs = [], []
for epoch in range(4):
    net.train()
    total, n = 0.0, 0
    for X, y in train_iter:
        l = loss(net(X), y)
        optimizer.zero_grad()
        l.backward()
        optimizer.step()
        total += l.item() * y.numel()
        n += y.numel()
    losses.append(total / n)
    net.eval()
    with torch.no_grad():
        accs.append(float((net(X_test).argmax(axis=1) == y_test).sum()) / len(y_test))
RESULT = {"losses": losses, "test_acc": accs[-1],
          "bn_running_var_mean": net[1].running_var.mean().item(), "batches": net[1].num_batches_tracked.item()}
