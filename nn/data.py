"""Datasets and batching: `TensorDataset` and `DataLoader` (PyTorch's names).

`DataLoader` over a `TensorDataset` takes a fast path: each batch is one fancy index (or one
slice, copied, without shuffling) into the underlying arrays; no per-sample Python loop.
Batches are copies, never views of the dataset.
"""
import math

import numpy as np

from autograd.creation import as_tensor, from_numpy, get_rng
from autograd.tensor import Tensor


class Dataset:
    """Base of map-style datasets: ``dataset[i]`` gives sample i and ``len(dataset)`` the count."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__}: __getitem__ is not defined; expected a subclass to define it.")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__}: __len__ is not defined; expected a subclass to define it.")


class TensorDataset(Dataset):
    """Samples from Tensors (or arrays) that share their first axis: sample i is
    ``(t[i] for t in tensors)``.

    Args:
        *tensors: Tensors, ndarrays or nested lists, each of shape (N, …) with the same N;
            arrays keep their dtype (lists follow the Tensor rules: floats → float32).

    Attributes:
        tensors (tuple[Tensor]): the data.

    Raises:
        ValueError: if no tensor is given, one is 0-d or ragged (a nested list whose rows differ
            in length), or the first sizes differ.
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor; got none.")
        ts = []
        for i, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                try:
                    t = Tensor(t)
                except ValueError as exc:  # e.g. a ragged nested list
                    raise ValueError(f"TensorDataset: tensor {i} cannot be made a Tensor ({exc}); expected an "
                                     f"array of one shape (N, ...). Hint: pad ragged samples to one length.") from None
            ts.append(t)
        ts = tuple(ts)
        for i, t in enumerate(ts):
            if t.ndim == 0:
                raise ValueError(f"TensorDataset: tensor {i} is 0-d; expected a first (sample) axis.")
        sizes = [t.shape[0] for t in ts]
        if any(s != sizes[0] for s in sizes):
            raise ValueError(f"TensorDataset: size mismatch between tensors; got first sizes {sizes}, "
                             f"expected all equal.")
        self.tensors = ts

    def __getitem__(self, index):
        return tuple(as_tensor(np.asarray(t)[index]) for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


def _collate(samples, indices, where="sample"):
    """Stack a list of samples (tuples/lists of Tensors, arrays or numbers; or single values)
    into batched Tensors along a new first axis (a copy). `indices` are the samples' dataset
    indices and `where` the path inside a sample, both for the error messages."""
    first = samples[0]
    if isinstance(first, (tuple, list, dict)):
        for s, i in zip(samples, indices):
            if (not isinstance(s, (tuple, list, dict)) or isinstance(s, dict) != isinstance(first, dict)
                    or len(s) != len(first) or (isinstance(s, dict) and s.keys() != first.keys())):
                raise ValueError(f"DataLoader: samples {indices[0]} and {i} differ in structure at {where}; got "
                                 f"{_describe(first)} and {_describe(s)}, expected every sample alike.")
        if isinstance(first, dict):
            return {k: _collate([s[k] for s in samples], indices, f"{where}[{k!r}]") for k in first}
        return tuple(_collate([s[k] for s in samples], indices, f"{where}[{k}]") for k in range(len(first)))
    arrays = [np.asarray(s) for s in samples]
    for a, i in zip(arrays, indices):
        if a.shape != arrays[0].shape:
            raise ValueError(f"DataLoader: samples {indices[0]} and {i} have different shapes at {where}; got "
                             f"{arrays[0].shape} and {a.shape}, expected one shape to stack them into a batch. "
                             f"Hint: pad or crop the samples to one shape in the dataset's __getitem__.")
    return Tensor(np.stack(arrays))


def _describe(sample):
    if isinstance(sample, dict):
        return f"a dict with keys {list(sample)}"
    return f"a {type(sample).__name__} of {len(sample)}"


class DataLoader:
    """Iterate over a dataset in mini-batches.

    Args:
        dataset: a `TensorDataset` (fast path) or any object with ``__len__`` and
            ``__getitem__`` returning a sample (tuple of Tensors/arrays/numbers, or one).
        batch_size (int): samples per batch, ≥ 1 (default 1).
        shuffle (bool): a new random order every epoch (each `iter()`).
        drop_last (bool): drop the last batch when it is smaller than `batch_size`.
        seed (int or None): seeds this loader's own generator (reproducible shuffling);
            None draws the permutations from autograd's global generator (`manual_seed`).
        num_workers (int): accepted for PyTorch's signature (≥ 0); batches are always made in
            the calling process, so any count gives the batches ``num_workers=0`` gives.
        pin_memory, timeout, worker_init_fn, prefetch_factor, persistent_workers: accepted
            for PyTorch's signature; they change nothing here (no devices, no workers).

    Yields:
        tuple of Tensors, each (B, …) with B = batch_size (smaller for the last batch unless
        `drop_last`); the batch of a TensorDataset keeps its arrays' dtypes. Batches are
        copies (one gather per tensor and batch), never views of the dataset: changing a batch
        in place leaves the dataset as it was (PyTorch's collate stacks copies too).

    `state_dict()` / `load_state_dict(state)` save and restore where a seeded loader is (its
    generator), so that a resumed run shuffles exactly like an uninterrupted one.

    Raises:
        ValueError: if batch_size is not a positive int, seed is not None or a non-negative
            int, or num_workers is negative; while iterating, if the samples of a batch differ in shape or structure
            (ragged samples: nothing is truncated or padded silently).
        TypeError: if the dataset has no ``__len__``/``__getitem__``.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, seed=None, num_workers=0,
                 pin_memory=False, timeout=0, worker_init_fn=None, prefetch_factor=None, persistent_workers=False):
        if isinstance(num_workers, bool) or not isinstance(num_workers, (int, np.integer)) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers option should be non-negative; got {num_workers!r}, "
                             f"expected an int >= 0.")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int; got {batch_size!r}, expected >= 1.")
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(f"DataLoader: the dataset must define __len__ and __getitem__; "
                            f"got {type(dataset).__name__}.")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
            raise ValueError(f"DataLoader: seed must be None or a non-negative int; got {seed!r}, expected e.g. 0.")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.seed = seed
        self.num_workers = int(num_workers)  # batches are made in this process whatever the count
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def state_dict(self):
        """Where the loader is, as a dict of plain values (for `nn.save` and `load_state_dict`).

        The position is kept at epoch granularity: each epoch's order is drawn from the
        loader's generator when that epoch's first batch is requested, so the generator state
        alone decides every later epoch. A state taken between epochs (or during one, after its
        first batch) makes a restored loader yield the same batches as this one from its next
        epoch on.

        Returns:
            dict: ``{"generator": state}`` with `state` the numpy ``bit_generator.state`` dict of
            the loader's own generator (big integers included), or None when the loader has
            no generator of its own (``seed=None``: it draws from autograd's global generator,
            whose state is ``autograd.creation.get_rng().bit_generator.state``).
        """
        return {"generator": None if self._rng is None else self._rng.bit_generator.state}

    def load_state_dict(self, state_dict):
        """Restore a state from `state_dict()` (of this loader or another with the same seed mode).

        Args:
            state_dict (dict): ``{"generator": bit_generator state dict or None}``.

        Raises:
            TypeError: if `state_dict` is not a dict with the key "generator".
            ValueError: if the state has a generator and this loader has none (``seed=None``)
                or the other way round, or the generator state does not fit this loader's
                generator (another bit generator, a damaged dict).
        """
        if not isinstance(state_dict, dict) or "generator" not in state_dict:
            raise TypeError(f"DataLoader.load_state_dict: expected a dict with the key 'generator' (from "
                            f"state_dict()); got {type(state_dict).__name__}"
                            f"{' with keys ' + repr(sorted(state_dict)) if isinstance(state_dict, dict) else ''}.")
        state = state_dict["generator"]
        if (state is None) != (self._rng is None):
            mine = "no generator of its own (seed=None)" if self._rng is None else "its own generator (a seed)"
            theirs = "none" if state is None else "a generator state"
            raise ValueError(f"DataLoader.load_state_dict: this loader has {mine}; got {theirs}, expected "
                             f"the state of a loader that {'also has no seed' if self._rng is None else 'has a seed'}.")
        if state is None:
            return
        try:
            self._rng.bit_generator.state = state
        except (TypeError, ValueError, KeyError) as exc:
            raise ValueError(f"DataLoader.load_state_dict: the generator state does not fit this loader's "
                             f"{type(self._rng.bit_generator).__name__} generator; got {exc}.") from None

    def _order(self, n):
        if not self.shuffle:
            return None
        rng = self._rng if self._rng is not None else get_rng()
        return rng.permutation(n)

    def __iter__(self):
        n = len(self.dataset)
        bs = self.batch_size
        order = self._order(n)
        stop = (n // bs) * bs if self.drop_last else n
        if isinstance(self.dataset, TensorDataset):
            arrays = [np.asarray(t) for t in self.dataset.tensors]
            for start in range(0, stop, bs):
                if order is None:  # a slice is a view: copy it, so the batch never aliases the dataset
                    sel = slice(start, min(start + bs, n))
                    yield tuple([from_numpy(a[sel].copy()) for a in arrays])
                else:  # fancy indexing gathers a copy already
                    sel = order[start:start + bs]
                    yield tuple([from_numpy(a[sel]) for a in arrays])
            return
        ds = self.dataset
        for start in range(0, stop, bs):
            idx = range(start, min(start + bs, n)) if order is None else order[start:start + bs]
            idx = [int(i) for i in idx]
            yield _collate([ds[i] for i in idx], idx)

    def __repr__(self):
        return (f"DataLoader(dataset of {len(self.dataset)} samples, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}, seed={self.seed})")
