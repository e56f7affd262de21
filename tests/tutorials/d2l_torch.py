# ruff: noqa: F821, E721, E741 (`torch` and `DATA` are bound by the harness; the book's idioms kept)
"""The helpers d2l.ai keeps in its library (``from d2l import torch as d2l``), for the
programs: the harness runs this text with ``torch`` bound to PyTorch or to autograd, after
the functions the programs mark ``#@save`` (as the book builds its library from chapters).

Written as the book (1st edition, PyTorch) writes them, with two differences, both so a
program that uses them tests one thing: `accuracy` compares without ``.type(y.dtype)``
(softmax_scratch keeps the book's form) and `train_ch6` leaves the batches where they are
(the book moves each with ``X.to(device)``; quickstart keeps that form); `load_data` serves
``DATA`` instead of downloading Fashion-MNIST.
"""
nn = torch.nn  # the book: from torch import nn
data = torch.utils.data  # the book: from torch.utils import data


def load_data(batch_size, flat=False):
    """(train_iter, test_iter) over DATA's images, (N, 1, 16, 16) or flattened (N, 256)."""
    key = "X_flat_" if flat else "X_"
    return tuple(load_array((torch.tensor(DATA[key + part]), torch.tensor(DATA["y_" + part])), batch_size,
                            is_train=part == "train") for part in ("train", "test"))


def try_gpu(i=0):
    """Return gpu(i) if exists, otherwise return cpu()."""
    if torch.cuda.device_count() >= i + 1:
        return torch.device(f'cuda:{i}')
    return torch.device('cpu')


class Accumulator:
    """For accumulating sums over `n` variables."""

    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def __getitem__(self, idx):
        return self.data[idx]


def accuracy(y_hat, y):
    """Compute the number of correct predictions."""
    return float((y_hat.argmax(axis=1) == y).sum())


def evaluate_accuracy(net, data_iter):
    """Compute the accuracy for a model on a dataset."""
    if isinstance(net, nn.Module):
        net.eval()  # Set the model to evaluation mode
    metric = Accumulator(2)  # No. of correct predictions, no. of predictions
    with torch.no_grad():
        for X, y in data_iter:
            metric.add(accuracy(net(X), y), y.numel())
    return metric[0] / metric[1]


def train_epoch_ch3(net, train_iter, loss, updater):
    """The training loop defined in Chapter 3."""
    # Set the model to training mode
    if isinstance(net, nn.Module):
        net.train()
    # Sum of training loss, sum of training accuracy, no. of examples
    metric = Accumulator(3)
    for X, y in train_iter:
        # Compute gradients and update parameters
        y_hat = net(X)
        l = loss(y_hat, y)
        if isinstance(updater, torch.optim.Optimizer):
            # Using PyTorch in-built optimizer & loss criterion
            updater.zero_grad()
            l.mean().backward()
            updater.step()
        else:
            # Using custom built optimizer & loss criterion
            l.sum().backward()
            updater(X.shape[0])
        metric.add(float(l.sum()), accuracy(y_hat, y), y.numel())
    # Return training loss and training accuracy
    return metric[0] / metric[2], metric[1] / metric[2]


def train_ch3(net, train_iter, test_iter, loss, num_epochs, updater):
    """Train a model (defined in Chapter 3); returns (train loss, train acc, test acc) per
    epoch, which the book plots."""
    history = []
    for epoch in range(num_epochs):
        train_metrics = train_epoch_ch3(net, train_iter, loss, updater)
        test_acc = evaluate_accuracy(net, test_iter)
        history.append(train_metrics + (test_acc,))
    return history


def train_ch6(net, train_iter, test_iter, num_epochs, lr, device):
    """Train a model with a GPU (defined in Chapter 6); returns the history as `train_ch3`."""
    def init_weights(m):
        if type(m) == nn.Linear or type(m) == nn.Conv2d:
            nn.init.xavier_uniform_(m.weight)
    net.apply(init_weights)
    net.to(device)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    history = []
    for epoch in range(num_epochs):
        # Sum of training loss, sum of training accuracy, no. of examples
        metric = Accumulator(3)
        net.train()
        for i, (X, y) in enumerate(train_iter):
            optimizer.zero_grad()
            y_hat = net(X)
            l = loss(y_hat, y)
            l.backward()
            optimizer.step()
            with torch.no_grad():
                metric.add(l * X.shape[0], accuracy(y_hat, y), X.shape[0])
        test_acc = evaluate_accuracy(net, test_iter)
        history.append((metric[0] / metric[2], metric[1] / metric[2], test_acc))
    return history
