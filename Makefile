PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-unit bench lint serve clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

## demo: venv + install + migrate + seed an embedded SQLite database + serve on :8000
demo: $(STAMP)
	HELPLINE_DEMO=1 $(BIN)/helpline demo

## test: the whole suite (unit, SQLite + PostgreSQL integration, browser end-to-end)
test: $(STAMP)
	$(BIN)/pytest

test-unit: $(STAMP)
	$(BIN)/pytest tests/unit

## bench: quick runs of every benchmark (full runs: see bench/README.md)
bench: $(STAMP)
	$(BIN)/python bench/routing.py --quick
	$(BIN)/python bench/chat_fanout.py --quick
	$(BIN)/python bench/renewals.py --quick
	$(BIN)/python bench/erlang.py --quick
	$(BIN)/python bench/forecast.py --quick
	$(BIN)/python bench/schedule.py --quick --suite all
	$(BIN)/python bench/audio.py --quick

## lint: ruff everywhere, mypy --strict on the domain and the WFM engines
lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) helpline.db helpline.db-wal helpline.db-shm .pytest_cache .mypy_cache .ruff_cache
