# Wheelhouse: `make run` to try it, `make test` to check it. Both set everything up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CHROMIUM := /usr/bin/chromium
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format install chromium demo bench bench-pages bench-events bench-search bench-digest clean-data

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the dependency list changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet ".[dev]"
	touch $@

install: $(VENV)/.installed

# Browser tests drive Debian's Chromium; Playwright's own browser download is not used.
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "Installing Chromium with apt-get..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation >/dev/null; \
	fi

# Migrate, import the demo content and make sure the demo staff account exists.
demo: install
	DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DEBUG=1 $(BIN)/python manage.py import_content
	@# Saves keep the search index current; this catches content from before search existed.
	DEBUG=1 $(BIN)/python manage.py rebuild_search_index
	DEBUG=1 $(BIN)/python manage.py collectstatic --no-input --verbosity 0

run: demo
	@DEBUG=1 $(BIN)/python manage.py ensure_demo_staff
	@echo "Serving Wheelhouse on http://$(HOST):$(PORT)/ (Ctrl+C stops the site and the task worker)"
	@trap 'kill 0' EXIT INT TERM; \
	DEBUG=1 $(BIN)/python manage.py db_worker --verbosity 0 & \
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: install chromium lint
	$(BIN)/pytest

# Benchmarks print JSON; search and digest build their own databases (several minutes each).
bench: bench-pages bench-events bench-search bench-digest

bench-pages: demo
	$(BIN)/python bench/pages.py

bench-events: demo
	$(BIN)/python bench/events.py

bench-search: install
	$(BIN)/python bench/search.py

bench-digest: install
	$(BIN)/python bench/digest.py

clean-data:
	rm -rf .data
