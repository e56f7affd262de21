"""The README stays true: its Python examples run as written, in order, in one namespace."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 4
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)
    assert namespace["W"].grad.shape == (3, 2)
    assert namespace["stepper"].step() is None  # run() finished the sweep
    assert (tmp_path / "graph.svg").exists() and (tmp_path / "ckpt.npz").exists()
    assert (tmp_path / "c.svg").exists() and "tgExplorer" in (tmp_path / "backprop.html").read_text(encoding="utf-8")
