"""nn.data (TensorDataset, DataLoader) and nn.datasets (load_digits, read_idx)."""
import gzip
import re

import numpy as np
import pytest

import autograd as ag
import nn
from nn.data import DataLoader, TensorDataset


def _ds(n=10):
    X = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    y = np.arange(n, dtype=np.int64)
    return TensorDataset(X, y)


def test_tensor_dataset_items_and_errors():
    ds = _ds()
    assert len(ds) == 10
    x, y = ds[3]
    assert isinstance(x, ag.Tensor) and x.tolist() == [6.0, 7.0] and y.item() == 3
    assert x.dtype == np.float32 and y.dtype == np.int64
    ds2 = TensorDataset(ag.Tensor(np.zeros((4, 3))), [[1.0], [2.0], [3.0], [4.0]])
    assert ds2.tensors[1].dtype == np.float32
    with pytest.raises(ValueError, match=r"TensorDataset: size mismatch between tensors; got first sizes \[3, 2\]"):
        TensorDataset(np.zeros((3, 1)), np.zeros(2))
    with pytest.raises(ValueError, match="TensorDataset: expected at least one tensor"):
        TensorDataset()


def test_loader_in_order_batches_and_len():
    dl = DataLoader(_ds(), batch_size=4)
    batches = list(dl)
    assert len(dl) == 3 and len(batches) == 3
    assert [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert batches[0][0].shape == (4, 2) and batches[0][0].dtype == np.float32
    assert all(isinstance(t, ag.Tensor) and not t.requires_grad for b in batches for t in b)
    dl = DataLoader(_ds(), batch_size=4, drop_last=True)
    assert len(dl) == 2 and [b[1].tolist() for b in dl] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(DataLoader(_ds(8), batch_size=4, drop_last=True)) == 2
    assert len(DataLoader(_ds(), batch_size=1)) == 10


def test_loader_shuffle_reproducible_new_order_each_epoch():
    dl = DataLoader(_ds(20), batch_size=6, shuffle=True, seed=3)
    e1 = np.concatenate([b[1].detach().numpy() for b in dl])
    e2 = np.concatenate([b[1].detach().numpy() for b in dl])
    assert sorted(e1.tolist()) == list(range(20)) and sorted(e2.tolist()) == list(range(20))
    assert e1.tolist() != e2.tolist()  # a new permutation each epoch
    dl_again = DataLoader(_ds(20), batch_size=6, shuffle=True, seed=3)
    assert np.concatenate([b[1].detach().numpy() for b in dl_again]).tolist() == e1.tolist()
    # rows stay aligned across tensors
    for xb, yb in DataLoader(_ds(20), batch_size=6, shuffle=True, seed=5):
        np.testing.assert_array_equal(xb.detach().numpy()[:, 0], 2 * yb.detach().numpy())
    # without a seed the global generator decides (manual_seed makes it reproducible)
    ag.manual_seed(11)
    a = [b[1].tolist() for b in DataLoader(_ds(20), batch_size=5, shuffle=True)]
    ag.manual_seed(11)
    b = [b[1].tolist() for b in DataLoader(_ds(20), batch_size=5, shuffle=True)]
    assert a == b


def test_loader_shuffle_drop_last():
    dl = DataLoader(_ds(10), batch_size=3, shuffle=True, drop_last=True, seed=0)
    sizes = [len(b[1]) for b in dl]
    assert sizes == [3, 3, 3]


def test_loader_generic_dataset_collates():
    class Squares:
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([i, i * i], dtype=np.float64), i

    batches = list(DataLoader(Squares(), batch_size=2))
    assert len(batches) == 3
    x, y = batches[1]
    assert x.tolist() == [[2.0, 4.0], [3.0, 9.0]] and y.tolist() == [2, 3]

    class Single:
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return ag.Tensor(np.full(2, float(i)))

    out = list(DataLoader(Single(), batch_size=3))
    assert len(out) == 1 and isinstance(out[0], ag.Tensor) and out[0].shape == (3, 2)


def test_loader_errors():
    with pytest.raises(ValueError, match="DataLoader: batch_size must be a positive int; got 0"):
        DataLoader(_ds(), batch_size=0)
    with pytest.raises(TypeError, match="DataLoader: the dataset must define __len__ and __getitem__"):
        DataLoader(3)


def test_load_digits():
    X, y = nn.datasets.load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0 and X.max() == 16
    assert sorted(set(y.tolist())) == list(range(10))
    Xi, _ = nn.datasets.load_digits(as_images=True)
    assert Xi.shape == (1797, 1, 8, 8)
    np.testing.assert_array_equal(Xi.reshape(1797, 64), X)


def _idx_bytes(arr, code):
    header = bytes([0, 0, code, arr.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in arr.shape)
    return header + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


@pytest.mark.parametrize("dtype,code", [(np.uint8, 0x08), (np.int8, 0x09), (np.int16, 0x0B), (np.int32, 0x0C),
                                        (np.float32, 0x0D), (np.float64, 0x0E)])
@pytest.mark.parametrize("compressed", [False, True])
def test_read_idx_roundtrip(tmp_path, dtype, code, compressed):
    arr = (np.arange(2 * 3 * 4) - 5).reshape(2, 3, 4).astype(dtype) if dtype != np.uint8 else \
        np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    data = _idx_bytes(arr, code)
    path = tmp_path / ("a.idx.gz" if compressed else "a.idx")
    path.write_bytes(gzip.compress(data) if compressed else data)
    out = nn.datasets.read_idx(path)
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    np.testing.assert_array_equal(out, arr)
    labels = np.array([5, 0, 4, 1], dtype=np.uint8)
    (tmp_path / "l.idx").write_bytes(_idx_bytes(labels, 0x08))
    np.testing.assert_array_equal(nn.datasets.read_idx(str(tmp_path / "l.idx")), labels)


def test_read_idx_damaged_and_foreign(tmp_path):
    good = _idx_bytes(np.arange(6, dtype=np.uint8).reshape(2, 3), 0x08)
    cases = {
        "trunc.idx": (good[:-1], r"read_idx: trunc.idx is damaged: its data has 5 bytes; expected 6 bytes"),
        "long.idx": (good + b"\x00", r"read_idx: long.idx is damaged: its data has 7 bytes"),
        "png.idx": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, r"read_idx: png.idx is not an IDX file"),
        "code.idx": (bytes([0, 0, 0x42, 1, 0, 0, 0, 1, 7]), r"read_idx: code.idx has an unknown type code; got 0x42"),
        "short.idx": (b"\x00\x00", r"read_idx: short.idx is too short for an IDX header"),
        "hdr.idx": (bytes([0, 0, 8, 3, 0, 0, 0, 1]), r"read_idx: hdr.idx is truncated in its header"),
        "bad.gz": (gzip.compress(good)[:-6], r"read_idx: bad.gz is a damaged gzip file"),
    }
    for name, (data, match) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ValueError, match=match):
            nn.datasets.read_idx(tmp_path / name)
    with pytest.raises(FileNotFoundError):
        nn.datasets.read_idx(tmp_path / "missing.idx")


