# Memorial: `make run` serves the archive, `make test` runs the whole test suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
INSTALLED := $(VENV)/.installed
TEST_INSTALLED := $(VENV)/.installed-test

# The PostgreSQL server the second test run uses; each run works in databases of its own.
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test test-fast test-sqlite test-postgres test-sqlite-marked test-postgres-marked lint bench bench-sheets bench-reminders bench-plan bench-labels bench-book bench-interview bench-load bench-lighthouse translations clean-index

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(INSTALLED): setup.cfg pyproject.toml | $(BIN)/python
	@# WeasyPrint (plaque labels as PDF) draws text with pango, in DejaVu (Cyrillic)
	@ldconfig -p | grep -q libpangoft2-1.0 && fc-list | grep -qi dejavu || \
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
	@# Recorded interviews are judged with ffprobe and converted with ffmpeg (Debian's)
	@command -v ffmpeg >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y \
		--no-install-recommends ffmpeg
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_INSTALLED): $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e '.[test,postgres,redis]'
	@command -v pg_dump >/dev/null || apt-get install -y --no-install-recommends postgresql-client
	@command -v pdftoppm >/dev/null || apt-get install -y --no-install-recommends poppler-utils
	@command -v espeak-ng >/dev/null || apt-get install -y --no-install-recommends espeak-ng
	touch $@

# Browser-test tools: Debian's chromium (never `playwright install`), java for the Nu HTML
# checker, and axe-core + vnu-jar from npm into the git-ignored .tools/ (no install scripts).
TOOLS := .tools
AXE_VERSION := 4.14.1
VNU_VERSION := 26.9.27
LIGHTHOUSE_VERSION := 12.2.3
BROWSER_TOOLS := $(TOOLS)/.installed-browser-$(AXE_VERSION)-$(VNU_VERSION)
APT_INSTALL := DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends

$(TOOLS)/.apt-updated:
	mkdir -p $(TOOLS)
	@if [ ! -x /usr/bin/chromium ] || ! command -v java >/dev/null || ! command -v npm >/dev/null; then \
		apt-get update; fi
	touch $@

$(BROWSER_TOOLS): | $(TOOLS)/.apt-updated
	@[ -x /usr/bin/chromium ] || $(APT_INSTALL) chromium fonts-dejavu-core
	@command -v java >/dev/null || $(APT_INSTALL) default-jre-headless
	@command -v npm >/dev/null || $(APT_INSTALL) nodejs npm
	npm install --prefix $(TOOLS) --no-audit --no-fund --ignore-scripts --save-exact \
		axe-core@$(AXE_VERSION) vnu-jar@$(VNU_VERSION)
	touch $@

## run: create the database and index under instance/, import the demo archive once, serve
## on http://$(HOST):$(PORT) (make run PORT=8080 HOST=0.0.0.0 to change them)
HOST ?= 127.0.0.1
PORT ?= 5000
run: $(INSTALLED)
	$(BIN)/memorial init-db
	$(BIN)/memorial import-archive archive_data --if-empty
	$(BIN)/memorial run --host $(HOST) --port $(PORT)

## test: install what the tests need, check lint, format and types, then run the whole suite
## on SQLite and on PostgreSQL, the two runs side by side (one per core; each line of output
## is marked with its run)
test: lint $(TEST_INSTALLED) $(BROWSER_TOOLS)
	$(MAKE) --no-print-directory -j2 test-sqlite-marked test-postgres-marked

## test-fast: the suite without browsers, servers or PostgreSQL, for the edit-run loop
test-fast: $(TEST_INSTALLED)
	$(BIN)/python -m pytest -q -m "not slow" --ignore=tests/browser

test-sqlite: $(TEST_INSTALLED) $(BROWSER_TOOLS)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The pages themselves (axe, the Nu HTML checker, the keyboard journeys), the tests that start
# real processes (killed imports, several workers), the tests of files only (recordings, PDFs),
# who may open which address (access), and the modules that never touch a database run
# once, in the SQLite run; what pages and commands read and write through the database is
# tested here by the rest (the whole run stays within CI's 20 minutes).
PG_ONCE := --ignore=tests/browser --ignore=tests/test_layers.py --ignore=tests/test_layout.py \
	--ignore=tests/test_access.py \
	--ignore=tests/test_language.py --ignore=tests/test_search_analysis.py \
	--ignore=tests/test_dates.py --ignore=tests/test_i18n.py -m "not slow and not media"
test-postgres: $(TEST_INSTALLED)
	MEMORIAL_TEST_DATABASE_URL=$(TEST_DATABASE_URL) MEMORIAL_TEST_SEARCH_BACKEND=postgres \
		$(BIN)/python -m pytest $(PG_ONCE) $(PYTEST_ARGS)

