# Two commands: `make run` starts the dashboard, `make test` runs the linters, the layer and type checks and every test.
# Both set up .venv themselves; a change to pyproject.toml reinstalls.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501

.PHONY: run test lint bench clean

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

# The static folder is prepared first: Streamlit looks for it when it starts.
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

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(VENV)/.installed-test
	$(BIN)/python -m tools.bench

# 20 browser sessions at once against one local server for a minute; prints its figures.
.PHONY: loadtest
loadtest: $(VENV)/.installed-test
	$(BIN)/python -m tools.loadtest

clean:
	rm -rf $(VENV) static .pytest_cache