def _epoch(dl):
    return [tuple(t.tolist() for t in b) for b in dl]


def test_loader_state_dict_restores_next_epochs():
    dl = DataLoader(_ds(20), batch_size=6, shuffle=True, seed=7)
    _epoch(dl)
    state = dl.state_dict()
    assert set(state) == {"generator"} and state["generator"]["bit_generator"] == "PCG64"
    expected = [_epoch(dl), _epoch(dl)]
    # another loader (other seed, already used) restored from the state yields the same epochs
    other = DataLoader(_ds(20), batch_size=6, shuffle=True, seed=99)
    _epoch(other)
    assert other.load_state_dict(state) is None
    assert [_epoch(other), _epoch(other)] == expected
    assert expected[0] != expected[1]
    # the state is a snapshot: iterating afterwards does not change it, and it can be loaded again
    again = DataLoader(_ds(20), batch_size=6, shuffle=True, seed=0)
    again.load_state_dict(state)
    assert _epoch(again) == expected[0]
    # taken during an epoch (after its first batch): the restored loader starts at the next epoch
    it = iter(dl)
    next(it)
    mid = dl.state_dict()
    rest = list(it)
    assert len(rest) == 3
    restored = DataLoader(_ds(20), batch_size=6, shuffle=True, seed=1)
    restored.load_state_dict(mid)
    assert _epoch(restored) == _epoch(dl)


