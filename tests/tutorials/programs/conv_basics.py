# ruff: noqa: F821, E721, E741 (`torch` and `DATA` are bound by the harness; the book's idioms kept)
"""Convolutions, padding, strides, channels and pooling, as d2l.ai's chapter 7 sections
(PyTorch version): corr2d and pool2d written with loops, edge detection, learning a kernel
with LazyConv2d (updated through ``.data``), output shapes of padded and strided
convolutions, multi-input/output channels with torch.stack, 1×1 convolution as a matmul,
nn.MaxPool2d/AvgPool2d with padding and stride. Every value is deterministic."""
nn = torch.nn
R = {}


def corr2d(X, K):
    """Compute 2D cross-correlation."""
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
R["corr2d"] = corr2d(X, K).tolist()


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias


X = torch.ones((6, 8))
X[:, 2:6] = 0
K = torch.tensor([[1.0, -1.0]])
Y = corr2d(X, K)
R["edges"] = [Y.tolist(), corr2d(X.t(), K).tolist()]
R["own_layer"] = list(Conv2D((1, 2))(X).shape)

# Construct a two-dimensional convolutional layer with 1 output channel and a
# kernel of shape (1, 2). For the sake of simplicity, we ignore the bias here
conv2d = nn.LazyConv2d(1, kernel_size=(1, 2), bias=False)
X = X.reshape((1, 1, 6, 8))
Y = Y.reshape((1, 1, 6, 7))
lr = 3e-2  # Learning rate
conv2d(X)
conv2d.weight.data[:] = torch.tensor([[[[0.5, 0.5]]]])
for i in range(10):
    Y_hat = conv2d(X)
    l = (Y_hat - Y) ** 2
    conv2d.zero_grad()
    l.sum().backward()
    # Update the kernel
    conv2d.weight.data[:] -= lr * conv2d.weight.grad
R["learned_kernel"] = conv2d.weight.data.reshape((1, 2)).tolist()


def comp_conv2d(conv2d, X):
    X = X.reshape((1, 1) + X.shape)
    Y = conv2d(X)
    return Y.reshape(Y.shape[2:])


X = torch.rand(size=(8, 8))
R["padding"] = [list(comp_conv2d(nn.LazyConv2d(1, kernel_size=3, padding=1), X).shape),
                list(comp_conv2d(nn.LazyConv2d(1, kernel_size=(5, 3), padding=(2, 1)), X).shape),
                list(comp_conv2d(nn.LazyConv2d(1, kernel_size=3, padding=1, stride=2), X).shape),
                list(comp_conv2d(nn.LazyConv2d(1, kernel_size=(3, 5), padding=(0, 1), stride=(3, 4)), X).shape)]


def corr2d_multi_in(X, K):
    return sum(corr2d(x, k) for x, k in zip(X, K))


def corr2d_multi_in_out(X, K):
    return torch.stack([corr2d_multi_in(X, k) for k in K], 0)


def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    X = X.reshape((c_i, h * w))
    K = K.reshape((c_o, c_i))
    Y = torch.matmul(K, X)
    return Y.reshape((c_o, h, w))


X = torch.tensor([[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]],
                  [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]])
K = torch.tensor([[[0.0, 1.0], [2.0, 3.0]], [[1.0, 2.0], [3.0, 4.0]]])
R["multi_in"] = corr2d_multi_in(X, K).tolist()
K = torch.stack((K, K + 1, K + 2), 0)
R["multi_out"] = corr2d_multi_in_out(X, K).tolist()
X = torch.arange(18.0).reshape((2, 3, 3)) / 10
K = torch.arange(6.0).reshape((3, 2, 1, 1)) / 7
Y1 = corr2d_multi_in_out_1x1(X, K)
Y2 = corr2d_multi_in_out(X, K)
R["one_by_one"] = [float(torch.abs(Y1 - Y2).sum()) < 1e-6, Y1.tolist()]


def pool2d(X, pool_size, mode='max'):
    p_h, p_w = pool_size
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            if mode == 'max':
                Y[i, j] = X[i: i + p_h, j: j + p_w].max()
            elif mode == 'avg':
                Y[i, j] = X[i: i + p_h, j: j + p_w].mean()
    return Y


X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
R["pool2d"] = [pool2d(X, (2, 2)).tolist(), pool2d(X, (2, 2), 'avg').tolist()]
X = torch.arange(16, dtype=torch.float32).reshape((1, 1, 4, 4))
R["maxpool"] = [nn.MaxPool2d(3)(X).tolist(), nn.MaxPool2d(3, padding=1, stride=2)(X).tolist(),
                nn.MaxPool2d((2, 3), stride=(2, 3), padding=(0, 1))(X).tolist()]
X = torch.cat((X, X + 1), 1)
R["maxpool_channels"] = nn.MaxPool2d(3, padding=1, stride=2)(X).tolist()
RESULT = R
