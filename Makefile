# The two quick-start commands are `make run` and `make test`; everything else supports them.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test bench lint security audit format data clean

setup: $(VENV)/.installed node_modules/.installed build/static/nhsuk-portal.css build/static/nhsuk/nhsuk-frontend.min.js

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The design system's CSS, compiled without its externally hosted fonts (see static/scss/nhsuk.scss).
build/static/nhsuk-portal.css: static/scss/nhsuk.scss node_modules/.installed
	npm run --silent build:css

# Only the design system's script and assets are served (not its 9,000 source files), so
# collectstatic and the image stay small.
build/static/nhsuk/nhsuk-frontend.min.js: node_modules/.installed
	npm run --silent build:js

# Migrate, load real organisations, both framework versions and the reviewed knowledge base,
# create demo people, print their sign-ins, then serve the portal on the embedded default
# (SQLite, tasks in-process).
data: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_organisations
	$(PY) manage.py load_framework
	$(PY) manage.py load_knowledge
	$(PY) manage.py seed_demo

run: data
	@echo "Serving the portal on http://$(HOST):$(PORT)/ (sign in with a demo account above)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# The suite in parallel processes (pytest-xdist), one a core up to four; each has its own test
# database, Redis database and outage-test ports (tests/services.py). TEST_WORKERS=0 runs it in
# this process alone. A test file stays on one worker, so its module fixtures are built once.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ "$$n" -gt 4 ] && n=4; echo $$n)

test: setup
	$(VENV)/bin/pytest --numprocesses=$(TEST_WORKERS) --dist=loadfile

bench: setup
	$(PY) -m benchmarks

# ruff, ruff's formatting, and the layering of the apps (import-linter contracts in pyproject.toml).
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

# bandit over the apps: fails on any high-severity finding (see [tool.bandit] in pyproject.toml).
security: setup
	$(VENV)/bin/bandit -q -c pyproject.toml -r wgll organisations framework assessments reports demo --severity-level high

# Known vulnerabilities in the installed packages, from PyPI's advisory data. Needs to reach
# pypi.org's JSON API and osv.dev, which CI machines here cannot: run it where they can.
audit: setup
	$(VENV)/bin/pip install --quiet pip-audit
	$(VENV)/bin/pip-audit --strict --progress-spinner off -r requirements.lock

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) node_modules var build
