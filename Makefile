# tracegrad: `make demo` trains a network on real digits; `make test` runs every test.
# Both create .venv and install what they need on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export OMP_NUM_THREADS ?= 1

.PHONY: demo test bench dot chromium system lint clean notebooks docs

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.examples: pyproject.toml | $(PY)
	$(PY) -m pip install -e '.[examples]'
	touch $@

$(VENV)/.dev: pyproject.toml | $(PY)
	$(PY) -m pip install -e '.[dev,examples]'
	touch $@ $(VENV)/.examples $(VENV)/.docs

demo: $(VENV)/.examples
	$(PY) examples/train_digits.py

# System programs, from Debian's packages when we can (root with apt-get: one `apt-get update`,
# then one install of whatever is missing), else a note says how to get them:
#   graphviz — `dot` renders draw_graph's pictures (tracegrad draws its own SVG without it);
#   chromium — the browser the explorer's tests drive with Playwright (never downloaded by it).
SYSTEM_PROGRAMS := dot:graphviz chromium:chromium

define install_missing
	@missing=""; for pair in $(1); do prog=$${pair%%:*}; pkg=$${pair##*:}; \
		command -v $$prog >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	else \
		echo "not found:$$missing — install it (Debian/Ubuntu: sudo apt-get install$$missing; macOS: brew install graphviz, and Chromium or Chrome); the tests that need it skip."; \
	fi
endef

dot:
	$(call install_missing,dot:graphviz)

chromium:
	$(call install_missing,chromium:chromium)

system:
	$(call install_missing,$(SYSTEM_PROGRAMS))


# Notebooks listed in notebooks/outputs_checked.txt run in tests/test_notebook_outputs.py, which also
# compares their stored outputs with fresh ones; the others are only executed here (nbmake).
CHECKED_NOTEBOOKS := $(addprefix notebooks/,$(shell sed -e 's/\#.*//' notebooks/outputs_checked.txt))
NBMAKE_NOTEBOOKS := $(filter-out $(CHECKED_NOTEBOOKS),$(wildcard notebooks/*.ipynb))

test: $(VENV)/.dev system
	$(PY) -m pytest -n 2 --nbmake tests $(NBMAKE_NOTEBOOKS)

$(VENV)/.docs: pyproject.toml | $(PY)
	$(PY) -m pip install -e '.[docs]'
	touch $@

# The reference site (mkdocs.yml) into site/: API pages from the docstrings, notebooks as pages
# (not executed). Offline; `make test` builds it with --strict (tests/test_docs_site.py).
docs: $(VENV)/.docs
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build

# Re-execute every notebook (or NOTEBOOKS="notebooks/a.ipynb ...") and store its fresh outputs.
NOTEBOOKS ?= $(wildcard notebooks/*.ipynb)
notebooks: $(VENV)/.dev
	$(PY) -m tests.notebook_outputs $(NOTEBOOKS)

$(VENV)/.bench: pyproject.toml | $(PY)
	$(PY) -m pip install -e '.[dev,examples,bench]'
	touch $@ $(VENV)/.dev $(VENV)/.examples

bench: $(VENV)/.bench
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) benchmarks/run.py

lint: $(VENV)/.dev
	$(PY) -m ruff check autograd nn optim tests examples benchmarks
	$(VENV)/bin/lint-imports --no-cache

clean:
	rm -rf $(VENV) out site .pytest_cache .hypothesis .import_linter_cache .grimp_cache
