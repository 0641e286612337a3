# Memorial: `make run` serves the archive, `make test` runs the whole test suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
INSTALLED := $(VENV)/.installed
TEST_INSTALLED := $(VENV)/.installed-test

# The PostgreSQL server the second test run uses; each run works in databases of its own.
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test test-sqlite test-postgres lint bench bench-load translations clean-index

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(INSTALLED): setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_INSTALLED): $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e '.[test,postgres,redis]'
	@command -v pg_dump >/dev/null || apt-get install -y --no-install-recommends postgresql-client
	touch $@

## run: create the database and index under instance/, import the demo archive once, serve
run: $(INSTALLED)
	$(BIN)/memorial init-db
	$(BIN)/memorial import-archive archive_data --if-empty
	$(BIN)/memorial run --host 127.0.0.1 --port 5000

## test: install what the tests need and run the whole suite on SQLite, then on PostgreSQL
test: test-sqlite test-postgres

test-sqlite: $(TEST_INSTALLED)
	$(BIN)/python -m pytest

test-postgres: $(TEST_INSTALLED)
	MEMORIAL_TEST_DATABASE_URL=$(TEST_DATABASE_URL) MEMORIAL_TEST_SEARCH_BACKEND=postgres \
		$(BIN)/python -m pytest

## bench-load: requests/s and latency under wrk with gunicorn, SQLite and PostgreSQL
bench-load: $(TEST_INSTALLED)
	@command -v wrk >/dev/null || apt-get install -y --no-install-recommends wrk
	$(BIN)/python bench/load.py --heroes $${LOAD_HEROES:-100000}

lint: $(TEST_INSTALLED)
	$(BIN)/python -m pip install --quiet ruff
	$(BIN)/ruff check memorial tests bench

## translations: refresh the message catalogs from the code and templates, then compile them
translations: $(INSTALLED)
	$(BIN)/pybabel extract -F babel.cfg -k _l -o memorial/translations/messages.pot .
	$(BIN)/pybabel update -i memorial/translations/messages.pot -d memorial/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d memorial/translations
