# The two commands: `make run` (the whole platform) and `make test` (the whole suite).
# Both set everything up on a fresh machine: virtualenv, pinned Python packages,
# front-end libraries from the npm registry (served by us), and for tests Chromium.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
JS_STAMP := static/vendor/.installed

.PHONY: run test test-services lint bench deps clean chromium demo-data

run: $(PY_STAMP) $(JS_STAMP)
	$(BIN)/python app.py

test: $(DEV_STAMP) $(JS_STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

# The same suite against the machine's PostgreSQL and Redis (CI runs both).
test-services: $(DEV_STAMP) $(JS_STAMP) chromium
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
	DATABASE_URL=$${DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
	$(BIN)/python -m pytest -q

# An empty database gets a realistic 2017-2021 history, so the reports page is full.
demo-data: $(PY_STAMP)
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app demo-data

lint: $(DEV_STAMP)
	$(BIN)/ruff check .

bench: $(DEV_STAMP) $(JS_STAMP)
	$(BIN)/python -m pip install -q -r bench/requirements.txt
	$(BIN)/python bench/relay.py $(BENCH_ARGS)

deps: $(DEV_STAMP) $(JS_STAMP)

$(PY_STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

$(DEV_STAMP): $(PY_STAMP) requirements-dev.txt
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

$(JS_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	mkdir -p static/vendor
	cp node_modules/socket.io-client/dist/socket.io.min.js static/vendor/
	touch $@

# Browser tests drive Debian's Chromium (a test tool's own browser download fails here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi; }

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache .ruff_cache
