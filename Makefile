# `make demo`: bake the default variant into demo/ and serve it with DEBUG=False on 127.0.0.1:8000.
# `make test`: install what is missing, then run the whole suite (lint, bakes, real servers, docs).

# The interpreter the tools' virtualenv is made from.
PYTHON ?= python3
# Where make demo serves, on 127.0.0.1.
PORT ?= 8000
# Where make demo bakes the default variant.
DEMO_DIR ?= demo
VENV := .venv
BIN := $(VENV)/bin
# Never let uv download a CPython: use the interpreter that is on this machine.
export UV_PYTHON_DOWNLOADS := never
export NO_MKDOCS_2_WARNING := 1
# Extra pytest arguments, e.g. PYTEST_ARGS='-k nginx -x'.
PYTEST_ARGS ?=
# Extra make bench arguments, e.g. BENCH_ARGS='--rounds 9 --seconds 10 --only nginx'.
BENCH_ARGS ?=
# Extra make compare arguments, e.g. COMPARE_ARGS='--seconds 10 --only nginx-none'.
COMPARE_ARGS ?=

.PHONY: demo test test-fast lint docs bench compare tools system-packages clean

# The template's own tools (cookiecutter, pytest, ruff, mkdocs...) in .venv, from uv.lock.
tools: $(VENV)/.synced

# nginx, its brotli module, openssl, systemd-analyze, chromium: installed with apt-get when missing.
system-packages:
	.ci/system-packages

$(VENV)/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv \
		|| { echo "ERROR: uv is missing and could not be installed. Fix: $(PYTHON) -m pip install uv"; exit 1; }
	uv sync --frozen --compile-bytecode --python $(PYTHON)
	touch $@

# Bake the default variant into demo/ and serve it with DEBUG=False on http://127.0.0.1:$(PORT)/.
# A demo baked before is served as it is: its .env, its database and your edits are kept.
demo: tools
	@if [ -d $(DEMO_DIR)/my_django_site ]; then \
		echo "$(DEMO_DIR)/my_django_site exists: serving it as it is (its .env, database and edits" \
			"kept). To bake it afresh: rm -rf $(DEMO_DIR) && make demo"; \
	else $(BIN)/cookiecutter --no-input --output-dir $(DEMO_DIR) . ; fi
	@echo "Serving the default variant from $(DEMO_DIR)/my_django_site on http://127.0.0.1:$(PORT)/"
	$(MAKE) -C $(DEMO_DIR)/my_django_site run PORT=$(PORT)

# pytest workers for make test: each variant's running site is used by one of them, so it starts
# once; the rest of the tests go to whichever is free. Three on 2 cores: the tests wait on servers
# and subprocesses much of the time, and a third worker keeps both cores busy (a whole run here:
# 12m21s, against 14m13s with two).
PYTEST_WORKERS ?= 3

# Everything: lint, then every variant baked, served and checked (pytest). The guide is built
# by its tests (tests/test_docs.py, the same two commands as make docs), once, on a worker.
test: tools system-packages lint
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# Your own loop: lint, then the tests that bake nothing and start no server (seconds).
test-fast: tools lint
	$(BIN)/python -m pytest -m "not bakes" $(PYTEST_ARGS)

# ruff on the hooks, the tests and docsgen (the baked projects are linted by the tests).
lint: tools
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Bake the variants the guide includes, then build it offline into site/ (mkdocs --strict).
docs: tools
	$(BIN)/python -m docsgen
	$(BIN)/python -m mkdocs build --strict --quiet

# The speed goals, each measured side by side (A and B interleaved, median of rounds); not in make test.
bench: tools system-packages
	$(BIN)/python -m bench $(BENCH_ARGS)

# Every variant run side by side, measured, written up in .cache/compare/report.md (charts,
# diffs against the default) and in the guide's "Choosing a strategy" page.
compare: tools system-packages
	$(BIN)/python -m bench.compare $(COMPARE_ARGS)

# Remove the tools, caches, the built guide and the demo.
clean:
	rm -rf $(VENV) .cache site $(DEMO_DIR) .pytest_cache .ruff_cache
