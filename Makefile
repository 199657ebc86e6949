# Wheelhouse: `make run` to try it, `make test` to check it, `make serve` to serve it as in
# production (see "Deploying" in README.md). All of them set everything up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CHROMIUM := /usr/bin/chromium
HOST ?= 127.0.0.1
PORT ?= 8000
# Without SITE_URL, the settings build it from these: links in mail and feeds match the port.
export HOST PORT
DATA_DIR := $(or $(WHEELHOUSE_DATA_DIR),.data)

# Serving recipes start each process as a job in its own process group (set -m), so Ctrl+C
# reaches only the recipe's shell. Its trap (on Ctrl+C, SIGTERM, hang-up, or one process
# exiting) sends each job one SIGTERM, waits for them, then stops the embedded PostgreSQL:
# it stops itself from atexit when its last user exits, and SIGTERM skips atexit. A test run
# still using it keeps it running.
STOP_ALL := trap "" INT TERM HUP; trap - EXIT; set +m; \
	for job in $$(jobs -p); do kill -TERM -- -$$job 2>/dev/null; done; \
	wait; $(BIN)/python -m config.database stop

.PHONY: run serve test lint format install chromium assets demo bench bench-pages bench-events bench-search bench-digest bench-load clean-data

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

# Rebuild static/vendor/nhsuk-frontend from the pinned versions in config/assets (needs Node and
# the npm registry; the built files are committed, so nothing else here needs Node).
ASSETS_BUILD := $(DATA_DIR)/assets-build
VENDOR := static/vendor/nhsuk-frontend
assets:
	rm -rf $(ASSETS_BUILD) && mkdir -p $(ASSETS_BUILD)
	cp config/assets/package.json config/assets/package-lock.json config/assets/wheelhouse.scss $(ASSETS_BUILD)/
	cd $(ASSETS_BUILD) && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/assets/images
	$(ASSETS_BUILD)/node_modules/.bin/sass --no-source-map --style=compressed --quiet-deps \
		--load-path=$(ASSETS_BUILD)/node_modules $(ASSETS_BUILD)/wheelhouse.scss $(VENDOR)/nhsuk-frontend.min.css
	@# The module's sourceMappingURL names a map that is not shipped.
	sed '/^\/\/# sourceMappingURL=/d; s|//# sourceMappingURL=[^ ]*$$||' \
		$(ASSETS_BUILD)/node_modules/nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.js > $(VENDOR)/nhsuk-frontend.min.js
	cp $(ASSETS_BUILD)/node_modules/nhsuk-frontend/dist/nhsuk/assets/images/nhsuk-icon-*.svg $(VENDOR)/assets/images/
	cp config/assets/LICENSE $(VENDOR)/LICENSE
	@if grep -q 'https\?://' $(VENDOR)/nhsuk-frontend.min.css; then \
		echo "The built CSS names another host:"; grep -o 'url(http[^)]*)' $(VENDOR)/nhsuk-frontend.min.css; exit 1; fi
	@echo "Built $(VENDOR) from nhsuk-frontend $$(node -p "require('./$(ASSETS_BUILD)/node_modules/nhsuk-frontend/package.json').version")"

# Migrate, import the demo content and make sure the demo staff account exists.
demo: install
	DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DEBUG=1 $(BIN)/python manage.py import_content
	@# Saves keep the search index current; this catches content from before search existed.
	DEBUG=1 $(BIN)/python manage.py rebuild_search_index
	DEBUG=1 $(BIN)/python manage.py collectstatic --no-input --verbosity 0

run: demo
	@DEBUG=1 $(BIN)/python manage.py ensure_demo_staff
	@echo "Serving Wheelhouse on http://$(HOST):$(PORT)/ (Ctrl+C stops the site, the task worker and the database)"
	@set -m; trap '$(STOP_ALL)' EXIT INT TERM HUP; \
	DEBUG=1 $(BIN)/python manage.py db_worker --verbosity 0 & \
	DEBUG=1 $(BIN)/python manage.py publish_scheduled --every 60 & \
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT) & \
	wait -n

# DEBUG off, hashed static files, gunicorn and a task worker, as in production. Without
# SECRET_KEY, one is generated into .data/secret-key the first time and reused after.
serve: install
	@set -e; \
	if [ -z "$$SECRET_KEY" ]; then \
		mkdir -p $(DATA_DIR); \
		if [ ! -s $(DATA_DIR)/secret-key ]; then \
			(umask 077; $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $(DATA_DIR)/secret-key); \
		fi; \
		chmod 600 $(DATA_DIR)/secret-key; \
		export SECRET_KEY="$$(cat $(DATA_DIR)/secret-key)"; \
	fi; \
	export DEBUG=0; \
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0; \
	$(BIN)/python manage.py migrate --no-input; \
	echo "Serving Wheelhouse with gunicorn on http://$(HOST):$(PORT)/ (Ctrl+C stops it, the task worker and the database)"; \
	set -m; trap '$(STOP_ALL)' EXIT INT TERM HUP; \
	$(BIN)/python manage.py db_worker --no-reload --verbosity 0 & \
	$(BIN)/python manage.py publish_scheduled --every 60 & \
	$(BIN)/gunicorn config.wsgi --workers $${WEB_CONCURRENCY:-2} --bind $(HOST):$(PORT) & \
	wait -n

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: install chromium lint
	$(BIN)/pytest

# Benchmarks print JSON; search and digest build their own databases (several minutes each).
bench: bench-pages bench-events bench-search bench-digest bench-load

bench-pages: demo
	$(BIN)/python bench/pages.py

bench-events: demo
	$(BIN)/python bench/events.py

bench-search: install
	$(BIN)/python bench/search.py

bench-digest: install
	$(BIN)/python bench/digest.py

# Pages under load through gunicorn, against a bare view; wrk from Debian when missing.
bench-load: demo
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python bench/load.py

clean-data:
	rm -rf .data
