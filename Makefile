# Two commands: `make demo` and `make test`. Each creates .venv when missing.
VENV   ?= .venv
PYTHON := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install test lint typecheck unit demo bench clean

$(STAMP): pyproject.toml
	@test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy timetravel tui

unit: $(STAMP)
	$(VENV)/bin/pytest

test: lint typecheck unit

demo: $(STAMP)
	$(PYTHON) examples/scripted_session.py recordings/demo.ttrec
	$(VENV)/bin/timetravel info recordings/demo.ttrec

bench: $(STAMP)
	$(PYTHON) benchmarks/bench_core.py

clean:
	rm -rf $(VENV) recordings .pytest_cache .mypy_cache .ruff_cache
