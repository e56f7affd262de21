"""Stored notebook outputs stay true: execute a notebook and compare its text outputs with the
stored ones (tests/test_notebook_outputs.py), or store fresh ones (`make notebooks`).

Which notebooks are compared is listed in one place, notebooks/outputs_checked.txt (one file
name a line, '#' comments); the Makefile runs those through this comparison and the others
through nbmake (execution only), so each notebook executes once per `make test`.

Compared: per code cell, stdout and the text/plain of results and displays (a figure shows as
"<Figure size …>"), and error names; stderr (warnings, progress bars) and images are not.
Sanitized on both sides before comparing: memory addresses (0x7f…), durations (3.2 s, 41 ms,
12 µs), and uuids.

Usage:
    python -m tests.notebook_outputs [--check] [NOTEBOOK ...]   # default: refresh every notebook
"""
import difflib
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
CHECKED_LIST = NOTEBOOKS / "outputs_checked.txt"

_SANITIZERS = [
    (re.compile(r"0x[0-9a-fA-F]{6,}"), "0x…"),
    (re.compile(r"\b\d+(?:\.\d+)?(?:e[-+]?\d+)? ?(?:s|ms|µs|us|ns|min)\b(?!\w)"), "<duration>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<uuid>"),
]


def checked_notebooks():
    """The notebooks whose stored outputs `make test` compares.

    Returns:
        list[pathlib.Path]: from notebooks/outputs_checked.txt, in its order.

    Raises:
        FileNotFoundError: if a listed notebook does not exist.
    """
    names = [line.split("#", 1)[0].strip() for line in CHECKED_LIST.read_text(encoding="utf-8").splitlines()]
    paths = [NOTEBOOKS / n for n in names if n]
    for p in paths:
        if not p.exists():
            raise FileNotFoundError(f"outputs_checked.txt: {p.name} is listed but does not exist.")
    return paths


def sanitize(text):
    """Replace what legitimately changes between runs (addresses, durations, uuids)."""
    for pattern, repl in _SANITIZERS:
        text = pattern.sub(repl, text)
    return text


def text_outputs(nb):
    """The comparable text of each code cell.

    Args:
        nb: an nbformat notebook (v4).

    Returns:
        list[str]: one sanitized string per code cell, in order.
    """
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        parts = []
        for out in cell.get("outputs", []):
            kind = out.get("output_type")
            if kind == "stream" and out.get("name") == "stdout":
                parts.append(out.get("text", ""))
            elif kind in ("execute_result", "display_data"):
                parts.append(out.get("data", {}).get("text/plain", "") + "\n")
            elif kind == "error":
                parts.append(f"{out.get('ename')}: {out.get('evalue')}\n")
        cells.append(sanitize("".join(parts)))
    return cells


def execute(path, timeout=600):
    """Execute the notebook at `path` in a fresh kernel (cwd: its folder) and return it.

    Raises:
        nbclient.exceptions.CellExecutionError: if a cell raises.
    """
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(str(path), as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(pathlib.Path(path).parent)}}).execute()
    return nb


def compare(path):
    """Execute `path` and compare its fresh text outputs with the stored ones.

    Returns:
        str: "" when they agree, else a report naming each differing cell with a diff.
    """
    import nbformat

    stored = text_outputs(nbformat.read(str(path), as_version=4))
    fresh = text_outputs(execute(path))
    report = []
    for i, (old, new) in enumerate(zip(stored, fresh)):
        if old != new:
            diff = difflib.unified_diff(old.splitlines(), new.splitlines(), "stored", "fresh", lineterm="")
            report.append(f"code cell {i}:\n" + "\n".join(diff))
    if len(stored) != len(fresh):
        report.append(f"{len(stored)} stored code cells, {len(fresh)} fresh")
    return "\n".join(report)


def refresh(path):
    """Execute `path` and write it back with the fresh outputs (no per-cell timestamps, so a
    refresh changes only what the code prints and draws)."""
    import nbformat

    nb = execute(path)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        merged = []
        for out in cell.get("outputs", []):  # one stream output per run of prints, however they arrived
            prev = merged[-1] if merged else None
            if prev and out.output_type == prev.output_type == "stream" and out.name == prev.name:
                prev.text += out.text
            else:
                merged.append(out)
        if cell.cell_type == "code":
            cell.outputs = merged
    nbformat.write(nb, str(path))


def main(argv):
    """Refresh the given notebooks (default: all), or with --check compare them."""
    check = "--check" in argv
    paths = [pathlib.Path(a).resolve() for a in argv if a != "--check"] or sorted(NOTEBOOKS.glob("*.ipynb"))
    failed = False
    for p in paths:
        if check:
            report = compare(p)
            failed |= bool(report)
            print(f"{p.name}: {'stored outputs differ' if report else 'ok'}\n{report}".rstrip())
        else:
            refresh(p)
            print(f"{p.name}: outputs refreshed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