def test_loader_state_dict_survives_save_load(tmp_path):
    dl = DataLoader(_ds(12), batch_size=5, shuffle=True, seed=2)
    _epoch(dl)
    path = str(tmp_path / "loader.npz")
    nn.save({"loader": dl.state_dict()}, path)
    restored = DataLoader(_ds(12), batch_size=5, shuffle=True, seed=0)
    restored.load_state_dict(nn.load(path)["loader"])
    assert _epoch(restored) == _epoch(dl)


def test_loader_state_dict_without_seed_and_errors():
    unseeded = DataLoader(_ds(), batch_size=4, shuffle=True)
    assert unseeded.state_dict() == {"generator": None}
    unseeded.load_state_dict({"generator": None})
    seeded = DataLoader(_ds(), batch_size=4, shuffle=True, seed=0)
    with pytest.raises(ValueError, match=r"DataLoader.load_state_dict: this loader has no generator of its own "
                                         r"\(seed=None\); got a generator state"):
        unseeded.load_state_dict(seeded.state_dict())
    with pytest.raises(ValueError, match="DataLoader.load_state_dict: this loader has its own generator"):
        seeded.load_state_dict({"generator": None})
    with pytest.raises(TypeError, match=r"DataLoader.load_state_dict: expected a dict with the key 'generator'"):
        seeded.load_state_dict(seeded.state_dict()["generator"])
    with pytest.raises(ValueError, match="DataLoader.load_state_dict: the generator state does not fit"):
        seeded.load_state_dict({"generator": np.random.Generator(np.random.MT19937(0)).bit_generator.state})


