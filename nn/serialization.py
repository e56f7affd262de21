"""`save` / `load`: checkpoints without pickle.

A checkpoint is a nested structure of dicts (str, int, float, bool or None keys), lists,
tuples, Tensors, ndarrays, numbers, strings and None — a model's ``state_dict()``, an
optimizer's ``state_dict()`` (int keys, ``param_groups`` lists of dicts), or both in one dict —
nested at most 100 levels deep and without reference cycles.

Formats (chosen by the file name; anything but ``.safetensors`` is written as ``.npz``):
* ``.npz`` (`numpy.savez`): every array is an entry ``a0, a1, …``; the structure is a JSON
  document stored as a uint8 array in the entry ``__tracegrad__``.
* ``.safetensors`` (https://github.com/huggingface/safetensors, written and read here with
  numpy alone): a flat dict of str → array (a model's ``state_dict()``) is stored under its own
  keys, so ``torch_model.load_state_dict(safetensors.torch.load_file(path))`` works; any other
  structure stores its arrays as ``a0, a1, …``. The JSON structure sits in the header metadata
  under ``tracegrad``. A file without it (e.g. from ``safetensors.torch.save_file``) loads as a
  flat dict of Tensors (BF16 tensors as float32, exactly).
Writes go through `autograd.fileio.atomic_write`: a temporary file next to the target,
fsync'ed and renamed over it, through symlinks, keeping the mode of the file it replaces.
`load` never unpickles and checks every declared size against the file before it allocates:
a damaged or crafted file is a ValueError, never a MemoryError or a RecursionError.
"""
import io
import json
import math
import os
import re
import stat
import zipfile

import numpy as np

from autograd.fileio import atomic_write
from autograd.tensor import Tensor

__all__ = ["save", "load"]

_META_KEY = "__tracegrad__"
_FORMAT = "tracegrad-checkpoint"
_VERSION = 1
_MAX_DEPTH = 100  # levels of dicts, lists and tuples; save refuses more, so load always reads back
_JSON_MAX_DEPTH = 3 * _MAX_DEPTH + 2  # the document's nesting for _MAX_DEPTH levels (a dict level is 3)
_BIG_INT_BITS = 14000  # ints wider than this are written in hex (Python limits decimal str() to 4300 digits)
_EXIT = object()  # stack marker: leaving a container (cycle detection)
_ARRAYS = (Tensor, np.ndarray, np.generic)

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
    """Structure of `obj` as JSON-able nodes; arrays are appended to `arrays` (iteratively).
    Raises ValueError for a structure that contains itself or nests deeper than _MAX_DEPTH."""
    root = [None]
    active = {}  # id → path of each container on the current path (a shared, acyclic one is fine)
    stack = [(obj, root, 0, "obj", 0)]
    while stack:
        value, parent, slot, where, depth = stack.pop()
        if value is _EXIT:
            del active[parent]
        elif isinstance(value, _ARRAYS):
            arr = np.asarray(value)
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
            wide = value.bit_length() > _BIG_INT_BITS
            parent[slot] = {"t": "int", "x": hex(value)} if wide else {"t": "int", "v": str(value)}
        elif isinstance(value, float):
            parent[slot] = {"t": "float", "v": repr(value)}
        elif isinstance(value, str):
            parent[slot] = {"t": "str", "v": value}
        elif isinstance(value, (dict, list, tuple)):
            if id(value) in active:
                raise ValueError(f"save: {where} is {active[id(value)]} again (a structure that contains itself); "
                                 f"expected dicts, lists and tuples without reference cycles.")
            if depth >= _MAX_DEPTH:
                raise ValueError(f"save: {where} nests more than {_MAX_DEPTH} levels of dicts, lists and tuples; "
                                 f"expected at most {_MAX_DEPTH}. Hint: flatten the structure.")
            active[id(value)] = where
            stack.append((_EXIT, id(value), None, None, None))
            if isinstance(value, dict):
                items = []
                parent[slot] = {"t": "dict", "k": items}
                for k, v in value.items():
                    items.append([_encode_key(k, where), None])
                    stack.append((v, items[-1], 1, f"{where}[{k!r}]", depth + 1))
            else:
                vals = [None] * len(value)
                parent[slot] = {"t": "list" if isinstance(value, list) else "tuple", "v": vals}
                for i, v in enumerate(value):
                    stack.append((v, vals, i, f"{where}[{i}]", depth + 1))
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
    """Inverse of `_encode` (iterative, tuples included); arrays become Tensors (no grad)."""
    root = [None]
    stack = [(node, root, 0)]
    while stack:
        n, parent, slot = stack.pop()
        if n is _EXIT:  # all items of a tuple are decoded: build it
            vals, (parent, slot) = parent, slot
            parent[slot] = tuple(vals)
            continue
        t = n["t"]
        if t == "array":
            parent[slot] = Tensor(arrays[n["a"]])
        elif t == "none":
            parent[slot] = None
        elif t == "bool":
            parent[slot] = bool(n["v"])
        elif t == "int":
            parent[slot] = int(n["x"], 16) if "x" in n else int(n["v"])
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
            else:  # tuples are immutable: this marker builds it once its items are decoded
                stack.append((_EXIT, vals, (parent, slot)))
            for i, v in enumerate(n["v"]):
                stack.append((v, vals, i))
        else:
            raise ValueError(f"unknown node type {t!r}")
    return root[0]


