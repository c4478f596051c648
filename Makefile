# Two commands for a newcomer: `make run` and `make test`. Everything else is optional.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint soak bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV) || python3 -m venv $(VENV)

# Re-install only when the project's dependency list changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/perps-bot --profile dev

lint: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/ruff check src tests scripts tools
	$(BIN)/ruff format --check src tests scripts tools
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -m "not soak" -n 2 --durations=15

soak: $(STAMP)
	$(BIN)/pytest -m soak

bench: $(STAMP)
	for s in scripts/bench_*.py; do $(BIN)/python $$s || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
