"""`save` / `load`: checkpoints without pickle.

A checkpoint is a nested structure of dicts (str, int, float, bool or None keys), lists,
tuples, Tensors, ndarrays, numbers, strings and None — a model's ``state_dict()``, an
optimizer's ``state_dict()`` (int keys, ``param_groups`` lists of dicts), or both in one dict.

Formats (chosen by the file name; anything but ``.safetensors`` is written as ``.npz``):
* ``.npz`` (`numpy.savez`): every array is an entry ``a0, a1, …``; the structure is a JSON
  document stored as a uint8 array in the entry ``__tracegrad__``.
* ``.safetensors`` (`safetensors.numpy`): arrays as tensors ``a0, a1, …``; the JSON structure
  in the header metadata under ``tracegrad``.
Writes are atomic: a temporary file in the destination's directory is written, flushed,
fsync'ed and then renamed over `path` with `os.replace`, so a crash never leaves a
half-written checkpoint. `load` never unpickles (``np.load(allow_pickle=False)``).
"""
import json
import os
import tempfile
import zipfile

import numpy as np

from autograd.tensor import Tensor

__all__ = ["save", "load"]

_META_KEY = "__tracegrad__"
_FORMAT = "tracegrad-checkpoint"
_VERSION = 1


# -- encoding ------------------------------------------------------------------------------
def _encode_key(key, where):
    if isinstance(key, bool):
        return ["bool", key]
    if isinstance(key, (int, np.integer)):
        return ["int", int(key)]
    if isinstance(key, str):
        return ["str", key]
    if isinstance(key, (float, np.floating)):
        return ["float", repr(float(key))]
    if key is None:
        return ["none", None]
    raise TypeError(f"save: dict keys must be str, int, float, bool or None; got {type(key).__name__} at {where}.")


def _encode(obj, arrays):
    """Structure of `obj` as JSON-able nodes; arrays are appended to `arrays` (iteratively)."""
    root = [None]
    stack = [(obj, root, 0, "obj")]
    while stack:
        value, parent, slot, where = stack.pop()
        if isinstance(value, (Tensor, np.ndarray, np.generic)):
            arr = value.data if isinstance(value, Tensor) else np.asarray(value)
            if arr.dtype.kind not in "biuf":
                raise TypeError(f"save: arrays must be bool, integer or floating; got dtype {arr.dtype.name} at "
                                f"{where}, expected a numeric dtype (no pickled objects).")
            name = f"a{len(arrays)}"
            arrays[name] = arr if arr.flags.c_contiguous else np.array(arr, order="C")
            parent[slot] = {"t": "array", "a": name}
        elif value is None:
            parent[slot] = {"t": "none"}
        elif isinstance(value, bool):
            parent[slot] = {"t": "bool", "v": value}
        elif isinstance(value, int):
            parent[slot] = {"t": "int", "v": str(value)}
        elif isinstance(value, float):
            parent[slot] = {"t": "float", "v": repr(value)}
        elif isinstance(value, str):
            parent[slot] = {"t": "str", "v": value}
        elif isinstance(value, dict):
            items = []
            node = {"t": "dict", "k": items}
            parent[slot] = node
            for k, v in value.items():
                items.append([_encode_key(k, where), None])
                stack.append((v, items[-1], 1, f"{where}[{k!r}]"))
        elif isinstance(value, (list, tuple)):
            vals = [None] * len(value)
            parent[slot] = {"t": "list" if isinstance(value, list) else "tuple", "v": vals}
            for i, v in enumerate(value):
                stack.append((v, vals, i, f"{where}[{i}]"))
        else:
            hint = " Hint: save its state_dict()." if hasattr(value, "state_dict") else ""
            raise TypeError(f"save: cannot store a {type(value).__name__} at {where}; expected dicts, lists, tuples, "
                            f"Tensors, ndarrays, numbers, strings or None.{hint}")
    return root[0]