def _json_depth(text):
    """How deeply `text` (JSON) nests arrays and objects, counted without parsing it (json's
    parser recurses, so a crafted document must be measured first)."""
    skeleton = _JSON_STRING.sub("", text).encode("utf-8", "surrogatepass")
    b = np.frombuffer(skeleton, dtype=np.uint8)
    opens = (b == ord("[")) | (b == ord("{"))
    marks = np.flatnonzero(opens | (b == ord("]")) | (b == ord("}")))
    steps = np.where(opens[marks], 1, -1).astype(np.int32)
    return int(np.cumsum(steps).max(initial=0))


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')


def _parse_json(path, text, what):
    """`text` parsed as JSON, or ValueError naming `path` (too deep, malformed)."""
    depth = _json_depth(text)
    if depth > _JSON_MAX_DEPTH:
        raise _bad(path, f"has a damaged {what} (JSON nested {depth} levels deep); expected at most "
                         f"{_JSON_MAX_DEPTH}, as nn.save writes")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as e:
        raise _bad(path, f"has a damaged {what} ({e}); expected a file written by nn.save") from None


# -- safetensors (the format: 8-byte little-endian header size, JSON header, data) ----------
_ST_DTYPES = {"F64": np.dtype("<f8"), "F32": np.dtype("<f4"), "F16": np.dtype("<f2"), "I64": np.dtype("<i8"),
              "I32": np.dtype("<i4"), "I16": np.dtype("<i2"), "I8": np.dtype("i1"), "U64": np.dtype("<u8"),
              "U32": np.dtype("<u4"), "U16": np.dtype("<u2"), "U8": np.dtype("u1"), "BOOL": np.dtype("?")}
_ST_NAMES = {dt: name for name, dt in _ST_DTYPES.items()}
_ST_MAX_HEADER = 100_000_000  # the reference implementation's limit


def _little_endian(arr):
    return arr.astype(arr.dtype.newbyteorder("<"), copy=False)


def _write_safetensors(f, arrays, metadata):
    """Write `arrays` (name → C-contiguous ndarray) and `metadata` (str → str) to `f`."""
    header, offset, order = {"__metadata__": metadata}, 0, []
    for name, arr in sorted(arrays.items(), key=lambda kv: -kv[1].dtype.itemsize):  # keeps each one aligned
        arr = _little_endian(arr)
        code = _ST_NAMES.get(arr.dtype)
        if code is None:
            raise TypeError(f"save: .safetensors cannot store dtype {arr.dtype.name} (array {name!r}); expected one "
                            f"of {', '.join(dt.name for dt in _ST_DTYPES.values())}. Hint: save as .npz.")
        header[name] = {"dtype": code, "shape": list(arr.shape), "data_offsets": [offset, offset + arr.nbytes]}
        offset += arr.nbytes
        order.append(arr)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned
    f.write(len(text).to_bytes(8, "little"))
    f.write(text)
    for arr in order:
        f.write(arr.reshape(-1).view(np.uint8))  # C-contiguous: the array's own bytes, no copy


def _load_safetensors(path, blob):
    n = int.from_bytes(blob[:8], "little")
    if n > len(blob) - 8 or n > _ST_MAX_HEADER:
        raise _bad(path, f"is truncated (header of {n} bytes, file of {len(blob)}); expected a complete "
                         f".safetensors file")
    try:
        text = blob[8:8 + n].decode("utf-8")
    except UnicodeDecodeError:
        raise _bad(path, "is a damaged .safetensors file (its header is not UTF-8); expected a complete file") from None
    header = _parse_json(path, text, ".safetensors header")
    if not isinstance(header, dict):
        raise _bad(path, f"is a damaged .safetensors file (header is a {type(header).__name__}); expected an object")
    meta = header.pop("__metadata__", None) or {}
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise _bad(path, "is a damaged .safetensors file (__metadata__ is not a map of strings); expected one")
    start, size = 8 + n, len(blob) - 8 - n
    arrays = {}
    for name, info in header.items():
        arrays[name] = _safetensors_array(path, blob, start, size, name, info)
    if "tracegrad" in meta:
        return _from_document(path, meta["tracegrad"], arrays)
    return {name: Tensor(a) for name, a in arrays.items()}


