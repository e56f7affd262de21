"""nn.save / nn.load: round trips of nested structures (dtypes, shapes, int keys, tuples),
model and optimizer state dicts, both formats, atomic writes, and every bad-file case."""
import io
import json
import os
import pickle
import re
import stat
import zipfile

import numpy as np
import pytest

import autograd as ag
from nn.serialization import load, save


def _nested():
    return {
        "model": {"conv.weight": ag.Tensor(np.arange(24, dtype=np.float32).reshape(2, 3, 2, 2)),
                  "bn.num_batches_tracked": ag.Tensor(np.array(7, dtype=np.int64)),
                  "f64": np.linspace(0, 1, 5), "mask": np.array([True, False]),
                  "empty": np.zeros((0, 3), dtype=np.float32)},
        "optimizer": {"state": {0: {"step": 3, "exp_avg": np.ones(2, np.float32)}, 1: {}},
                      "param_groups": [{"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-8, "params": [0, 1],
                                        "amsgrad": False, "foreach": None, "name": "main"}]},
        "epoch": 12, "best": float("inf"), "nan": float("nan"), "tags": ["a", None, 2.5, -3],
        "big": 2 ** 70, 1.5: "float key", True: "bool key", None: "none key", "unicode": "β₂ ✓",
        "scalar": np.float32(0.25),
    }


def _check_nested(out):
    m = out["model"]
    assert isinstance(m["conv.weight"], ag.Tensor) and m["conv.weight"].dtype == np.float32
    np.testing.assert_array_equal(m["conv.weight"].data, np.arange(24).reshape(2, 3, 2, 2))
    assert m["bn.num_batches_tracked"].dtype == np.int64 and m["bn.num_batches_tracked"].shape == ()
    assert int(m["bn.num_batches_tracked"].item()) == 7
    assert m["f64"].dtype == np.float64 and m["mask"].dtype == np.bool_
    assert m["empty"].shape == (0, 3) and m["empty"].dtype == np.float32
    st = out["optimizer"]["state"]
    assert list(st) == [0, 1] and all(isinstance(k, int) for k in st)
    assert st[0]["step"] == 3 and isinstance(st[0]["step"], int) and st[1] == {}
    group = out["optimizer"]["param_groups"][0]
    assert group["betas"] == (0.9, 0.999) and isinstance(group["betas"], tuple)
    assert group["params"] == [0, 1] and group["foreach"] is None and group["amsgrad"] is False
    assert group["lr"] == 0.001 and group["eps"] == 1e-8 and group["name"] == "main"
    assert out["epoch"] == 12 and out["best"] == float("inf") and np.isnan(out["nan"])
    assert out["tags"] == ["a", None, 2.5, -3] and out["big"] == 2 ** 70
    assert out[1.5] == "float key" and out[True] == "bool key" and out[None] == "none key"
    assert out["unicode"] == "β₂ ✓"
    assert out["scalar"].dtype == np.float32 and float(out["scalar"].item()) == 0.25
    assert list(out) == list(_nested())


@pytest.mark.parametrize("name", ["ckpt.npz", "ckpt.safetensors", "checkpoint.pt"])
def test_round_trip_nested(tmp_path, name):
    path = tmp_path / name
    save(_nested(), path)
    assert path.exists() and os.listdir(tmp_path) == [name]  # written as given, no temp files left
    _check_nested(load(path))
    _check_nested(load(str(path)))


