"""nn.save / nn.load: round trips of nested structures (dtypes, shapes, int keys, tuples),
model and optimizer state dicts, both formats, atomic writes, and every bad-file case."""
import os
import pickle
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
