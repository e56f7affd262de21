"""Real data without downloads: the UCI handwritten digits (through scikit-learn) and a
reader for MNIST's IDX files on local disk."""
import gzip
import math
import os
import zlib

import numpy as np

# IDX type codes (third header byte) → big-endian numpy dtypes.
_IDX_DTYPES = {0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
               0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def load_digits(as_images=False):
    """The 1,797 UCI handwritten digits, 8 × 8 pixels with values 0…16, ten classes.

    Loaded through ``sklearn.datasets.load_digits`` (shipped with scikit-learn, no download).
    Source: E. Alpaydin, C. Kaynak, "Optical Recognition of Handwritten Digits", UCI ML
    repository (1998).

    Args:
        as_images (bool): return X as (1797, 1, 8, 8) images (N, C, H, W) instead of rows.

    Returns:
        tuple (X, y): X float32 (1797, 64) (or (1797, 1, 8, 8)) with values in [0, 16];
        y int64 (1797,) with labels 0…9.

    Raises:
        ImportError: if scikit-learn is not installed (with the pip command to fix it).
    """
    try:
        from sklearn.datasets import load_digits as _sk_load_digits
    except ImportError:
        raise ImportError("load_digits: scikit-learn is required; install it with "
                          "`pip install scikit-learn` (or `pip install -e '.[examples]'`).") from None
    bunch = _sk_load_digits()
    X = np.asarray(bunch.data, dtype=np.float32)
    y = np.asarray(bunch.target, dtype=np.int64)
    if as_images:
        X = X.reshape(-1, 1, 8, 8)
    return X, y


def read_idx(path):
    """Read an IDX file (the MNIST format), plain or gzip-compressed.

    Format: two zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
    0x0D float32, 0x0E float64), the number of dimensions n, then n big-endian uint32
    sizes, then the values in row-major order, big-endian
    (http://yann.lecun.com/exdb/mnist/).

    Args:
        path (str or os.PathLike): the file (``.gz`` or gzip magic → decompressed).

    Returns:
        np.ndarray of the stored shape, in native byte order (uint8 for MNIST images/labels).

    Raises:
        FileNotFoundError: if the file does not exist.
        ValueError: for a damaged or foreign file (bad magic, unknown type code, truncated or
            oversized data, broken gzip stream), naming the file and the problem.
    """
    path = os.fspath(path)
    name = os.path.basename(path)
    with open(path, "rb") as f:
        if f.read(2) == b"\x1f\x8b":  # gzip: decompressed as a stream, never more than the header declares
            f.seek(0)
            try:
                with gzip.GzipFile(fileobj=f) as z:
                    return _read_idx_stream(z, name, None)
            except (OSError, EOFError, zlib.error) as e:
                raise ValueError(f"read_idx: {name} is a damaged gzip file ({e}); expected a gzip-compressed IDX "
                                 f"file.") from None
        f.seek(0)
        return _read_idx_stream(f, name, os.fstat(f.fileno()).st_size)


def _read_idx_stream(f, name, size):
    """The IDX array read from the binary stream `f` (`size` bytes in all, or None if unknown).
    Declared sizes are checked against the data before anything of that size is allocated."""
    raw = f.read(4)
    if len(raw) < 4:
        raise ValueError(f"read_idx: {name} is too short for an IDX header; got {len(raw)} bytes, expected at least 4.")
    if raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"read_idx: {name} is not an IDX file; got magic bytes {raw[:4].hex()}, "
                         f"expected 0000 followed by a type code and a dimension count.")
    code, ndim = raw[2], raw[3]
    if code not in _IDX_DTYPES:
        raise ValueError(f"read_idx: {name} has an unknown type code; got 0x{code:02x}, expected one of "
                         f"{', '.join(f'0x{c:02x}' for c in _IDX_DTYPES)}.")
    header = 4 + 4 * ndim
    raw += f.read(4 * ndim)
    if len(raw) < header:
        raise ValueError(f"read_idx: {name} is truncated in its header; got {len(raw)} bytes, expected at least "
                         f"{header} for {ndim} dimensions.")
    shape = tuple(int.from_bytes(raw[4 + 4 * k:8 + 4 * k], "big") for k in range(ndim))
    dtype = _IDX_DTYPES[code]
    expected = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
    if size is not None:
        got = size - header
    else:  # read at most what is declared, then count (and drop) whatever follows
        chunks, got = [], 0
        while chunk := f.read(1 << 20):  # in chunks: a false declared size allocates nothing
            if got < expected:
                chunks.append(chunk)
            got += len(chunk)
        data = b"".join(chunks)
    if got != expected:
        raise ValueError(f"read_idx: {name} is damaged: its data has {got} bytes; expected {expected} bytes for "
                         f"shape {shape} of {dtype.name}.")
    if size is not None:
        data = f.read(expected)
        if len(data) != expected:
            raise ValueError(f"read_idx: {name} changed while it was read; got {len(data)} bytes of data, "
                             f"expected {expected}.")
    return np.frombuffer(data, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))
