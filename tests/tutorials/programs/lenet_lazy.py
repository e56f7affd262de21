# ruff: noqa: F821, E721, E741 (`torch` and `DATA` are bound by the harness; the book's idioms kept)
"""LeNet, as d2l.ai's "Convolutional Neural Networks (LeNet)" (2nd edition, PyTorch):
LazyConv2d/LazyLinear layers sized by a dummy forward, then Xavier initialization of the
layers whose type is now nn.Linear or nn.Conv2d; the device idiom of the book."""
nn = torch.nn
X_train, y_train = torch.tensor(DATA["X_train"]), torch.tensor(DATA["y_train"])
X_test, y_test = torch.tensor(DATA["X_test"]), torch.tensor(DATA["y_test"])
train_iter = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X_train, y_train), batch_size=32,
                                         shuffle=True)


def try_gpu(i=0):
    """Return gpu(i) if exists, otherwise return cpu()."""
    if torch.cuda.device_count() >= i + 1:
        return torch.device(f'cuda:{i}')
    return torch.device('cpu')


def init_cnn(module):
    """Initialize weights for CNNs."""
    if type(module) == nn.Linear or type(module) == nn.Conv2d:
        nn.init.xavier_uniform_(module.weight)


net = nn.Sequential(
    nn.LazyConv2d(6, kernel_size=5, padding=2), nn.ReLU(),
    nn.MaxPool2d(kernel_size=2, stride=2),
    nn.LazyConv2d(16, kernel_size=5), nn.ReLU(),
    nn.MaxPool2d(kernel_size=2, stride=2),
    nn.Flatten(),
    nn.LazyLinear(120), nn.ReLU(),
    nn.LazyLinear(84), nn.ReLU(),
    nn.LazyLinear(10))

X = torch.randn(1, 1, 16, 16)
for layer in net:
    X = layer(X)
    print(layer.__class__.__name__, 'output shape:\t', X.shape)
net.apply(init_cnn)
device = try_gpu()
net.to(device)

optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
loss = nn.CrossEntropyLoss()
losses, accs = [], []
for epoch in range(5):
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
RESULT = {"losses": losses, "test_acc": accs[-1], "flat_features": net[7].in_features}
