# ruff: noqa: F821, E721, E741 (`torch` and `DATA` are bound by the harness; the book's idioms kept)
"""Dropout from scratch, as d2l.ai's "Dropout" (PyTorch version): a mask from torch.rand
made float with ``.float()``, a Module with two hidden layers that applies it in training."""
nn = torch.nn
train_iter, test_iter = d2l.load_data(batch_size=50, flat=True)


def dropout_layer(X, dropout):
    assert 0 <= dropout <= 1
    if dropout == 1:
        return torch.zeros_like(X)
    mask = (torch.rand(X.shape) > dropout).float()
    return mask * X / (1.0 - dropout)


X = torch.arange(16, dtype=torch.float32).reshape((2, 8))
assert (dropout_layer(X, 0.) == X).all() and (dropout_layer(X, 1.) == 0).all()

num_inputs, num_outputs, num_hiddens1, num_hiddens2 = 256, 10, 128, 64
dropout1, dropout2 = 0.2, 0.5


class Net(nn.Module):
    def __init__(self, num_inputs, num_outputs, num_hiddens1, num_hiddens2, is_training=True):
        super(Net, self).__init__()
        self.num_inputs = num_inputs
        self.training = is_training
        self.lin1 = nn.Linear(num_inputs, num_hiddens1)
        self.lin2 = nn.Linear(num_hiddens1, num_hiddens2)
        self.lin3 = nn.Linear(num_hiddens2, num_outputs)
        self.relu = nn.ReLU()

    def forward(self, X):
        H1 = self.relu(self.lin1(X.reshape((-1, self.num_inputs))))
        if self.training:  # use dropout only when training the model
            H1 = dropout_layer(H1, dropout1)
        H2 = self.relu(self.lin2(H1))
        if self.training:
            H2 = dropout_layer(H2, dropout2)
        return self.lin3(H2)


net = Net(num_inputs, num_outputs, num_hiddens1, num_hiddens2)
loss = nn.CrossEntropyLoss(reduction='none')
trainer = torch.optim.SGD(net.parameters(), lr=0.5)
num_epochs = 10
history = d2l.train_ch3(net, train_iter, test_iter, loss, num_epochs, trainer)
