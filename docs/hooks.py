"""MkDocs hooks: fill the op-rule table and keep strict builds about references.

(The notebooks reach the site through the symlink docs/notebooks → ../notebooks; mkdocs-jupyter
renders them with their stored outputs, without executing them.)

- on_page_markdown: the marker ``<!-- op-rules -->`` becomes a table of every op in the
  registry with its VJP rule in LaTeX (the Function's ``rule_latex``).
- griffe's "Failed to get 'name: description' pair" notices are dropped: the ops' docstrings
  write their arguments in a compact one-line form ("Args: x (N, C); weight (C,) …") that the
  Google-style parser cannot split; they render as text. Every other warning (an unresolved
  reference, a missing page or object) still fails `mkdocs build --strict`.
"""
import logging
import re

_COMPACT_ARGS = re.compile(r"Failed to get '\w+: description' pair")


class _CompactArgsFilter(logging.Filter):
    def filter(self, record):
        return not _COMPACT_ARGS.search(record.getMessage())


logging.getLogger("mkdocs.plugins.griffe").addFilter(_CompactArgsFilter())


def on_page_markdown(markdown, page, config, files):
    """Replace the op-rule marker with the registry's table."""
    if "<!-- op-rules -->" not in markdown:
        return markdown
    from autograd.ops.registry import OPS

    rows = ["| op | Function | VJP rule |", "| --- | --- | --- |"]
    for info in OPS:
        fn = info.function
        if fn is None or not getattr(fn, "rule_latex", ""):
            continue
        rule = fn.rule_latex.replace("|", r"\vert ")
        rows.append(f"| `{info.name}` | [`{fn.__name__}`][{fn.__module__}.{fn.__qualname__}] | \\({rule}\\) |")
    return markdown.replace("<!-- op-rules -->", "\n".join(rows))
