# ruff: noqa: F821, E721, E741 (`torch` and `DATA` are bound by the harness; the book's idioms kept)
"""Softmax regression from scratch, as d2l.ai's "Softmax Regression Implementation from
Scratch" (PyTorch version): softmax by hand, cross-entropy by fancy indexing with a range,
accuracy with ``.type``, trained by d2l.train_ch3 with d2l.sgd as the updater."""
batch_size = 50
train_iter, test_iter = d2l.load_data(batch_size)

num_inputs = 256
num_outputs = 10
W = torch.normal(0, 0.01, size=(num_inputs, num_outputs), requires_grad=True)
b = torch.zeros(num_outputs, requires_grad=True)


def softmax(X):
    X_exp = torch.exp(X)
    partition = X_exp.sum(1, keepdim=True)
    return X_exp / partition  # The broadcasting mechanism is applied here


def net(X):
    return softmax(torch.matmul(X.reshape((-1, W.shape[0])), W) + b)


def cross_entropy(y_hat, y):
    return - torch.log(y_hat[range(len(y_hat)), y])


def accuracy(y_hat, y):
    """Compute the number of correct predictions."""
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


lr = 0.1


def updater(batch_size):
    return d2l.sgd([W, b], lr, batch_size)


num_epochs = 5
history = d2l.train_ch3(net, train_iter, test_iter, cross_entropy, num_epochs, updater)
X_test, y_test = next(iter(d2l.load_data(200)[1]))
RESULT = {"own_accuracy": accuracy(net(X_test), y_test) / len(y_test)}