def _safetensors_array(path, blob, start, size, name, info):
    """Tensor `name` of a safetensors file, its declared dtype, shape and offsets checked
    against the `size` bytes of data at `blob[start:]` before anything is allocated."""
    try:
        code, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        if not all(type(v) is int and v >= 0 for v in [*shape, begin, end]):
            raise TypeError
    except (TypeError, KeyError, ValueError):
        raise _bad(path, f"is a damaged .safetensors file (entry {name!r} is {info!r}); expected dtype, shape "
                         f"and data_offsets") from None
    dtype = np.dtype("<u2") if code == "BF16" else _ST_DTYPES.get(code)
    if dtype is None:
        raise _bad(path, f"holds tensor {name!r} of dtype {code!r}, which numpy cannot represent; expected one "
                         f"of {', '.join(_ST_DTYPES)} or BF16")
    count = math.prod(shape)
    if not begin <= end <= size or end - begin != count * dtype.itemsize:
        raise _bad(path, f"is truncated or damaged: tensor {name!r} of shape {tuple(shape)} and dtype {code} "
                         f"declares bytes [{begin}, {end}) of {size}; expected {count * dtype.itemsize} bytes "
                         f"inside the data")
    arr = np.frombuffer(blob, dtype=dtype, count=count, offset=start + begin).reshape(shape)
    if code == "BF16":  # bfloat16 is the top half of a float32: exact
        return (arr.astype(np.uint32) << 16).view(np.float32)
    return arr.astype(dtype.newbyteorder("="))  # a native, writable copy


# -- writing -------------------------------------------------------------------------------
def _keys_as_names(obj):
    """Whether `obj` is a flat dict of str → array that safetensors can store under its keys."""
    return (isinstance(obj, dict) and len(obj) > 0 and "__metadata__" not in obj
            and all(type(k) is str for k in obj) and all(isinstance(v, _ARRAYS) for v in obj.values()))


def save(obj, path):
    """Write a nested checkpoint to `path` atomically, without pickle.

    Args:
        obj: nested dicts (keys str/int/float/bool/None), lists, tuples, Tensors, ndarrays
            (bool, integer or floating), numbers, strings and None — e.g. a model's or an
            optimizer's ``state_dict()`` — at most 100 levels deep, without reference cycles.
        path (str or PathLike): the file name, used as given; ``.safetensors`` selects the
            safetensors format (a flat dict of str → array is stored under its own keys, as
            PyTorch's ``safetensors.torch.load_file`` expects), anything else is an ``.npz``.
            A symlink is written through to its target; an existing file keeps its mode.

    Raises:
        TypeError: for a value or key of another type, or an object-dtype array.
        ValueError: if `obj` contains itself (a reference cycle) or nests more than 100 levels
            of dicts, lists and tuples (nothing is written).
        PermissionError: if `path` is a read-only file (it is kept).
        IsADirectoryError, OSError: if `path` is a directory, a device node, a fifo or a socket,
            or the file cannot be written (the previous file at `path`, if any, is kept and no
            temporary file is left).
    """
    arrays = {}
    structure = _encode(obj, arrays)
    safetensors = os.fspath(path).endswith(".safetensors")
    if safetensors and _keys_as_names(obj):
        named = {}
        for (_, key), node in structure["k"]:
            named[key] = arrays[node["a"]]
            node["a"] = key
        arrays = named
    doc = json.dumps({"format": _FORMAT, "version": _VERSION, "root": structure}, separators=(",", ":"))
    if safetensors:
        atomic_write(path, lambda f: _write_safetensors(f, arrays, {"tracegrad": doc}), "save")
    else:
        arrays[_META_KEY] = np.frombuffer(doc.encode("utf-8"), dtype=np.uint8)
        atomic_write(path, lambda f: np.savez(f, **arrays), "save")


# -- reading -------------------------------------------------------------------------------
def _bad(path, what):
    return ValueError(f"load: {os.fspath(path)!r} {what}.")


def _from_document(path, doc, arrays):
    meta = _parse_json(path, doc, "tracegrad structure")
    try:
        if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
            raise ValueError("not a tracegrad document")
        if meta.get("version") != _VERSION:
            raise ValueError(f"unsupported version {meta.get('version')!r}")
        return _decode(meta["root"], arrays)
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as e:
        raise _bad(path, f"has a damaged tracegrad structure ({e}); expected a file written by nn.save") from None


_DEFLATE_MAX_RATIO = 1032  # deflate never expands data more than this (RFC 1951's longest match per bit)


