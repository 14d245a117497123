# The two front doors: `make run` (set up and serve with SQLite and demo data) and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PYTEST_ARGS ?=

.PHONY: run test test-sqlite test-postgres serve install install-dev clean bench messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(FLASK) uth init
	$(FLASK) uth demo
	$(BIN)/gunicorn --workers 2 --bind 127.0.0.1:5000 --access-logfile - wsgi:app

# The whole suite on SQLite, then again on PostgreSQL (scripts/pg-test-server starts a throwaway
# server when UTH_TEST_DATABASE_URL is not given). Browser journeys run once, in the SQLite pass.
test: install-dev
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: install-dev
	env -u UTH_TEST_DATABASE_URL $(BIN)/pytest -n 2 $(PYTEST_ARGS)

test-postgres: install-dev
	@url="$${UTH_TEST_DATABASE_URL:-$$(scripts/pg-test-server 2>/dev/null || true)}"; \
	if [ -z "$$url" ]; then \
	  echo "PostgreSQL is not installed here: the PostgreSQL pass cannot run (apt-get install postgresql)."; \
	  if [ -n "$$UTH_REQUIRE_POSTGRES" ]; then exit 1; fi; exit 0; \
	fi; \
	echo "PostgreSQL pass against $$url"; \
	UTH_TEST_DATABASE_URL="$$url" $(BIN)/pytest -n 2 -m "not browser" $(PYTEST_ARGS)

# The English catalog: extract every _() from uth/ and templates/ (babel.cfg), add the new Danish ids
# to uth/translations/en/LC_MESSAGES/messages.po with an empty msgstr, drop the gone ones, and list
# what still has no English. Fill in a msgstr by hand, or many at once from {"Danish": "English"}:
# `scripts/po-fill FILE.json`. The app compiles the catalog when it starts (uth/translations/catalog.py).
messages: $(BIN)/python
	$(BIN)/python -m uth.translations.catalog update

# The issue-16 figures at a size that fits ~10 minutes on the 2-core machine (each beside its floor
# or its "before" in the same run); the larger sizes are flags of the same scripts (README, Benchmarks).
bench: install-dev
	$(BIN)/python bench/queue_bench.py --cases 5000 --requests 300
	$(BIN)/python bench/import_bench.py --reports 2000
	$(BIN)/python bench/reindex_bench.py --cases 2000
	$(BIN)/python bench/submit_bench.py --requests 1000
	$(BIN)/python bench/worker_rss_bench.py --cases 5000 --requests 1200

clean:
	rm -rf $(VENV) instance
