# Two commands: `make demo` and `make test`. Each creates .venv when missing.
VENV   ?= .venv
PYTHON := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PORT   ?= 8501

.PHONY: install test lint typecheck unit floor package-check browser postgres demo demo-script tui bench fuzz clean

$(STAMP): pyproject.toml
	@test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	@# The distribution was called timetravel before 0.1.0 (its editable install mapped `tui`,
	@# and its timetravel.egg-info here would still offer `tui` to anything run from here).
	@$(PYTHON) -m pip uninstall --quiet --yes timetravel >/dev/null 2>&1 || true
	@rm -rf timetravel.egg-info
	$(PYTHON) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# tui/ installs as timetravel_tui; mypy checks the folder (its modules import each other
# relatively, so the name it checks them under doesn't matter).
typecheck: $(STAMP)
	$(VENV)/bin/mypy timetravel tui

# The in-browser Undo test drives Debian's Chromium (Playwright never downloads a browser).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser test"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The store tests run a throwaway PostgreSQL server (initdb + pg_ctl in a temporary folder).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { \
	  echo "installing Debian's postgresql for the store tests"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; }

unit: $(STAMP) browser postgres
	$(VENV)/bin/pytest

# The suite again against the lowest versions pyproject promises (tests/floors.txt), on the
# lowest Python it promises when the machine has one, so that a floor can't silently rot.
FLOOR_VENV   ?= .venv-floor
FLOOR_STAMP  := $(FLOOR_VENV)/.installed
FLOOR_PYTHON ?= $(shell for p in python3.10 $$HOME/.pyenv/versions/3.10*/bin/python3 python3; do \
                  $$p -c 'import sys' >/dev/null 2>&1 && { echo $$p; break; }; done)

$(FLOOR_STAMP): pyproject.toml tests/floors.txt
	@test -x $(FLOOR_VENV)/bin/python || $(FLOOR_PYTHON) -m venv $(FLOOR_VENV)
	$(FLOOR_VENV)/bin/python -m pip install --quiet --upgrade pip
	@$(FLOOR_VENV)/bin/python -m pip uninstall --quiet --yes timetravel >/dev/null 2>&1 || true
	$(FLOOR_VENV)/bin/python -m pip install --quiet -c tests/floors.txt -e '.[dev]'
	@touch $(FLOOR_STAMP)

floor: $(FLOOR_STAMP) browser postgres
	@$(FLOOR_VENV)/bin/python -c 'import sys, streamlit, textual, deepdiff, msgpack; \
	  print("floor:", "Python", sys.version.split()[0], "streamlit", streamlit.__version__, \
	        "textual", textual.__version__, "deepdiff", deepdiff.__version__, \
	        "msgpack", ".".join(map(str, msgpack.version)))'
	$(FLOOR_VENV)/bin/pytest -p no:cacheprovider

# What a user gets: the sdist and wheel built, the wheel installed into a fresh venv without
# the dev extras, the command and the Streamlit layer tried, the sdist's tests run against it.
package-check: $(STAMP)
	$(PYTHON) tests/packaging/check_dist.py

test: lint typecheck unit floor package-check

# The todo app with Undo/Redo, each browser session recorded to ./recordings.
demo: $(STAMP)
	@mkdir -p recordings
	@echo "timetravel demo: the todo app with Undo/Redo at http://localhost:$(PORT)"
	@echo "each browser session is recorded to ./recordings as it goes; inspect one with"
	@echo "    $(VENV)/bin/timetravel info recordings/<file>.ttrec"
	@echo "    $(VENV)/bin/timetravel tui recordings/<file>.ttrec     (or: make tui, for the newest)"
	TIMETRAVEL_RECORD_DIR=recordings $(VENV)/bin/streamlit run examples/todo.py \
	  --server.headless true --server.address localhost --server.port $(PORT) \
	  --browser.gatherUsageStats false

# Opens the newest recording in the terminal UI.
tui: $(STAMP)
	@newest=$$(ls -t recordings/*.ttrec 2>/dev/null | head -n 1); \
	if [ -z "$$newest" ]; then echo "no recordings yet: run make demo and use the app"; exit 2; fi; \
	$(VENV)/bin/timetravel tui "$$newest"

# A scripted session on a plain dict, no browser needed.
demo-script: $(STAMP)
	$(PYTHON) examples/scripted_session.py recordings/demo.ttrec
	$(VENV)/bin/timetravel info recordings/demo.ttrec

bench: $(STAMP)
	$(PYTHON) benchmarks/bench_core.py
	$(PYTHON) benchmarks/bench_shapes.py
	$(PYTHON) benchmarks/bench_restore.py
	$(PYTHON) benchmarks/bench_info.py
	$(PYTHON) benchmarks/bench_streamlit.py
	$(PYTHON) benchmarks/bench_tui.py
	$(PYTHON) benchmarks/bench_stores.py
	$(PYTHON) benchmarks/bench_resume.py
	$(PYTHON) benchmarks/bench_search.py
	$(PYTHON) benchmarks/bench_viewer.py

# A larger fuzz run of the reader than the suite's (issue 9): FUZZ_CASES mutated files.
FUZZ_CASES ?= 5000
fuzz: $(STAMP)
	$(PYTHON) benchmarks/fuzz.py $(FUZZ_CASES)

clean:
	rm -rf $(VENV) $(FLOOR_VENV) recordings dist build .pytest_cache .mypy_cache .ruff_cache
