# govcat — every target installs what it needs into .venv/ on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
export UV_PROJECT_ENVIRONMENT := $(VENV)
CATALOG ?= catalog

.PHONY: site serve test test-fast bench bench-large lint format validate clean install demo-monitoring

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml uv.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(UV) || { $(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip --upgrade >/dev/null; \
	  $(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9; }
	@# --inexact keeps pip and uv themselves in the venv; bytecode compiled once here, or
	@# every govcat process compiles numpy, DuckDB, MkDocs... again where Python may not
	@# write its caches (PYTHONDONTWRITEBYTECODE, read-only installs): 0.4 s of a 100-model
	@# aggregation, 0.4 s of its validation
	$(UV) sync --locked --inexact --compile-bytecode --quiet
	$(BIN)/python -m compileall -q generator >/dev/null
	@touch $@

site: install ## build the demo catalog's site into site/
	$(BIN)/govcat build --catalog $(CATALOG)
	@echo "Built site/ — browse it with 'make serve' (http://127.0.0.1:8000/) or publish site/ on any static web server"

serve: install ## preview the site with live reload
	$(BIN)/govcat serve --catalog $(CATALOG)

validate: install
	$(BIN)/govcat validate $(CATALOG)

demo-monitoring: install ## regenerate the demo's year of monitoring exports and re-ingest them
	$(BIN)/python scripts/demo_monitoring.py --fresh

test: install ## run the whole suite (unit, CLI, end-to-end, browser)
	$(BIN)/python -m pytest -n 2

test-fast: install
	$(BIN)/python -m pytest -n 2 -m "not slow and not browser"

bench: install ## benchmarks at 100 and 1,000 models; writes benchmarks/results.md
	$(BIN)/python -m benchmarks.run

bench-large: install ## benchmarks at 10,000 models and 100M monitoring rows
	$(BIN)/python -m benchmarks.run --large

lint: install
	$(BIN)/ruff check generator tests benchmarks scripts .github/scripts
	$(BIN)/ruff format --check generator tests benchmarks scripts .github/scripts

format: install
	$(BIN)/ruff check --fix generator tests benchmarks scripts .github/scripts
	$(BIN)/ruff format generator tests benchmarks scripts .github/scripts

clean:
	rm -rf build site .pytest_cache
