# ruff: noqa: F821, E721, E741 (`torch` and `DATA` are bound by the harness; the book's idioms kept)
"""LeNet with batch normalization, concise, as d2l.ai's "Batch Normalization" (2nd edition,
PyTorch): nn.LazyBatchNorm2d / nn.LazyBatchNorm1d after each lazy layer, d2l.train_ch6."""
nn = torch.nn
train_iter, test_iter = d2l.load_data(batch_size=32)

net = nn.Sequential(
    nn.LazyConv2d(6, kernel_size=5, padding=2), nn.LazyBatchNorm2d(),
    nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
    nn.LazyConv2d(16, kernel_size=5), nn.LazyBatchNorm2d(),
    nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Flatten(), nn.LazyLinear(120), nn.LazyBatchNorm1d(),
    nn.Sigmoid(), nn.LazyLinear(84), nn.LazyBatchNorm1d(),
    nn.Sigmoid(), nn.LazyLinear(10))
lr, num_epochs = 0.5, 4
history = d2l.train_ch6(net, train_iter, test_iter, num_epochs, lr, d2l.try_gpu())
RESULT = {"bn_running_var_mean": net[1].running_var.mean().item(), "batches": net[1].num_batches_tracked.item()}
