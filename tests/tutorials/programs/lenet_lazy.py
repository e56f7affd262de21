# ruff: noqa: F821, E721, E741 (`torch` and `DATA` are bound by the harness; the book's idioms kept)
"""LeNet, as d2l.ai's "Convolutional Neural Networks (LeNet)" (2nd edition, PyTorch):
LazyConv2d/LazyLinear layers sized by a dummy forward whose shapes are printed, then
d2l.train_ch6 (Xavier initialization of the layers whose type is now nn.Linear or
nn.Conv2d, ``net.to(device)`` with d2l.try_gpu())."""
nn = torch.nn
train_iter, test_iter = d2l.load_data(batch_size=32)

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
lr, num_epochs = 0.1, 5
history = d2l.train_ch6(net, train_iter, test_iter, num_epochs, lr, d2l.try_gpu())
RESULT = {"flat_features": net[7].in_features}
