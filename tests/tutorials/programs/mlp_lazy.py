# ruff: noqa: F821, E721, E741 (`torch` and `DATA` are bound by the harness; the book's idioms kept)
"""A concise MLP, as d2l.ai's "Concise Implementation of Multilayer Perceptrons" (2nd
edition, PyTorch): a Module subclass built from nn.LazyLinear (only output sizes written),
the optimizer made before the first forward (SGD with momentum), d2l.train_ch3."""
nn = torch.nn
train_iter, test_iter = d2l.load_data(batch_size=50, flat=True)


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
history = d2l.train_ch3(model, train_iter, test_iter, nn.CrossEntropyLoss(reduction='none'), 6, optimizer)
RESULT = {"in_features": model.net[1].in_features, "classes": type(model.net[1]).__name__}
