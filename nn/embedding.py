"""`Embedding`: a lookup table of learnable vectors (the op is `autograd.embedding`)."""
import numpy as np

import autograd as ag
from autograd.device import check_device
from autograd.tensor import get_default_dtype

from . import init
from .module import Module
from .parameter import Parameter


class Embedding(Module):
    """A table of `num_embeddings` vectors of size `embedding_dim`, indexed by integers.

    Args:
        num_embeddings (int): size of the table.
        embedding_dim (int): size of each vector.
        padding_idx (int or None): a row initialized to zeros that receives no gradient.
        max_norm, scale_grad_by_freq, sparse: only the defaults (None, False, False).
        _weight (Tensor or ndarray or None): initial table instead of a random one.
        dtype: floating dtype of the table (default: the default float dtype).

    Attributes:
        weight (Parameter): (num_embeddings, embedding_dim), from N(0, 1) (PyTorch's default).

    Shape: input: integer indices of any shape (*); output (*, embedding_dim).

    Raises:
        ValueError: for a padding_idx outside the table or a _weight of the wrong shape.
        NotImplementedError: for max_norm, scale_grad_by_freq or sparse.
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False, device=None, dtype=None):
        check_device(device, type(self).__name__)  # tracegrad computes on the CPU: another device raises
        super().__init__()
        if max_norm is not None or scale_grad_by_freq or sparse:
            raise NotImplementedError("Embedding: max_norm, scale_grad_by_freq and sparse are not supported; "
                                      "expected the defaults.")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx must be within num_embeddings; got {padding_idx}, "
                                 f"expected -{num_embeddings} <= padding_idx < {num_embeddings}.")
            padding_idx = padding_idx % num_embeddings
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.padding_idx = padding_idx
        dt = get_default_dtype() if dtype is None else np.dtype(dtype)
        if _weight is None:
            self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=dt), requires_grad=not _freeze)
            self.reset_parameters()
        else:
            w = np.asarray(_weight)
            if w.shape != (num_embeddings, embedding_dim):
                raise ValueError(f"Embedding: _weight must have shape (num_embeddings, embedding_dim); got "
                                 f"{w.shape}, expected {(num_embeddings, embedding_dim)}.")
            self.weight = Parameter(w, requires_grad=not _freeze)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None):
        """An Embedding holding `embeddings` (num_embeddings, embedding_dim); frozen by default."""
        w = np.asarray(embeddings)
        return cls(w.shape[0], w.shape[1], padding_idx=padding_idx, _weight=w, _freeze=freeze)

    def reset_parameters(self):
        """weight ~ N(0, 1); the padding_idx row set to zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            np.asarray(self.weight)[self.padding_idx] = 0

    def forward(self, indices):
        """Rows of the table at integer `indices` (Tensor or ndarray)."""
        return ag.embedding(indices, self.weight, self.padding_idx)

    def extra_repr(self):
        """The layer's settings, shown inside its repr."""
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s
