# ruff: noqa: F821, E721, E741 (`torch` and `DATA` are bound by the harness; the book's idioms kept)
"""Parameter management and initialization, as d2l.ai's "Parameter Management", "Parameter
Initialization" and "Lazy Initialization" (PyTorch version): state_dict, named_parameters,
parameter access through ``.data`` and ``.grad``, built-in initializers applied with
``net.apply``, a custom initializer, direct edits of ``.data``, tied (shared) parameters,
and lazy layers whose weights exist only after the first forward."""
nn = torch.nn
R = {}
net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1))
R["lazy_before"] = [type(p).__name__ for p in net[0].parameters()]
X = torch.rand(size=(2, 4))
R["out_shape"] = list(net(X).shape)
R["lazy_after"] = [list(p.shape) for p in net[0].parameters()]
R["state_dict_keys"] = list(net[2].state_dict().keys())
R["bias_type"] = type(net[2].bias).__name__
R["grad_none"] = net[2].weight.grad is None
R["named"] = [(name, list(param.shape)) for name, param in net.named_parameters()]


def init_normal(module):
    if type(module) == nn.Linear:
        nn.init.normal_(module.weight, mean=0, std=0.01)
        nn.init.zeros_(module.bias)


net.apply(init_normal)
R["normal_bias"] = net[0].bias.data.tolist()


def init_constant(module):
    if type(module) == nn.Linear:
        nn.init.constant_(module.weight, 1)
        nn.init.zeros_(module.bias)


net.apply(init_constant)
R["constant"] = [net[0].weight.data[0].tolist(), net[0].bias.data[0].item()]


def init_xavier(module):
    if type(module) == nn.Linear:
        nn.init.xavier_uniform_(module.weight)


def init_42(module):
    if type(module) == nn.Linear:
        nn.init.constant_(module.weight, 42)


net[0].apply(init_xavier)
net[2].apply(init_42)
R["xavier_bound"] = bool(net[0].weight.data.abs().max() <= (6 / (4 + 8)) ** 0.5)
R["fortytwo"] = net[2].weight.data.tolist()


def my_init(module):
    if type(module) == nn.Linear:
        nn.init.uniform_(module.weight, -10, 10)
        module.weight.data *= module.weight.data.abs() >= 5


net.apply(my_init)
w = net[0].weight
R["my_init"] = bool(((w.data == 0) | (w.data.abs() >= 5)).all())
net[0].weight.data[:] += 1
net[0].weight.data[0, 0] = 42
R["edited"] = net[0].weight.data[0, 0].item()

# We need to give the shared layer a name so that we can refer to its parameters
shared = nn.LazyLinear(8)
net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(), nn.LazyLinear(1))
net(X)
# Check whether the parameters are the same
R["tied"] = (net[2].weight.data[0] == net[4].weight.data[0]).tolist()
net[2].weight.data[0, 0] = 100
# Make sure that they are actually the same object rather than just having the same value
R["tied_after"] = (net[2].weight.data[0] == net[4].weight.data[0]).tolist()
R["n_params"] = len(list(net.parameters()))
RESULT = R
