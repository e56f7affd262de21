# ruff: noqa: F821, E721, E741 (`torch` and `DATA` are bound by the harness; the book's idioms kept)
"""Concise dropout, as d2l.ai's "Dropout" (PyTorch, concise part): nn.Dropout between
nn.Linear layers in nn.Sequential, weights from nn.init.normal_, train()/eval()."""
nn = torch.nn
train_iter, test_iter = d2l.load_data(batch_size=50, flat=True)
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
num_epochs = 10
history = d2l.train_ch3(net, train_iter, test_iter, loss, num_epochs, trainer)