def _npz_array(path, zf, info, archive_size):
    """One .npy entry of an .npz archive, its declared sizes checked against the archive
    before the array is allocated; ValueError naming `path` if anything does not fit."""
    entry = info.filename
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _bad(path, f"stores {entry!r} with zip compression method {info.compress_type}; expected stored "
                         f"or deflated entries, as numpy.savez writes")
    limit = info.compress_size * (1 if info.compress_type == zipfile.ZIP_STORED else _DEFLATE_MAX_RATIO) + 64
    if info.compress_size > archive_size or info.file_size > limit:
        raise _bad(path, f"is damaged: entry {entry!r} declares {info.file_size} bytes from {info.compress_size} "
                         f"compressed in an archive of {archive_size}; expected sizes that fit the file")
    with zf.open(info) as f:
        version = np.lib.format.read_magic(f)
        if version not in ((1, 0), (2, 0)):
            raise ValueError(f"unsupported .npy format version {version}")
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
            np.lib.format.read_array_header_2_0
        shape, _, dtype = read_header(f)
        if dtype.hasobject:
            raise _bad(path, "holds pickled object arrays; refusing to unpickle, expected numeric arrays")
        if dtype.kind not in "biufc":
            raise _bad(path, f"holds {entry!r} of dtype {dtype}; expected numeric arrays")
        nbytes = math.prod(shape) * dtype.itemsize
        if info.file_size != f.tell() + nbytes:
            raise _bad(path, f"is damaged: entry {entry!r} of shape {shape} and dtype {dtype} needs "
                             f"{f.tell() + nbytes} bytes, the archive declares {info.file_size}; expected them equal")
    with zf.open(info) as f:  # sizes are known to fit: let numpy read it
        arr = np.lib.format.read_array(f, allow_pickle=False)
        if f.read(1):  # also reaches the end of the entry, where zipfile checks its CRC
            raise ValueError("trailing data after the array")
    return arr if arr.dtype.isnative else arr.astype(arr.dtype.newbyteorder("="))


def _load_npz(path, blob):
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as zf:
            infos = zf.infolist()
            if any(i.filename.endswith(".pkl") or not i.filename.endswith(".npy") for i in infos):
                raise _bad(path, "is a zip archive that is not a numpy .npz (it holds non-array entries, e.g. a "
                                 "pickled PyTorch checkpoint); refusing to unpickle. Hint: convert it with numpy "
                                 "arrays")
            arrays = {i.filename[:-4]: _npz_array(path, zf, i, len(blob)) for i in infos}
    except zipfile.BadZipFile as e:
        if "CRC" in str(e):
            raise _bad(path, f"is damaged (CRC error: {e}); expected a complete .npz archive") from None
        raise _bad(path, f"is damaged or truncated ({e}); expected a complete .npz archive") from None
    except (ValueError, OSError, EOFError, RuntimeError, zipfile.LargeZipFile, NotImplementedError) as e:
        # (zipfile raises RuntimeError for an entry flagged as encrypted)
        if str(e).startswith("load: "):
            raise
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


def load(path):
    """Read a checkpoint written by `save` (or a plain ``.npz`` / ``.safetensors`` of arrays).

    Args:
        path (str or PathLike): the file.

    Returns:
        The saved structure with every array as a Tensor (requires_grad=False), dtypes and
        shapes preserved, dict key types (int, str, …) and tuples kept. A plain ``.npz`` or
        ``.safetensors`` of arrays not written by `save` (e.g. PyTorch's
        ``safetensors.torch.save_file(model.state_dict(), path)``) gives a flat dict
        name → Tensor; BF16 tensors become float32 (exactly).

    Raises:
        FileNotFoundError: if `path` does not exist.
        ValueError: for a path that is not a regular file (a fifo, a device), a truncated,
            damaged or crafted file (sizes that do not fit the file,
            documents nested deeper than `save` writes), a foreign format, or a pickle-bearing
            file (a pickle, a PyTorch ``.pt``/``.pth`` zip, an object array): nothing is
            unpickled, and nothing larger than the file declares consistently is allocated.
    """
    if not stat.S_ISREG(os.stat(path).st_mode):  # a fifo would block, a device never end
        raise _bad(path, "is not a regular file (a directory, device, fifo or socket); expected a checkpoint file")
    with open(path, "rb") as f:
        blob = f.read()
    if blob[:2] == b"PK":
        return _load_npz(path, blob)
    if blob[:1] == b"\x80" and blob[8:9] != b"{":
        raise _bad(path, "is a Python pickle; refusing to unpickle (arbitrary code). Hint: save with nn.save")
    if len(blob) >= 9 and blob[8:9] == b"{":
        return _load_safetensors(path, blob)
    if blob[:6] == b"\x93NUMPY":
        raise _bad(path, "is a single .npy array; expected an .npz archive or .safetensors file from nn.save")
    if not blob:
        raise _bad(path, "is empty; expected a checkpoint written by nn.save")
    raise _bad(path, "is not a checkpoint (unknown format); expected an .npz or .safetensors file from nn.save")
