# Two commands a newcomer needs (see README): `make` (validate + publish) and `make test`.
# Both create .venv and install the locked dependencies themselves.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PNG ?= auto

.PHONY: all setup validate publish test test-slow test-site lint ingest refresh clean

all: publish

$(STAMP): pyproject.toml requirements.lock
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

setup: $(STAMP)

validate: setup
	$(BIN)/cscbench validate datapackage.json

publish: validate
	$(BIN)/cscbench publish --package datapackage.json --out site --png $(PNG)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The fast tier on both cores (pytest-xdist). `loadfile` runs each test file on one worker, so a
# file's module fixtures are built once; tests/conftest.py sets the files' order. Each worker runs
# polars on one thread: the two workers already fill both cores, and polars' own pool of two per
# worker only adds switching (about 5% of the tier's CPU). (`loadgroup` would group by fixture, but
# with pytest 9.2 xdist 3.8 ignores its marks: pytest-xdist issue 1386.) TEST_WORKERS=0 runs in one
# process. pytest exits 5 when it collects no tests; make treats any non-zero exit as a failure.
TEST_WORKERS ?= 2
test: lint
	POLARS_MAX_THREADS=1 $(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# The slow end-to-end tier (CI runs it after `make test`): the `slow` tests and the `site` tests,
# which read the whole published site (tests/conftest.py marks them); `-m` overrides the default filter.
test-slow: setup
	$(BIN)/pytest -q -m 'slow or site'

# Only the tests of the whole published site, on both cores (about 35 s): for a change to the pages.
test-site: setup
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder -m 'site and not slow'

ingest: setup
	$(BIN)/cscbench ingest

# The scheduled refresh (docs/maintainers.md, "Refreshing on a schedule"): ask every publisher whether its file
# changed (fetch exits 1 naming a revised file, which is refused until reviewed), rebuild, and print
# what changed in the package as markdown, the description of a reviewed change. The package as it
# was is kept in $(REFRESH_DIR)/before; the markdown is $(REFRESH_DIR)/change.md. diff exits 1 when
# there are differences: that is a result here, not a failure.
REFRESH_DIR ?= .refresh
FETCH_ARGS ?=
refresh: setup
	rm -rf $(REFRESH_DIR) && mkdir -p $(REFRESH_DIR)/before
	cp -R datapackage.json datapackage schemas $(REFRESH_DIR)/before/
	$(BIN)/cscbench fetch $(FETCH_ARGS)
	$(BIN)/cscbench ingest
	$(BIN)/cscbench diff $(REFRESH_DIR)/before/datapackage.json datapackage.json \
		--format markdown > $(REFRESH_DIR)/change.md; status=$$?; \
		cat $(REFRESH_DIR)/change.md; test $$status -le 1

clean:
	rm -rf $(VENV) site .pytest_cache .ruff_cache $(REFRESH_DIR)
