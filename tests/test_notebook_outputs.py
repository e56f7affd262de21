"""Each notebook listed in notebooks/outputs_checked.txt executes clean and its stored text
outputs equal fresh ones (after sanitizing addresses, durations, uuids); the sanitizer and
the comparison themselves are tested on a small notebook."""
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from tests.notebook_outputs import checked_notebooks, compare, refresh, sanitize, text_outputs


@pytest.mark.parametrize("path", checked_notebooks(), ids=lambda p: p.name)
def test_stored_outputs_equal_fresh_ones(path):
    report = compare(path)
    assert not report, (f"{path.name}: stored outputs differ from a fresh run (run `make notebooks` if the "
                        f"change is intended):\n{report}")


def test_sanitize_masks_addresses_durations_uuids_only():
    text = "<Tensor at 0x7f3a9c2b10d0> took 3.25 s, step 41 ms, 12µs; id 123e4567-e89b-12d3-a456-426614174000"
    assert sanitize(text) == "<Tensor at 0x…> took <duration>, step <duration>, <duration>; id <uuid>"
    assert sanitize("loss 0.25, slope -0.996, 8 steps, sizes [20, 9, 7]") == \
        "loss 0.25, slope -0.996, 8 steps, sizes [20, 9, 7]"


def test_compare_reports_the_cell_and_the_diff(tmp_path):
    path = tmp_path / "nb.ipynb"
    nb = new_notebook(cells=[new_code_cell("import sys, time\nprint('a', end=' '); sys.stdout.flush(); time.sleep(0.2)\n"
                                           "print(1 + 1)"), new_code_cell("import time; print(f'{time.time()} s')"),
                             new_code_cell("3 * 7")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    refresh(path)
    stored = nbformat.read(str(path), 4)
    assert text_outputs(stored) == ["a 2\n", "<duration>\n", "21\n"]
    # a refresh stores no timestamps and one stream output per cell, so it is byte-stable
    assert [len(c.outputs) for c in stored.cells] == [1, 1, 1]
    assert not any("execution" in c.metadata for c in stored.cells)
    assert compare(path) == ""  # the time differs run to run, the sanitized text does not
    nb = nbformat.read(str(path), 4)
    nb.cells[0].outputs[0]["text"] = "a 3\n"  # a stale stored output
    nbformat.write(nb, str(path))
    assert compare(path) == "code cell 0:\n--- stored\n+++ fresh\n@@ -1 +1 @@\n-a 3\n+a 2"
