# `make demo`: bake the default variant into demo/ and serve it with DEBUG=False on 127.0.0.1:8000.
# `make test`: install what is missing, then run the whole suite (lint, bakes, real servers, docs).
PYTHON ?= python3
PORT ?= 8000
DEMO_DIR ?= demo
VENV := .venv
BIN := $(VENV)/bin
# Never let uv download a CPython: use the interpreter that is on this machine.
export UV_PYTHON_DOWNLOADS := never
export NO_MKDOCS_2_WARNING := 1
PYTEST_ARGS ?=

.PHONY: demo test lint docs tools system-packages clean

tools: $(VENV)/.synced

# nginx, its brotli module, openssl, systemd-analyze: installed with apt-get when missing.
system-packages:
	.ci/system-packages

$(VENV)/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv \
		|| { echo "ERROR: uv is missing and could not be installed. Fix: $(PYTHON) -m pip install uv"; exit 1; }
	uv sync --frozen --python $(PYTHON)
	touch $@

demo: tools
	$(BIN)/cookiecutter --no-input --overwrite-if-exists --output-dir $(DEMO_DIR) .
	@echo "Serving the default variant from $(DEMO_DIR)/my_django_site on http://127.0.0.1:$(PORT)/"
	$(MAKE) -C $(DEMO_DIR)/my_django_site run PORT=$(PORT)

test: tools system-packages lint docs
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: tools
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

docs: tools
	$(BIN)/mkdocs build --strict --quiet

clean:
	rm -rf $(VENV) .cache site $(DEMO_DIR) .pytest_cache .ruff_cache
