# ruff: noqa: F821, E721, E741 (`torch` and `DATA` are bound by the harness; the book's idioms kept)
"""Weight decay, as d2l.ai's "Weight Decay" (PyTorch version): high-dimensional linear
regression with 20 examples, an L2 penalty by hand, then weight decay in an SGD parameter
group (decay on the weight only)."""
nn = torch.nn
n_train, n_test, num_inputs, batch_size = 20, 100, 200, 5
true_w, true_b = torch.ones((num_inputs, 1)) * 0.01, 0.05

train_data = d2l.synthetic_data(true_w, true_b, n_train)
train_iter = d2l.load_array(train_data, batch_size)
test_data = d2l.synthetic_data(true_w, true_b, n_test)

def init_params():
    w = torch.normal(0, 1, size=(num_inputs, 1), requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    return [w, b]

def l2_penalty(w):
    return torch.sum(w.pow(2)) / 2

def train(lambd):
    w, b = init_params()
    net, loss = lambda X: d2l.linreg(X, w, b), d2l.squared_loss
    num_epochs, lr = 50, 0.003
    for epoch in range(num_epochs):
        for X, y in train_iter:
            # The L2 norm penalty term has been added, and broadcasting
            # makes l2_penalty(w) a vector whose length is batch_size
            l = loss(net(X), y) + lambd * l2_penalty(w)
            l.sum().backward()
            d2l.sgd([w, b], lr, batch_size)
    with torch.no_grad():
        return float(loss(net(test_data[0]), test_data[1]).mean()), torch.norm(w).item()

def train_concise(wd):
    net = nn.Sequential(nn.Linear(num_inputs, 1))
    for param in net.parameters():
        nn.init.normal_(param)  # the book: param.data.normal_() (see linreg_concise for that form)
    loss = nn.MSELoss(reduction='none')
    num_epochs, lr = 50, 0.003
    # The bias parameter has not decayed
    trainer = torch.optim.SGD([
        {"params": net[0].weight, 'weight_decay': wd},
        {"params": net[0].bias}], lr=lr)
    for epoch in range(num_epochs):
        for X, y in train_iter:
            trainer.zero_grad()
            l = loss(net(X), y)
            l.mean().backward()
            trainer.step()
    with torch.no_grad():
        return float(loss(net(test_data[0]), test_data[1]).mean()), net[0].weight.norm().item()

no_decay = train(lambd=0)
decay = train(lambd=3)
concise = train_concise(3)
RESULT = {"test_loss_no_decay": no_decay[0], "test_loss_decay": decay[0], "norm_no_decay": no_decay[1],
          "norm_decay": decay[1], "test_loss_concise": concise[0], "norm_concise": concise[1]}