def _decode_key(enc):
    kind, v = enc
    if kind == "str":
        return str(v)
    if kind == "int":
        return int(v)
    if kind == "bool":
        return bool(v)
    if kind == "float":
        return float(v)
    if kind == "none":
        return None
    raise ValueError(f"unknown key kind {kind!r}")


def _decode(node, arrays):
    """Inverse of `_encode` (iterative); arrays become Tensors (no grad)."""
    root = [None]
    stack = [(node, root, 0)]
    while stack:
        n, parent, slot = stack.pop()
        t = n["t"]
        if t == "array":
            parent[slot] = Tensor(arrays[n["a"]])
        elif t == "none":
            parent[slot] = None
        elif t == "bool":
            parent[slot] = bool(n["v"])
        elif t == "int":
            parent[slot] = int(n["v"])
        elif t == "float":
            parent[slot] = float(n["v"])
        elif t == "str":
            parent[slot] = str(n["v"])
        elif t == "dict":
            keys = [_decode_key(k) for k, _ in n["k"]]
            out = dict.fromkeys(keys)
            parent[slot] = out
            for k, (_, v) in zip(keys, n["k"]):
                stack.append((v, out, k))
        elif t in ("list", "tuple"):
            vals = [None] * len(n["v"])
            if t == "list":
                parent[slot] = vals
                for i, v in enumerate(n["v"]):
                    stack.append((v, vals, i))
            else:  # tuples are immutable: decode the items first, then build the tuple
                holder = _decode_list(n["v"], arrays)
                parent[slot] = tuple(holder)
        else:
            raise ValueError(f"unknown node type {t!r}")
    return root[0]


def _decode_list(nodes, arrays):
    return [_decode(v, arrays) for v in nodes]