def test_round_trip_model_and_optimizer_state(tmp_path):
    from nn.conv import Conv2d
    from nn.normalization import BatchNorm2d
    ag.manual_seed(0)
    conv, bn = Conv2d(2, 3, 3), BatchNorm2d(3)
    bn(conv(ag.randn(4, 2, 5, 5)))
    state = {**{"conv." + k: v for k, v in conv.state_dict().items()},
             **{"bn." + k: v for k, v in bn.state_dict().items()}}
    save(state, tmp_path / "m.npz")
    back = load(tmp_path / "m.npz")
    assert list(back) == list(state)
    for k in state:
        assert back[k].dtype == state[k].dtype and back[k].shape == state[k].shape
        np.testing.assert_array_equal(back[k].data, state[k].data)
    conv2, bn2 = Conv2d(2, 3, 3), BatchNorm2d(3)
    conv2.load_state_dict({k[5:]: v for k, v in back.items() if k.startswith("conv.")})
    bn2.load_state_dict({k[3:]: v for k, v in back.items() if k.startswith("bn.")})
    np.testing.assert_array_equal(conv2.weight.data, conv.weight.data)
    assert int(bn2.num_batches_tracked.item()) == 1


def test_overwrite_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "c.npz"
    save({"a": np.ones(3)}, path)

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(OSError, match="disk full"):
        save({"a": np.zeros(3)}, path)
    monkeypatch.undo()
    np.testing.assert_array_equal(load(path)["a"].data, np.ones(3))  # old file intact
    assert os.listdir(tmp_path) == ["c.npz"]  # temp file removed


def test_save_rejects_unsupported_values(tmp_path):
    from nn.normalization import LayerNorm
    with pytest.raises(TypeError, match=r"save: cannot store a LayerNorm at obj; .* Hint: save its state_dict\(\)"):
        save(LayerNorm(3), tmp_path / "a.npz")
    with pytest.raises(TypeError, match=r"save: cannot store a set at obj\['x'\]"):
        save({"x": {1, 2}}, tmp_path / "a.npz")
    with pytest.raises(TypeError, match=r"save: arrays must be bool, integer or floating; got dtype object"):
        save({"x": np.array([{}, 1], dtype=object)}, tmp_path / "a.npz")
    with pytest.raises(TypeError, match=r"save: dict keys must be str, int, float, bool or None; got tuple"):
        save({(1, 2): 3}, tmp_path / "a.npz")
    assert not os.listdir(tmp_path)


def test_plain_npz_and_safetensors_load_as_flat_dicts(tmp_path):
    np.savez(tmp_path / "plain.npz", w=np.ones((2, 2), np.float32), idx=np.arange(3))
    out = load(tmp_path / "plain.npz")
    assert set(out) == {"w", "idx"} and out["w"].dtype == np.float32 and out["idx"].dtype == np.int64
    from safetensors.numpy import save_file
    save_file({"w": np.full((2,), 3.0, np.float32)}, str(tmp_path / "plain.safetensors"))
    out = load(tmp_path / "plain.safetensors")
    assert list(out) == ["w"] and isinstance(out["w"], ag.Tensor)
    np.testing.assert_array_equal(out["w"].data, [3, 3])


