# Two commands for a new machine: `make demo` and `make test`. Each creates .venv when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/sms-handlers demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy -p bot -p sms_handlers_sandbox -p bench

# One worker per core, at most 4 (the tests wait on real processes and servers, and some on
# real time, which more workers than cores would only slow down). worksteal: an idle worker takes
# tests queued for a busy one, so the few 5-15 s tests do not leave one worker finishing alone.
test: lint
	$(BIN)/pytest --numprocesses=auto --maxprocesses=4 --dist=worksteal --durations=10

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
