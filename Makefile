# The two commands of the README. Each makes (or reuses) .venv and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench pictures clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

# Bytecode for our own modules, written once: Python would write it on first run, unless
# PYTHONDONTWRITEBYTECODE is set (as on our build machines), when every start recompiles.
demo: $(STAMP)
	@$(BIN)/python -m compileall -q triage screens
	$(BIN)/triage demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check triage screens tests bench
	$(BIN)/ruff format --check triage screens tests bench
	$(BIN)/mypy

# The README's pictures: copies of the (reviewed) snapshots; tests/test_readme_pictures.py
# fails while one differs.
pictures: $(STAMP)
	$(BIN)/python -m tests.test_readme_pictures

bench: $(STAMP)
	$(BIN)/python bench/import_marks.py

clean:
	rm -rf $(VENV) build *.egg-info