# The two runs of `make test`, each line of output prefixed with the run's name; the exit
# status is the run's own.
test-sqlite-marked test-postgres-marked: SHELL := /bin/bash
test-sqlite-marked test-postgres-marked: .SHELLFLAGS := -o pipefail -c
test-sqlite-marked test-postgres-marked: test-%-marked:
	$(MAKE) --no-print-directory test-$* PYTEST_ARGS="-p no:cacheprovider" 2>&1 | sed -u 's/^/[$*] /'

## bench-load: requests/s and latency under wrk with gunicorn, SQLite and PostgreSQL
bench-load: $(TEST_INSTALLED)
	@command -v wrk >/dev/null || apt-get install -y --no-install-recommends wrk
	$(BIN)/python bench/load.py --heroes $${LOAD_HEROES:-100000}

## bench: search benchmark (Whoosh against SQLite FTS5) at 10,000 and 100,000 profiles;
## writes the search section of bench/RESULTS.md. Long: about an hour on two cores.
## Then the spreadsheet import benchmark (bench-sheets).
bench: $(INSTALLED) bench-sheets
	$(BIN)/python bench/search_bench.py --sizes $(or $(BENCH_SIZES),10000 100000)

## bench-sheets: checking and importing a 5,000-row CSV and XLSX (a minute or two), also on
## PostgreSQL with SHEET_BENCH_POSTGRES=<URL of an empty database>; writes the spreadsheet
## section of bench/RESULTS.md
bench-sheets: $(INSTALLED)
	$(BIN)/python bench/sheet_bench.py --rows $(or $(SHEET_ROWS),5000) \
		$(if $(SHEET_BENCH_POSTGRES),--postgres $(SHEET_BENCH_POSTGRES))

## bench-plan: the plan page of a sector of 500 (and 200) places, uncached; writes the
## sector plan section of bench/RESULTS.md. About a minute.
bench-plan: $(INSTALLED)
	$(BIN)/python bench/plan_bench.py --runs $(or $(PLAN_RUNS),200)

## bench-book: a volume of the book of memory at 300, 1,000 and 2,000 heroes (time and peak
## memory of `memorial book build`) and one hero's printable page; writes the book section of
## bench/RESULTS.md. About a quarter of an hour.
bench-book: $(INSTALLED)
	$(BIN)/python bench/book_bench.py --sizes $(or $(BOOK_SIZES),300 1000 2000)

## bench-labels: seconds to make the PDF sheet of plaque labels for 500 graves (the goal is
## 30 s); writes the plaque labels section of bench/RESULTS.md
bench-labels: $(INSTALLED)
	$(BIN)/python bench/labels_bench.py --graves $(or $(LABEL_GRAVES),500)

## bench-interview: converting an hour of recorded interview (speech, and 720p video) against
## the goal of twice its playing time; writes the interview section of bench/RESULTS.md.
## About half an hour on two cores (VIDEO_MINUTES=10 measures less and scales).
bench-interview: $(INSTALLED)
	@command -v espeak-ng >/dev/null || apt-get install -y --no-install-recommends espeak-ng
	$(BIN)/python bench/interview_bench.py --audio-minutes $(or $(AUDIO_MINUTES),60) \
		--video-minutes $(or $(VIDEO_MINUTES),60)

## lint: ruff's rules and format, and mypy on the domain and search
lint: $(TEST_INSTALLED)
	$(BIN)/ruff check memorial tests bench archive_data
	$(BIN)/ruff format --check memorial tests bench archive_data
	$(BIN)/mypy

## bench-reminders: how long `memorial send-reminders` takes for 2,000 letters (aiosmtpd receiving)
bench-reminders: $(TEST_INSTALLED)
	$(BIN)/python bench/reminders_bench.py

## translations: refresh the message catalogs from the code and templates, then compile them
translations: $(INSTALLED)
	$(BIN)/pybabel extract -F babel.cfg -k _l -o memorial/translations/messages.pot .
	$(BIN)/pybabel update -i memorial/translations/messages.pot -d memorial/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d memorial/translations

## bench-lighthouse: Lighthouse scores of home, a profile and search, written to bench/RESULTS.md
$(TOOLS)/.installed-lighthouse-$(LIGHTHOUSE_VERSION): | $(BROWSER_TOOLS)
	npm install --prefix $(TOOLS) --no-audit --no-fund --ignore-scripts --save-exact \
		lighthouse@$(LIGHTHOUSE_VERSION)
	touch $@

bench-lighthouse: $(INSTALLED) $(TOOLS)/.installed-lighthouse-$(LIGHTHOUSE_VERSION)
	$(BIN)/python bench/lighthouse.py --lighthouse $(TOOLS)/node_modules/.bin/lighthouse
