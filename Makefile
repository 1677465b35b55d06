# Two entry points: `make demo` and `make test`. Both build .venv from nothing.
# While working: `make check` (lint, types, import contracts and the tests that need no server, ~2 min).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip

# llama-cpp-python compiles from source. A native build segfaults on CPUs with AMX, and pip hands
# back a cached wheel whatever CMAKE_ARGS says, so we build our own generic wheel (GGML_NATIVE=OFF)
# once, keep it in a wheelhouse named for that flag, and install from there.
LLAMA_CPP_VERSION := 0.3.36
WHEELHOUSE := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/memory-chatbot/llama-cpp-python-$(LLAMA_CPP_VERSION)-generic

# A CPU build of torch is all the embeddings need; this version is on local disk here, and a newer
# or unpinned torch would pull a multi-GB CUDA build.
TORCH_VERSION := 2.13.0

# `make serve`: langgraph dev with free slots for chats (its default runs one job at a time).
PORT   ?= 2024
CONFIG ?= langgraph.json
JOBS   ?= 10

# The official JavaScript SDK's checks (tests/test_js_client.py runs them with node).
JS_DIR := tests/js

# The server on Postgres + Redis runs on the open runtime langgraph-runtime-pg (CLI: langhost), which pins an
# older langgraph-api than `langgraph dev` here: it gets a virtualenv of its own, with the project's
# requirements but not the project (its replicas import it from the source tree, as `langhost` serves it).
LANGHOST_VERSION := 0.11.1.post1
VENV_PG := .venv-pg
PY_PG   := $(VENV_PG)/bin/python

# The tiers `make check` leaves to `make test` (pytest markers, registered in pyproject.toml).
SLOW_TIERS := not server and not browser and not postgres and not replicas and not node

.PHONY: demo test check lint format hooks token install venv-pg redis serve-pg browser js validate serve clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	@ls $(WHEELHOUSE)/llama_cpp_python-$(LLAMA_CPP_VERSION)-*.whl >/dev/null 2>&1 || { \
	  echo "Building llama-cpp-python $(LLAMA_CPP_VERSION) with GGML_NATIVE=OFF (a few minutes, once per machine)" >&2; \
	  CMAKE_ARGS="-DGGML_NATIVE=OFF" $(PIP) wheel --quiet --no-cache-dir --no-binary llama-cpp-python \
	    --no-deps "llama-cpp-python==$(LLAMA_CPP_VERSION)" -w $(WHEELHOUSE); }
	$(PIP) install --quiet "torch==$(TORCH_VERSION)"
	$(PIP) install --quiet --force-reinstall --no-deps $(WHEELHOUSE)/llama_cpp_python-$(LLAMA_CPP_VERSION)-*.whl
	$(PIP) install --quiet -e ".[dev,local,embeddings,postgres,bench]"
	$(PY) -m agent.models.local >&2
	touch $@

venv-pg: $(VENV_PG)/.installed

$(VENV_PG)/.installed: $(VENV)/.installed pyproject.toml Makefile
	test -x $(PY_PG) || $(PYTHON) -m venv $(VENV_PG)
	$(PY_PG) -m pip install --quiet --upgrade pip
	$(PY_PG) -m pip install --quiet "torch==$(TORCH_VERSION)"
	$(PY_PG) -m pip install --quiet --force-reinstall --no-deps $(WHEELHOUSE)/llama_cpp_python-$(LLAMA_CPP_VERSION)-*.whl
	$(PY_PG) -m devtools.pg_requirements > $(VENV_PG)/requirements.txt
	$(PY_PG) -m pip install --quiet -r $(VENV_PG)/requirements.txt "langhost==$(LANGHOST_VERSION)"
	touch $@

# Debian's redis-server (installed as root when missing), for the replicas' run queue.
redis:
	@command -v redis-server >/dev/null || { \
	  echo "Installing Debian's redis-server for the Postgres + Redis replicas"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }

# PostgreSQL (data in .pg-stack/), Redis and two replicas of langgraph.pg.json; Ctrl-C stops them all.
serve-pg: venv-pg redis
	$(PY_PG) -m devtools.pg_stack --replicas 2

demo: install
	$(PY) -m devtools.demo

serve: install
	$(PY) -m devtools.serve --config $(CONFIG) --port $(PORT) --jobs $(JOBS)

# A bearer token for USER_ID, signed with the secret in .env (USER would be every shell's own user).
token: install
	@test -n "$(USER_ID)" || { echo "usage: make token USER_ID=<user id>" >&2; exit 2; }
	@$(PY) -m agent.client.tokens mint "$(USER_ID)"

# The memory-page test drives Debian's Chromium (installed as root when missing).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  echo "Installing Debian's chromium and chromium-driver for the memory-page test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

# The JavaScript SDK test's packages, exactly as $(JS_DIR)/package-lock.json pins them; reinstalled when it changes.
js: $(JS_DIR)/node_modules/.installed

$(JS_DIR)/node_modules/.installed: $(JS_DIR)/package.json $(JS_DIR)/package-lock.json
	cd $(JS_DIR) && npm ci --no-audit --no-fund
	touch $@

# ruff (lint and format), mypy, and the import contracts in pyproject.toml.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# Rewrite the code as `make lint` wants it (ruff's fixes and formatting).
format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The repository's git hooks (a commit subject of at most 72 characters) for this clone.
hooks:
	git config core.hooksPath devtools/hooks

check: lint
	$(PY) -m pytest -m "$(SLOW_TIERS)"

test: install browser js venv-pg redis lint
	$(PY) -m pytest

validate: install
	$(VENV)/bin/langgraph validate
	$(VENV)/bin/langgraph validate --config langgraph.openai.json
	$(VENV)/bin/langgraph validate --config langgraph.local.json

clean:
	rm -rf $(VENV) $(VENV_PG) .langgraph_api .dev-state .pytest_cache $(JS_DIR)/node_modules