@pytest.mark.parametrize("name", ["t.npz", "t.safetensors"])
def test_truncated_files_raise(tmp_path, name):
    path = tmp_path / name
    save(_nested(), path)
    blob = path.read_bytes()
    for cut in (len(blob) // 2, len(blob) - 3, 12):
        path.write_bytes(blob[:cut])
        with pytest.raises(ValueError, match=r"load: .* (damaged|truncated)"):
            load(path)


def test_corrupted_npz_raises(tmp_path):
    path = tmp_path / "c.npz"
    save({"a": np.arange(1000.0)}, path)
    blob = bytearray(path.read_bytes())
    blob[200] ^= 0xFF  # flip bits inside the stored array
    path.write_bytes(bytes(blob))
    with pytest.raises(ValueError, match=r"load: .* damaged"):
        load(path)


def test_pickle_bearing_files_are_refused(tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    p = tmp_path / "evil.pkl"
    p.write_bytes(pickle.dumps({"x": Evil()}))
    with pytest.raises(ValueError, match=r"load: .* is a Python pickle; refusing to unpickle"):
        load(p)
    # an npz holding an object array (np.savez pickles it)
    p = tmp_path / "obj.npz"
    np.savez(p, x=np.array([Evil()], dtype=object))
    with pytest.raises(ValueError, match=r"load: .* holds pickled object arrays; refusing to unpickle"):
        load(p)
    # a PyTorch-style zip checkpoint (data.pkl inside)
    p = tmp_path / "model.pt"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("archive/data.pkl", pickle.dumps({"x": 1}))
    with pytest.raises(ValueError, match=r"load: .* refusing to unpickle"):
        load(p)
    assert not marker.exists()


def test_foreign_and_damaged_structure(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("hello world, not a checkpoint")
    with pytest.raises(ValueError, match=r"load: .* is not a checkpoint \(unknown format\)"):
        load(p)
    p = tmp_path / "empty.npz"
    p.write_bytes(b"")
    with pytest.raises(ValueError, match=r"load: .* is empty"):
        load(p)
    p = tmp_path / "arr.npy"
    np.save(p, np.ones(3))
    with pytest.raises(ValueError, match=r"load: .* is a single .npy array"):
        load(p)
    p = tmp_path / "bad.npz"
    np.savez(p, __tracegrad__=np.frombuffer(b'{"format": "tracegrad-checkpoint", "version": 1, '
                                            b'"root": {"t": "array", "a": "a9"}}', dtype=np.uint8))
    with pytest.raises(ValueError, match=r"load: .* has a damaged tracegrad structure"):
        load(p)
    p = tmp_path / "bad2.npz"
    np.savez(p, __tracegrad__=np.frombuffer(b"{not json", dtype=np.uint8))
    with pytest.raises(ValueError, match=r"load: .* has a damaged tracegrad structure"):
        load(p)
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.npz")


@pytest.mark.parametrize("name", ["opt.npz", "opt.safetensors"])
def test_real_optimizer_state_round_trip(tmp_path, name):
    import optim
    from nn.conv import Conv2d
    ag.manual_seed(1)
    model = Conv2d(2, 3, 3)
    opt = optim.Adam(model.parameters(), lr=1e-3, betas=(0.8, 0.99), amsgrad=True)
    for _ in range(2):
        opt.zero_grad()
        (model(ag.randn(2, 2, 5, 5)) ** 2).mean().backward()
        opt.step()
    sd = opt.state_dict()
    save({"optimizer": sd, "model": model.state_dict()}, tmp_path / name)
    back = load(tmp_path / name)
    opt2 = optim.Adam(Conv2d(2, 3, 3).parameters(), lr=1.0)
    opt2.load_state_dict(back["optimizer"])
    assert opt2.param_groups[0]["lr"] == 1e-3 and opt2.param_groups[0]["betas"] == (0.8, 0.99)
    assert sorted(back["optimizer"]["state"]) == sorted(sd["state"])
    for key, state in sd["state"].items():
        for k, v in state.items():
            w = back["optimizer"]["state"][key][k]
            np.testing.assert_array_equal(np.asarray(getattr(w, "data", w)), np.asarray(getattr(v, "data", v)))


# -- issue 10 §4: structures, crafted files, the file system, PyTorch by keys -----------------
@pytest.mark.parametrize("name", ["c.npz", "c.safetensors"])
def test_save_refuses_a_structure_that_contains_itself(tmp_path, name):
    looped = [1.0]
    looped.append(looped)
    d = {"a": {}}
    d["a"]["back"] = d
    for obj, where in [({"x": looped}, r"obj\['x'\]\[1\] is obj\['x'\] again"),
                       (d, r"obj\['a'\]\['back'\] is obj again")]:
        with pytest.raises(ValueError, match=rf"save: {where} \(a structure that contains itself\); expected "
                                             r"dicts, lists and tuples without reference cycles\."):
            save(obj, tmp_path / name)
    assert not os.listdir(tmp_path)
    shared = (0.9, 0.999)  # shared but acyclic (optimizer param_groups share their defaults): fine
    save({"groups": [{"betas": shared}, {"betas": shared}]}, tmp_path / name)
    assert load(tmp_path / name) == {"groups": [{"betas": shared}, {"betas": shared}]}


def _nest(kind, levels):
    obj = np.arange(3.0)
    for _ in range(levels):
        obj = {"k": obj} if kind == "dict" else (obj,) if kind == "tuple" else [obj]
    return obj


@pytest.mark.parametrize("name", ["d.npz", "d.safetensors"])
@pytest.mark.parametrize("kind", ["tuple", "dict", "list"])
def test_whatever_save_writes_load_reads(tmp_path, name, kind):
    """Depth is bounded identically: 100 levels save and load back (tuples too, once a
    RecursionError at load); 101 is a ValueError at save and nothing is written."""
    out = load(save(_nest(kind, 100), tmp_path / name) or tmp_path / name)
    for _ in range(100):
        assert isinstance(out, {"dict": dict, "tuple": tuple, "list": list}[kind])
        out = out["k"] if kind == "dict" else out[0]
    np.testing.assert_array_equal(out.data, np.arange(3.0))
    with pytest.raises(ValueError, match=r"save: obj(\[0\]|\['k'\]){100} nests more than 100 levels of dicts, "
                                         r"lists and tuples; expected at most 100\."):
        save(_nest(kind, 101), tmp_path / ("deeper" + name))
    assert os.listdir(tmp_path) == [name]


def test_save_and_load_ints_of_any_size(tmp_path):
    big = {"wide": 7 ** 20000, "neg": -(3 ** 30000), "small": -5}  # str(7 ** 20000) exceeds Python's 4300 digits
    save(big, tmp_path / "i.npz")
    assert load(tmp_path / "i.npz") == big


def _npz_with_header(path, shape_text, data=b""):
    buf = io.BytesIO()
    np.save(buf, np.zeros(1, np.float32))
    blob = buf.getvalue().replace(b"(1,)", shape_text.encode()) + data
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("w.npy", blob)


def _safetensors_bytes(header, data=b""):
    text = json.dumps(header).encode() if not isinstance(header, bytes) else header
    return len(text).to_bytes(8, "little") + text + data


def test_crafted_files_raise_value_error(tmp_path):
    """Declared sizes are checked against the file before anything is allocated, and nesting
    is measured before JSON is parsed: never MemoryError, never RecursionError."""
    p = tmp_path / "big.npz"  # ~250 bytes declaring 2**40 float32 (a 4 TiB allocation today)
    _npz_with_header(p, f"({2 ** 40},)")
    assert p.stat().st_size < 300
    with pytest.raises(ValueError, match=rf"load: .* is damaged: entry 'w.npy' of shape \({2 ** 40},\) and dtype "
                                         r"float32 needs \d+ bytes, the archive declares \d+"):
        load(p)
    p = tmp_path / "wrap.npz"  # 2**64 elements: a product that wraps to 0 in int64
    _npz_with_header(p, "(65536, 65536, 65536, 65536)")
    with pytest.raises(ValueError, match=r"load: .* is damaged: entry 'w.npy' of shape \(65536, 65536, 65536"):
        load(p)
    p = tmp_path / "lie.npz"  # the zip entry itself declares far more than its compressed bytes can hold
    _npz_with_header(p, "(4,)", b"\x00" * 12)
    blob = bytearray(p.read_bytes())
    at = blob.rfind(b"PK\x01\x02") + 24  # central directory: uncompressed size
    blob[at:at + 4] = (2 ** 31).to_bytes(4, "little")
    p.write_bytes(bytes(blob))
    with pytest.raises(ValueError, match=r"load: .* (is damaged|damaged or truncated)"):
        load(p)
    save({"a": np.ones(2)}, p)  # an entry flagged as encrypted (zipfile raises RuntimeError)
    blob = bytearray(p.read_bytes())
    at = blob.rfind(b"PK\x01\x02") + 8  # central directory: general purpose flags
    blob[at] |= 1
    p.write_bytes(bytes(blob))
    with pytest.raises(ValueError, match=r"load: .* is damaged or truncated \(.*encrypted"):
        load(p)
    deep_doc = "[" * 100_000 + "]" * 100_000
    cases = {
        "meta.safetensors": (_safetensors_bytes({"__metadata__": {"tracegrad": deep_doc}}),
                             r"has a damaged tracegrad structure \(JSON nested 100000 levels deep\); expected at "
                             r"most 302"),
        "head.safetensors": (_safetensors_bytes(("{\"a\":" * 50_000 + "1" + "}" * 50_000).encode()),
                             r"has a damaged .safetensors header \(JSON nested 50000 levels deep\)"),
        "huge.safetensors": (_safetensors_bytes({"w": {"dtype": "F32", "shape": [2 ** 20, 2 ** 20],
                                                       "data_offsets": [0, 2 ** 42]}}, b"\x00" * 16),
                             r"is truncated or damaged: tensor 'w' of shape \(1048576, 1048576\) and dtype F32 "
                             r"declares bytes \[0, 4398046511104\) of 16"),
        "size.safetensors": (_safetensors_bytes({"w": {"dtype": "F32", "shape": [2 ** 40], "data_offsets": [0, 16]}},
                                                b"\x00" * 16), r"is truncated or damaged: tensor 'w'"),
        "kind.safetensors": (_safetensors_bytes({"w": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}},
                                                b"\x00" * 2), r"holds tensor 'w' of dtype 'F8_E4M3', which numpy "
                                                              r"cannot represent"),
        "entry.safetensors": (_safetensors_bytes({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}},
                                                 b"\x00" * 4), r"is a damaged .safetensors file \(entry 'w'"),
        "meta2.safetensors": (_safetensors_bytes({"__metadata__": {"tracegrad": 3}}),
                              r"is a damaged .safetensors file \(__metadata__ is not a map of strings\)"),
        "hdr.safetensors": (b"\xff" * 7 + b"\x7f{", r"is truncated \(header of"),
    }
    for name, (data, match) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ValueError, match=rf"load: .*{re.escape(name)}' {match}"):
            load(tmp_path / name)


