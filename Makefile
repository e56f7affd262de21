# tracegrad: `make demo` trains a network on real digits; `make test` runs every test.
# Both create .venv and install what they need on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export OMP_NUM_THREADS ?= 1

.PHONY: demo test bench dot lint clean notebooks docs

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

# Graphviz's `dot` renders the pictures: install Debian's package when we can, else say how.
dot:
	@if command -v dot >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends graphviz; \
	else \
		echo "Graphviz 'dot' not found: install it (Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz)."; \
	fi

# Notebooks listed in notebooks/outputs_checked.txt run in tests/test_notebook_outputs.py, which also
# compares their stored outputs with fresh ones; the others are only executed here (nbmake).
CHECKED_NOTEBOOKS := $(addprefix notebooks/,$(shell sed -e 's/\#.*//' notebooks/outputs_checked.txt))
NBMAKE_NOTEBOOKS := $(filter-out $(CHECKED_NOTEBOOKS),$(wildcard notebooks/*.ipynb))

test: $(VENV)/.dev dot
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

clean:
	rm -rf $(VENV) out site .pytest_cache .hypothesis