# -- writing -------------------------------------------------------------------------------
def _atomic_write(path, write):
    """Call ``write(fileobj)`` on a temp file next to `path`, fsync it, then os.replace it."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable where the platform allows it
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def save(obj, path):
    """Write a nested checkpoint to `path` atomically, without pickle.

    Args:
        obj: nested dicts (keys str/int/float/bool/None), lists, tuples, Tensors, ndarrays
            (bool, integer or floating), numbers, strings and None — e.g. a model's or an
            optimizer's ``state_dict()``.
        path (str or PathLike): the file name, used as given; ``.safetensors`` selects the
            safetensors format, anything else is an ``.npz`` archive.

    Raises:
        TypeError: for a value or key of another type, or an object-dtype array.
        OSError: if the file cannot be written (the previous file at `path`, if any, is kept).
    """
    arrays = {}
    structure = _encode(obj, arrays)
    doc = json.dumps({"format": _FORMAT, "version": _VERSION, "root": structure}, separators=(",", ":"))
    if os.fspath(path).endswith(".safetensors"):
        from safetensors.numpy import save as st_save
        blob = st_save(arrays, metadata={"tracegrad": doc})
        _atomic_write(path, lambda f: f.write(blob))
    else:
        arrays[_META_KEY] = np.frombuffer(doc.encode("utf-8"), dtype=np.uint8)
        _atomic_write(path, lambda f: np.savez(f, **arrays))


# -- reading -------------------------------------------------------------------------------
def _bad(path, what):
    return ValueError(f"load: {os.fspath(path)!r} {what}.")


def _from_document(path, doc, arrays):
    try:
        meta = json.loads(doc)
        if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
            raise ValueError("not a tracegrad document")
        if meta.get("version") != _VERSION:
            raise ValueError(f"unsupported version {meta.get('version')!r}")
        return _decode(meta["root"], arrays)
    except (ValueError, KeyError, TypeError, IndexError) as e:
        raise _bad(path, f"has a damaged tracegrad structure ({e}); expected a file written by nn.save") from None


def _load_npz(path):
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            bad = zf.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise _bad(path, f"is damaged or truncated ({e}); expected a complete .npz archive") from None
    if bad is not None:
        raise _bad(path, f"is damaged (CRC error in {bad!r}); expected a complete .npz archive")
    if any(n.endswith(".pkl") or not n.endswith(".npy") for n in names):
        raise _bad(path, "is a zip archive that is not a numpy .npz (it holds non-array entries, e.g. a pickled "
                         "PyTorch checkpoint); refusing to unpickle. Hint: convert it with numpy arrays")
    arrays = {}
    try:
        with np.load(path, allow_pickle=False) as data:
            for name in data.files:
                arrays[name] = data[name]
    except ValueError as e:
        if "pickle" in str(e).lower() or "object" in str(e).lower():
            raise _bad(path, "holds pickled object arrays; refusing to unpickle, expected numeric arrays") from None
        raise _bad(path, f"is damaged ({e}); expected a complete .npz archive") from None
    except (OSError, EOFError, zipfile.BadZipFile) as e:
        raise _bad(path, f"is damaged or truncated ({e}); expected a complete .npz archive") from None
    if _META_KEY in arrays:
        meta = arrays.pop(_META_KEY)
        if meta.dtype != np.uint8 or meta.ndim != 1:
            raise _bad(path, "has a damaged tracegrad structure entry; expected a file written by nn.save")
        try:
            doc = meta.tobytes().decode("utf-8")
        except UnicodeDecodeError:
            raise _bad(path, "has a damaged tracegrad structure entry; expected a file written by nn.save") from None
        return _from_document(path, doc, arrays)
    return {name: Tensor(a) for name, a in arrays.items()}


def _load_safetensors(path, blob):
    n = int.from_bytes(blob[:8], "little")
    if len(blob) < 8 + n:
        raise _bad(path, f"is truncated (header of {n} bytes, file of {len(blob)}); expected a complete "
                         f".safetensors file")
    try:
        header = json.loads(blob[8:8 + n].decode("utf-8"))
        from safetensors.numpy import load as st_load
        arrays = st_load(blob)
    except Exception as e:  # safetensors raises its own SafetensorError on damaged data
        raise _bad(path, f"is a damaged .safetensors file ({e}); expected a complete file") from None
    meta = header.get("__metadata__") or {}
    if "tracegrad" in meta:
        return _from_document(path, meta["tracegrad"], arrays)
    return {name: Tensor(a) for name, a in arrays.items()}


def load(path):
    """Read a checkpoint written by `save` (or a plain ``.npz`` / ``.safetensors`` of arrays).

    Args:
        path (str or PathLike): the file.

    Returns:
        The saved structure with every array as a Tensor (requires_grad=False), dtypes and
        shapes preserved, dict key types (int, str, …) and tuples kept. A plain ``.npz`` or
        ``.safetensors`` of arrays not written by `save` gives a flat dict name → Tensor.

    Raises:
        FileNotFoundError: if `path` does not exist.
        ValueError: for a truncated or damaged file, a foreign format, or a pickle-bearing file
            (a pickle, a PyTorch ``.pt``/``.pth`` zip, an object array): nothing is unpickled.
    """
    with open(path, "rb") as f:
        blob = f.read()
    if blob[:2] == b"PK":
        return _load_npz(path)
    if blob[:1] == b"\x80" and blob[8:9] != b"{":
        raise _bad(path, "is a Python pickle; refusing to unpickle (arbitrary code). Hint: save with nn.save")
    if len(blob) >= 9 and blob[8:9] == b"{":
        return _load_safetensors(path, blob)
    if blob[:6] == b"\x93NUMPY":
        raise _bad(path, "is a single .npy array; expected an .npz archive or .safetensors file from nn.save")
    if not blob:
        raise _bad(path, "is empty; expected a checkpoint written by nn.save")
    raise _bad(path, "is not a checkpoint (unknown format); expected an .npz or .safetensors file from nn.save")

