# Two commands: `make run` starts the dashboard, `make test` runs the linters, the layer and type checks and every test.
# Both set up .venv themselves; a change to pyproject.toml reinstalls.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501

.PHONY: run test lint bench bench-big clean

$(VENV)/.python-ok:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "borderstates needs Python 3.11 or newer (PYTHON=$(PYTHON))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	@touch $@

$(VENV)/.installed-run: pyproject.toml $(VENV)/.python-ok
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.python-ok
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed-run

# The static folder (in the repository, empty but for its README) is filled first: the first
# reader then need not wait for the copy.
run: $(VENV)/.installed-run
	$(BIN)/python -m borderstates.render.assets static
	$(BIN)/streamlit run dashboard.py --server.port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	@test -x /usr/bin/chromium || printf '\n%s\n%s\n\n' \
		'*** /usr/bin/chromium is missing: the BROWSER TESTS WILL BE SKIPPED. ***' \
		'*** Install it with: apt-get install -y chromium (CI does, and fails without it). ***'
	$(BIN)/pytest

# The README's pictures (docs/*.png), taken by the browser tests that draw them.
screenshots: $(VENV)/.installed-test
	BORDERSTATES_SCREENSHOTS=1 $(BIN)/pytest tests/browser -k "the_map_draws_offline or brushing_the_histogram or regions_fill_the_map"

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The targets of issue #13 measured in one run (15–30 minutes): 10 million events in a temporary
# store, 1 million beside today's pandas path, Spark local[2], a GDELT import. BENCH_ARGS passes
# options (`$(BIN)/python -m tools.bench --help`), e.g. BENCH_ARGS="--skip spark".
bench: $(VENV)/.installed-test
	$(BIN)/python -m tools.bench $(BENCH_ARGS)

# The big tier: 100 million events (filter, search, memory) and 10 million GDELT rows imported.
# Writing the events alone takes the better part of an hour on 2 cores; BENCH_ARGS="--events 20000000"
# runs it smaller.
bench-big: $(VENV)/.installed-test
	$(BIN)/python -m tools.bench --big $(BENCH_ARGS)

# 20 browser sessions at once against one local server for a minute; prints its figures.
.PHONY: loadtest
loadtest: $(VENV)/.installed-test
	$(BIN)/python -m tools.loadtest

# static/ keeps its README, the one file of it in the repository.
clean:
	rm -rf $(VENV) .pytest_cache
	find static -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +
