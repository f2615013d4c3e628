# Passerelle — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi
export PASSERELLE_ENV ?= development

.PHONY: run test lint format lock db translations i18n-update i18n-check clean help

help:
	@echo "make run    set up everything (venv, dependencies, database, demo data) and serve on http://127.0.0.1:$(PORT)"
	@echo "make test   install the test tools, run ruff, the catalogue check and the whole test suite"
	@echo "make i18n-update   merge new messages into translations/*/messages.po"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

# Compiled catalogues (.mo) are build output, made from translations/*/LC_MESSAGES/messages.po.
translations: $(VENV)/.runtime
	$(BIN)/python tools/catalogues.py compile

# Extract the messages of the code and merge them into the catalogues (then translate the new ones).
i18n-update: $(VENV)/.runtime
	$(BIN)/python tools/catalogues.py update

# Fails when a message is missing, fuzzy or untranslated in a catalogue.
i18n-check: $(VENV)/.runtime
	$(BIN)/python tools/catalogues.py check

db: $(VENV)/.runtime translations
	$(FLASK) db upgrade
	$(FLASK) seed-demo

# With Redis on this machine (or REDIS_URL set), emails go through the RQ worker started here;
# without it they are sent inline after each commit. Either way they land in instance/mail/*.eml
# unless MAIL_SERVER is set.
run: db
	@if [ -z "$$REDIS_URL" ] && $(BIN)/python -c 'import redis; redis.Redis(socket_connect_timeout=1).ping()' 2>/dev/null; then \
		export REDIS_URL=redis://127.0.0.1:6379/0; fi; \
	if [ -n "$$REDIS_URL" ]; then \
		echo "Emails go through the worker on $$REDIS_URL"; $(FLASK) worker & \
	else echo "No Redis: emails are sent inline after each commit"; fi; \
	echo "Serving Passerelle on http://127.0.0.1:$(PORT) (Ctrl-C to stop)"; \
	PUBLIC_URL=$${PUBLIC_URL:-http://127.0.0.1:$(PORT)} $(FLASK) run --host 127.0.0.1 --port $(PORT)

test: $(VENV)/.dev translations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit --quiet --recursive expertise_app config.py wsgi.py
	$(BIN)/python tools/catalogues.py check
	PASSERELLE_ENV=testing $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Recompile the pinned requirements from requirements*.in (needs pip-tools).
lock: $(VENV)/.dev
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --no-header --no-emit-index-url --no-emit-find-links -o requirements.txt requirements.in
	$(BIN)/pip-compile --quiet --strip-extras --no-header --no-emit-index-url --no-emit-find-links -o requirements-dev.txt requirements-dev.in

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

