# ruff: noqa: F821, E721, E741 (`torch` and `DATA` are bound by the harness; the book's idioms kept)
"""A multilayer perceptron from scratch, as d2l.ai's "Implementation of Multilayer
Perceptrons" (PyTorch version): nn.Parameter weights from torch.randn, ReLU as torch.max
against zeros_like, ``@``, CrossEntropyLoss(reduction='none'), torch.optim.SGD, train_ch3."""
nn = torch.nn
batch_size = 50
train_iter, test_iter = d2l.load_data(batch_size)

num_inputs, num_outputs, num_hiddens = 256, 10, 64

W1 = nn.Parameter(torch.randn(num_inputs, num_hiddens, requires_grad=True) * 0.01)
b1 = nn.Parameter(torch.zeros(num_hiddens, requires_grad=True))
W2 = nn.Parameter(torch.randn(num_hiddens, num_outputs, requires_grad=True) * 0.01)
b2 = nn.Parameter(torch.zeros(num_outputs, requires_grad=True))

params = [W1, b1, W2, b2]


def relu(X):
    a = torch.zeros_like(X)
    return torch.max(X, a)


def net(X):
    X = X.reshape((-1, num_inputs))
    H = relu(X @ W1 + b1)  # Here '@' stands for matrix multiplication
    return (H @ W2 + b2)


loss = nn.CrossEntropyLoss(reduction='none')
num_epochs, lr = 10, 0.1
updater = torch.optim.SGD(params, lr=lr)
history = d2l.train_ch3(net, train_iter, test_iter, loss, num_epochs, updater)