def test_read_idx_declared_sizes_checked_before_allocating(tmp_path):
    """Declared sizes are Python ints checked against the data: 65536**4 elements overflow int64 to
    0 (and 2**40 bytes would be a MemoryError); a gzip stream is never decompressed past them."""
    cases = {
        "wrap.idx": bytes([0, 0, 8, 4]) + (65536).to_bytes(4, "big") * 4,  # 2**64 elements, no data
        "huge.idx": bytes([0, 0, 0x0E, 2]) + (2 ** 20).to_bytes(4, "big") * 2 + b"\x00" * 16,
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        (tmp_path / (name + ".gz")).write_bytes(gzip.compress(data))
    for name in ("wrap.idx", "wrap.idx.gz"):
        with pytest.raises(ValueError, match=rf"read_idx: {name} is damaged: its data has 0 bytes; expected "
                                             rf"{2 ** 64} bytes for shape \(65536, 65536, 65536, 65536\) of uint8\."):
            nn.datasets.read_idx(tmp_path / name)
    for name in ("huge.idx", "huge.idx.gz"):
        with pytest.raises(ValueError, match=rf"read_idx: {name} is damaged: its data has 16 bytes; expected "
                                             rf"{2 ** 43} bytes"):
            nn.datasets.read_idx(tmp_path / name)
    # extra data after the declared array inside a gzip stream is counted, not kept
    good = _idx_bytes(np.arange(6, dtype=np.uint8).reshape(2, 3), 0x08)
    (tmp_path / "long.gz").write_bytes(gzip.compress(good + b"\x00" * 3_000_000))
    with pytest.raises(ValueError, match=r"read_idx: long.gz is damaged: its data has 3000006 bytes; expected 6"):
        nn.datasets.read_idx(tmp_path / "long.gz")


def test_loader_batches_are_copies_never_views():
    """PyTorch's collate stacks copies: `xb.mul_(0.5)` in a loop must leave the dataset as it was."""
    X = np.arange(20, dtype=np.float32).reshape(10, 2)
    ds = TensorDataset(X.copy(), np.arange(10))
    for shuffle in (False, True):
        for xb, yb in DataLoader(ds, batch_size=4, shuffle=shuffle, seed=0):
            xb.data *= 0.5
            yb.detach().numpy()[...] = -1
            assert not np.shares_memory(xb.detach().numpy(), ds.tensors[0].detach().numpy())
        np.testing.assert_array_equal(ds.tensors[0].detach().numpy(), X)
        np.testing.assert_array_equal(ds.tensors[1].detach().numpy(), np.arange(10))
    xb, = next(iter(DataLoader(TensorDataset(X), batch_size=10)))  # one batch of everything: a copy too
    assert not np.shares_memory(xb.detach().numpy(), X) and xb.detach().numpy().flags.writeable


def test_loader_ragged_samples_and_bad_seeds_raise():
    class Ragged:
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return np.full(i + 1, float(i)), i  # sample i has i + 1 values

    with pytest.raises(ValueError, match=r"DataLoader: samples 0 and 1 have different shapes at sample\[0\]; "
                                         r"got \(1,\) and \(2,\), expected one shape"):
        list(DataLoader(Ragged(), batch_size=3))
    assert [b[1].tolist() for b in DataLoader(Ragged(), batch_size=1)] == [[0], [1], [2]]

    class Uneven:
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return (1.0, 2.0) if i == 0 else (1.0,)  # today the second sample was truncated silently

    with pytest.raises(ValueError, match=r"DataLoader: samples 0 and 1 differ in structure at sample; "
                                         r"got a tuple of 2 and a tuple of 1"):
        list(DataLoader(Uneven(), batch_size=2))
    with pytest.raises(ValueError, match=r"TensorDataset: tensor 0 cannot be made a Tensor .*; expected an array "
                                         r"of one shape \(N, \.\.\.\)\. Hint: pad ragged samples"):
        TensorDataset([[1.0, 2.0], [3.0]])
    for seed in (-1, 1.5, "0", True):
        with pytest.raises(ValueError, match=rf"DataLoader: seed must be None or a non-negative int; got "
                                             rf"{re.escape(repr(seed))}"):
            DataLoader(_ds(), shuffle=True, seed=seed)
    assert list(DataLoader(_ds(4), batch_size=4, shuffle=True, seed=np.int64(3)))  # numpy ints are ints


def test_num_workers_is_accepted_and_gives_the_same_batches():
    import autograd as ag
    x = np.arange(20.0).reshape(10, 2)
    y = np.arange(10)
    ds = nn.data.TensorDataset(ag.tensor(x), ag.tensor(y))
    plain = [tuple(t.numpy().copy() for t in b) for b in nn.data.DataLoader(ds, batch_size=3, shuffle=True, seed=5)]
    for workers in (1, 4):
        loader = nn.data.DataLoader(ds, batch_size=3, shuffle=True, seed=5, num_workers=workers, pin_memory=True,
                                    persistent_workers=True)
        got = [tuple(t.detach().numpy() for t in b) for b in loader]
        assert len(got) == len(plain) == 4
        for a, b in zip(got, plain):
            np.testing.assert_array_equal(a[0], b[0])
            np.testing.assert_array_equal(a[1], b[1])
    with pytest.raises(ValueError, match="DataLoader: num_workers option should be non-negative; got -1"):
        nn.data.DataLoader(ds, num_workers=-1)