def test_save_writes_through_a_symlink(tmp_path):
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    target, link = real_dir / "ckpt.npz", tmp_path / "latest.npz"
    save({"a": np.ones(2)}, target)
    link.symlink_to(target)
    save({"a": np.zeros(2)}, link)
    assert link.is_symlink() and os.readlink(link) == str(target)  # the link stays a link
    np.testing.assert_array_equal(load(target)["a"].data, np.zeros(2))
    assert sorted(os.listdir(real_dir)) == ["ckpt.npz"] and sorted(os.listdir(tmp_path)) == ["latest.npz", "real"]
    dangling = tmp_path / "next.safetensors"  # a dangling link: its target is created, as open() would
    dangling.symlink_to(real_dir / "new.safetensors")
    save({"w": np.arange(3.0)}, dangling)
    assert dangling.is_symlink() and (real_dir / "new.safetensors").is_file()
    np.testing.assert_array_equal(load(dangling)["w"].data, np.arange(3.0))


def test_save_modes_follow_the_umask_and_the_replaced_file(tmp_path):
    old = os.umask(0o027)
    try:
        save({"a": np.ones(2)}, tmp_path / "new.npz")
        assert stat.S_IMODE((tmp_path / "new.npz").stat().st_mode) == 0o640  # 0o666 & ~umask, as open() (was 0o600)
        (tmp_path / "shared.npz").write_bytes(b"")
        os.chmod(tmp_path / "shared.npz", 0o664)
        save({"a": np.ones(2)}, tmp_path / "shared.npz")
        assert stat.S_IMODE((tmp_path / "shared.npz").stat().st_mode) == 0o664  # kept
    finally:
        os.umask(old)


