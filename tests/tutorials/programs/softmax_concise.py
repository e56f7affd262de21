# ruff: noqa: F821, E721, E741 (`torch` and `DATA` are bound by the harness; the book's idioms kept)
"""Concise softmax regression, as d2l.ai's "Concise Implementation of Softmax Regression"
(PyTorch version): nn.Flatten + nn.Linear, ``net.apply(init_weights)`` with
nn.init.normal_, CrossEntropyLoss(reduction='none'), torch.optim.SGD, d2l.train_ch3."""
nn = torch.nn
batch_size = 50
train_iter, test_iter = d2l.load_data(batch_size)

# PyTorch does not implicitly reshape the inputs. Thus we define the flatten
# layer to reshape the inputs before the linear layer in our network
net = nn.Sequential(nn.Flatten(), nn.Linear(256, 10))


def init_weights(m):
    if type(m) == nn.Linear:
        nn.init.normal_(m.weight, std=0.01)


net.apply(init_weights)
loss = nn.CrossEntropyLoss(reduction='none')
trainer = torch.optim.SGD(net.parameters(), lr=0.1)
num_epochs = 5
history = d2l.train_ch3(net, train_iter, test_iter, loss, num_epochs, trainer)
