# The two commands: `make run` (the whole platform) and `make test` (the whole suite).
# Both set everything up on a fresh machine: virtualenv, pinned Python packages,
# front-end libraries from the npm registry (served by us), and for tests Chromium.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
JS_STAMP := static/vendor/.installed
# The scrubber's word lists, built once from the packages (helpline/records/scrubber/lookup.py).
SCRUB_STAMP := $(VENV)/.scrubber-lists
# Compiled catalogues (git-ignored), rebuilt when a .po file changes.
PO_FILES := $(wildcard translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test test-services lint lint-js bench bench-scale bench-memory bench-abuse bench-siege bench-scrubber bench-messages deps clean \
	chromium redis-server dictionaries \
	translations compile-translations demo-data release server

run: $(PY_STAMP) $(SCRUB_STAMP) $(JS_STAMP) $(MO_FILES) redis-server
	$(BIN)/python app.py

test: $(DEV_STAMP) $(SCRUB_STAMP) $(JS_STAMP) $(MO_FILES) chromium redis-server
	$(BIN)/ruff check .
	$(MAKE) lint-js
	node --test tests/js/
	$(BIN)/python -m pytest -q --durations=15

# The same suite against the machine's PostgreSQL and Redis (CI runs both).
test-services: $(DEV_STAMP) $(SCRUB_STAMP) $(JS_STAMP) $(MO_FILES) chromium redis-server
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
	DATABASE_URL=$${DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
	$(BIN)/python -m pytest -q --durations=15

# An empty database gets a realistic 2017-2021 history, so the reports page is full.
demo-data: $(PY_STAMP)
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app demo-data

lint: $(DEV_STAMP) lint-js
	$(BIN)/ruff check .

# Our JavaScript (static/js without static/vendor, tests/js, bench): eslint.config.mjs.
lint-js: $(JS_STAMP)
	node_modules/.bin/eslint .

bench: $(DEV_STAMP) $(JS_STAMP) redis-server
	$(BIN)/python -m pip install -q -r bench/requirements.txt
	$(BIN)/python bench/relay.py $(BENCH_ARGS)

# Many live chats plus a long waiting line (issue 11): figures against the scale goals.
bench-scale: $(DEV_STAMP) $(JS_STAMP) redis-server
	$(BIN)/python -m pip install -q -r bench/requirements.txt
	$(BIN)/python bench/scale.py $(BENCH_ARGS)

# Where an idle socket's RSS goes (issue 11 d): tracemalloc, greenlets, heap after disconnect.
bench-memory: $(DEV_STAMP) $(JS_STAMP) redis-server
	$(BIN)/python -m pip install -q -r bench/requirements.txt
	$(BIN)/python -u bench/socket_memory.py $(BENCH_ARGS)

bench-abuse: $(DEV_STAMP) $(JS_STAMP) redis-server
	$(BIN)/python -m pip install -q -r bench/requirements.txt
	$(BIN)/python bench/abuse.py $(BENCH_ARGS)

# Bots with one core of native hashing against a real chatter (issue 17): the line's goals.
bench-siege: $(DEV_STAMP) $(JS_STAMP) redis-server
	$(BIN)/python -m pip install -q -r bench/requirements.txt
	$(BIN)/python bench/line_siege.py $(BENCH_ARGS)

# The identity scrubber on labelled notes (issue 14): recall, ordinary words kept, time, memory.
bench-scrubber: $(PY_STAMP) $(SCRUB_STAMP)
	$(BIN)/python bench/scrubber.py $(BENCH_ARGS)

# Anonymous messages (issue 20): 10,000 open conversations on SQLite and PostgreSQL (a
# database of its own, created and dropped), the inbox and a conversation's page, the daily
# deletion next to live chats; a goals block.
bench-messages: $(DEV_STAMP) $(JS_STAMP) $(MO_FILES) redis-server
	$(BIN)/python -m pip install -q -r bench/requirements.txt
	$(BIN)/python -u bench/messages.py $(BENCH_ARGS)

deps: $(DEV_STAMP) $(SCRUB_STAMP) $(JS_STAMP) $(MO_FILES)

# The tree to deploy (docs/install.md): the tracked files as they are, plus what is built
# here so the server needs no Node and no catalogue tools: compiled catalogues, the
# vendored front-end files and the scrubber's word lists (share/: `make server` then
# builds none). dist/helpline-VERSION.tar.gz; RELEASE says what it was built from.
VERSION = $(shell sed -n 's/^__version__ = "\(.*\)"$$/\1/p' helpline/__init__.py)
RELEASE_DIR = dist/helpline-$(VERSION)
release: $(JS_STAMP) $(MO_FILES) $(SCRUB_STAMP)
	@test -n "$(VERSION)" || { echo "release: no __version__ in helpline/__init__.py" >&2; exit 1; }
	rm -rf $(RELEASE_DIR) $(RELEASE_DIR).tar.gz && mkdir -p $(RELEASE_DIR)
	git ls-files -z | xargs -0 cp --parents -t $(RELEASE_DIR)
	cp --parents -t $(RELEASE_DIR) $(MO_FILES) static/vendor/socket.io.min.js
	touch $(RELEASE_DIR)/static/vendor/.installed
	mkdir -p $(RELEASE_DIR)/share
	cp -R --preserve=mode,timestamps "$$($(BIN)/python -c 'from helpline.records.scrubber import lookup; print(lookup.cache_dir())')" \
	  $(RELEASE_DIR)/share/
	echo "helpline $(VERSION) $$(git rev-parse --short HEAD)$$(git diff --quiet HEAD || echo -modified)" \
	  > $(RELEASE_DIR)/RELEASE
	tar -czf $(RELEASE_DIR).tar.gz -C dist helpline-$(VERSION)
	@echo "release: $(RELEASE_DIR).tar.gz ($$(cat $(RELEASE_DIR)/RELEASE))"

# On the server, inside an unpacked release: the Python environment and the scrubber's
# word lists; nothing from npm (the release carries static/vendor and the catalogues).
server: $(PY_STAMP) $(SCRUB_STAMP)
	@test -f static/vendor/socket.io.min.js -a -n "$(wildcard translations/*/LC_MESSAGES/*.mo)" || { \
	  echo "server: run this in a tree made by 'make release' (static/vendor, compiled catalogues)" >&2; exit 1; }

# Extract every wrapped string into translations/messages.pot, merge it into each
# language's .po (new strings arrive empty, for a translator), then compile (docs/translating.md).
translations: $(PY_STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
	  --project=helpline -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	$(MAKE) compile-translations

compile-translations: $(MO_FILES)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(PY_STAMP)
	$(BIN)/pybabel compile -i $< -o $@

$(PY_STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

$(SCRUB_STAMP): $(PY_STAMP) helpline/records/scrubber/lookup.py | dictionaries
	$(BIN)/python -m helpline.records.scrubber
	touch $@

$(DEV_STAMP): $(PY_STAMP) requirements-dev.txt
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

$(JS_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	mkdir -p static/vendor
	cp node_modules/socket.io-client/dist/socket.io.min.js static/vendor/
	touch $@

# The embedded Redis is the machine's own server (Debian's package gets security updates);
# valkey-server is used instead when present (docs/architecture.md says why).
redis-server:
	@command -v valkey-server >/dev/null 2>&1 || command -v redis-server >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq redis-server; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq redis-server; fi; }

# Which words are ordinary words, for the identity scrubber: Debian's word lists.
dictionaries:
	@test -f /usr/share/dict/dutch -a -f /usr/share/dict/french -a -f /usr/share/dict/british-english || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wdutch wfrench wbritish; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq wdutch wfrench wbritish; fi; }

# Browser tests drive Debian's Chromium (a test tool's own browser download fails here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi; }

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache .ruff_cache