def test_save_refuses_read_only_files_and_non_regular_paths(tmp_path):
    ro = tmp_path / "frozen.npz"
    save({"a": np.ones(2)}, ro)
    os.chmod(ro, 0o444)
    with pytest.raises(PermissionError, match=r"save: '.*frozen.npz' is read-only \(mode -r--r--r--\); refusing "
                                              r"to replace it\. Hint: make it writable"):
        save({"a": np.zeros(2)}, ro)
    np.testing.assert_array_equal(load(ro)["a"].data, np.ones(2))
    with pytest.raises(IsADirectoryError, match=r"save: '.*' is a directory; expected a file name\."):
        save({"a": np.ones(2)}, tmp_path)
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match=r"save: '.*pipe.npz' is a fifo, not a regular file; refusing to replace it"):
        save({"a": np.ones(2)}, fifo)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    with pytest.raises(ValueError, match=r"load: '.*pipe.npz' is not a regular file"):  # and load does not block
        load(fifo)
    device = tmp_path / "null.npz"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # /dev/null's numbers; needs root
    except (PermissionError, AttributeError):
        pass
    else:
        with pytest.raises(OSError, match=r"save: '.*null.npz' is a character device, not a regular file"):
            save({"a": np.ones(2)}, device)
        assert stat.S_ISCHR(device.stat().st_mode)
    assert sorted(os.listdir(tmp_path)) == sorted(["frozen.npz", "pipe.npz"] + ["null.npz"] * device.exists())


