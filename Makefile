# Memorial: `make run` serves the archive, `make test` runs the whole test suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
INSTALLED := $(VENV)/.installed
TEST_INSTALLED := $(VENV)/.installed-test

.PHONY: run test lint bench translations clean-index

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(INSTALLED): setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_INSTALLED): $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e '.[test,postgres]'
	touch $@

## run: create the database and index under instance/, import the demo archive once, serve
run: $(INSTALLED)
	$(BIN)/memorial init-db
	$(BIN)/memorial import-archive archive_data --if-empty
	$(BIN)/memorial run --host 127.0.0.1 --port 5000

## test: install what the tests need and run the whole suite
test: $(TEST_INSTALLED)
	$(BIN)/python -m pytest

## bench: search benchmark (Whoosh against SQLite FTS5) at 10,000 and 100,000 profiles;
## writes the search section of bench/RESULTS.md. Long: about an hour on two cores.
bench: $(INSTALLED)
	$(BIN)/python bench/search_bench.py --sizes $(or $(BENCH_SIZES),10000 100000)

lint: $(TEST_INSTALLED)
	$(BIN)/python -m pip install --quiet ruff
	$(BIN)/ruff check memorial tests bench

## translations: refresh the message catalogs from the code and templates, then compile them
translations: $(INSTALLED)
	$(BIN)/pybabel extract -F babel.cfg -k _l -o memorial/translations/messages.pot .
	$(BIN)/pybabel update -i memorial/translations/messages.pot -d memorial/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d memorial/translations
