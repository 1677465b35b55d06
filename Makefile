# Two entry points: `make demo` and `make test`. Both build .venv from nothing.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip

.PHONY: demo test install validate clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e ".[dev]"
	touch $@

demo: install
	$(PY) -m agent.demo

test: install
	$(PY) -m pytest

validate: install
	$(VENV)/bin/langgraph validate

clean:
	rm -rf $(VENV) .langgraph_api .pytest_cache