def test_save_into_a_missing_directory_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"save: cannot create a file in '.*missing' for '.*m.npz' \(No such "
                                                r"file or directory\); expected an existing, writable directory\."):
        save({"a": np.ones(2)}, tmp_path / "missing" / "m.npz")


def test_failed_safetensors_save_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "m.safetensors"
    save({"w": np.ones(2)}, path)
    with pytest.raises(TypeError, match=r"save: .safetensors cannot store dtype float128 \(array 'w'\).*Hint: save "
                                        r"as .npz"):
        save({"w": np.zeros(2, np.longdouble)}, path)
    assert os.listdir(tmp_path) == ["m.safetensors"]
    np.testing.assert_array_equal(load(path)["w"].data, np.ones(2))


def test_flat_state_dict_is_stored_under_its_keys(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    from nn.normalization import BatchNorm1d
    state = BatchNorm1d(3).state_dict()
    save(state, tmp_path / "bn.safetensors")
    raw = st.load_file(str(tmp_path / "bn.safetensors"))
    assert sorted(raw) == sorted(state)  # "weight", "running_mean", "num_batches_tracked", … (was a0, a1, …)
    assert raw["num_batches_tracked"].dtype == np.int64 and raw["num_batches_tracked"].shape == ()
    back = load(tmp_path / "bn.safetensors")
    assert list(back) == list(state)  # order kept through the tracegrad document
    nested = {"model": state, "epoch": 3}  # nested structures keep a0, a1, … and the document
    save(nested, tmp_path / "n.safetensors")
    assert sorted(st.load_file(str(tmp_path / "n.safetensors"))) == [f"a{i}" for i in range(len(state))]
    assert load(tmp_path / "n.safetensors")["epoch"] == 3


def _models(torch):
    import nn
    ours_a = nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(), nn.Linear(12, 5),
                           nn.LayerNorm(5))
    theirs_a = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3), torch.nn.ReLU(),
                                   torch.nn.Flatten(), torch.nn.Linear(12, 5), torch.nn.LayerNorm(5))
    x_a = np.random.default_rng(0).standard_normal((4, 2, 4, 4)).astype(np.float32)
    ours_b = nn.Sequential(nn.Embedding(10, 4), nn.LayerNorm(4), nn.Linear(4, 3), nn.BatchNorm1d(6))
    theirs_b = torch.nn.Sequential(torch.nn.Embedding(10, 4), torch.nn.LayerNorm(4), torch.nn.Linear(4, 3),
                                   torch.nn.BatchNorm1d(6))
    x_b = np.random.default_rng(1).integers(0, 10, size=(5, 6))
    return [(ours_a, theirs_a, x_a), (ours_b, theirs_b, x_b)]


