"""Headless Chromium for the explorer's tests: the system's browser, driven by Playwright.

`make test` installs Debian's `chromium` with apt-get when it runs as root (like Graphviz);
nothing is downloaded at test time (no `playwright install`). Without the browser or the
`playwright` package these tests skip, except in CI, where they must run.
"""
import os
import shutil

import pytest

from tests.conftest import IN_CI

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_path():
    """The system's Chromium: $TRACEGRAD_CHROMIUM, /usr/bin/chromium, or `chromium` on PATH."""
    for cand in (os.environ.get("TRACEGRAD_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if cand and os.path.exists(cand):
            return cand
    return None


def _unavailable(reason):
    if IN_CI:
        pytest.fail(f"{reason}; the browser tests must run in CI (make test installs chromium as root)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium (one per test session)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package playwright is not installed (pip install -e '.[dev]')")
    path = chromium_path()
    if path is None:
        _unavailable("Chromium is not installed (Debian/Ubuntu, as root: apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh page that fails the test on any script error or console error."""
    pg = browser.new_page(viewport={"width": 1300, "height": 900})
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("request", lambda r: errors.append(f"network request {r.url}") if not r.url.startswith(("file:", "data:", "about:")) else None)
    yield pg
    pg.close()
    assert not errors, errors
