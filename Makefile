# Parley: `make` builds build/parley, `make run` starts it with the demo FAQ,
# `make test` runs every test. Both install what a fresh Debian machine lacks.

BUILD      ?= build
TEST_BUILD ?= build-test
PORT       ?= 8080
DB         ?= ./data/parley.db
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

DEB_BUILD = build-essential cmake pkg-config libwebsockets-dev libsqlite3-dev \
            libjansson-dev libpcre2-dev libsodium-dev
DEB_TEST  = node:nodejs npm:npm chromium

.PHONY: all build run test deps deps-test unit integration browser acceptance clean

all: build

build:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Installs only what is missing, so a ready machine pays nothing.
deps:
	@scripts/ensure-debs.sh $(DEB_BUILD)

deps-test: deps
	@scripts/ensure-debs.sh $(DEB_TEST)
	@cd tests && { [ -d node_modules ] && cmp -s package-lock.json node_modules/.parley-lock; } || \
	  { npm ci --no-audit --no-fund --silent && cp package-lock.json node_modules/.parley-lock; }

# The demo FAQ seeds a new database only; after that the admin's edits are kept.
run: deps build
	@mkdir -p $(dir $(DB))
	@if [ -f $(DB) ]; then faq=""; else faq="--faq faq/demo.json"; fi; \
	  exec $(BUILD)/parley --port $(PORT) --db $(DB) $$faq

test: deps-test build
	@cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPARLEY_SANITIZE=ON >/dev/null
	@cmake --build $(TEST_BUILD) -j $(JOBS)
	@$(MAKE) --no-print-directory unit integration browser

unit:
	@cd $(TEST_BUILD) && ctest --output-on-failure

integration:
	@cd tests && PARLEY_BIN=$(CURDIR)/$(TEST_BUILD)/parley node --test --test-concurrency=2 integration/*.test.mjs

browser:
	@PARLEY_BIN=$(CURDIR)/$(TEST_BUILD)/parley node tests/browser/flow.mjs

acceptance: build
	@../shared/acceptance/run.sh

clean:
	rm -rf $(BUILD) $(TEST_BUILD)