@pytest.mark.parametrize("which", [0, 1], ids=["conv-batchnorm-linear-layernorm", "embedding-layernorm-batchnorm"])
def test_model_moves_to_pytorch_and_back_by_its_keys(tmp_path, which):
    torch = pytest.importorskip("torch")
    st = pytest.importorskip("safetensors.torch")
    ag.manual_seed(which)
    ours, theirs, x = _models(torch)[which]
    for _ in range(2):  # train-mode passes: running statistics and num_batches_tracked move away from init
        ours(ag.Tensor(x))
    ours.eval()
    theirs.eval()
    path = str(tmp_path / "m.safetensors")
    save(ours.state_dict(), path)
    theirs.load_state_dict(st.load_file(path))  # strict: every key found, every shape right
    assert int(theirs[1 if which == 0 else 3].num_batches_tracked) == 2
    expect = ours(ag.Tensor(x)).data
    np.testing.assert_allclose(theirs(torch.from_numpy(x)).detach().numpy(), expect, rtol=1e-5, atol=1e-5)
    theirs.train()  # PyTorch trains on: its statistics change, then the model comes back
    with torch.no_grad():
        for p in theirs.parameters():
            p.mul_(1.5)
        theirs(torch.from_numpy(x))
    theirs.eval()
    st.save_file(theirs.state_dict(), path)
    fresh = _models(torch)[which][0].eval()
    fresh.load_state_dict(load(path))
    assert int(fresh[1 if which == 0 else 3].num_batches_tracked.item()) == 3
    np.testing.assert_allclose(fresh(ag.Tensor(x)).data, theirs(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)


def test_pytorch_safetensors_loads_as_flat_dict(tmp_path):
    torch = pytest.importorskip("torch")
    st = pytest.importorskip("safetensors.torch")
    st.save_file({"w": torch.arange(6, dtype=torch.float32).reshape(2, 3), "n": torch.tensor(4),
                  "h": torch.tensor([1.5, -2.25], dtype=torch.bfloat16), "m": torch.tensor([True, False])},
                 str(tmp_path / "t.safetensors"), metadata={"format": "pt"})
    out = load(tmp_path / "t.safetensors")
    assert sorted(out) == ["h", "m", "n", "w"] and all(isinstance(v, ag.Tensor) for v in out.values())
    np.testing.assert_array_equal(out["w"].data, np.arange(6.0).reshape(2, 3))
    assert out["w"].dtype == np.float32 and out["n"].dtype == np.int64 and out["n"].shape == ()
    assert out["h"].dtype == np.float32 and out["h"].tolist() == [1.5, -2.25]  # bfloat16 → float32, exactly
    assert out["m"].dtype == np.bool_ and out["m"].tolist() == [True, False]
    out["w"].data += 1  # a writable copy, not a view of the file's bytes


@pytest.mark.parametrize("name", ["e.npz", "e.safetensors"])
def test_big_endian_arrays_round_trip_as_native(tmp_path, name):
    save({"w": np.arange(3, dtype=">f4"), "n": np.array([1, -2], dtype=">i8")}, tmp_path / name)
    out = load(tmp_path / name)
    assert out["w"].dtype == np.float32 and out["w"].data.dtype.isnative and out["w"].tolist() == [0.0, 1.0, 2.0]
    assert out["n"].dtype == np.int64 and out["n"].data.dtype.isnative and out["n"].tolist() == [1, -2]
