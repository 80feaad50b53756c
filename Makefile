# Parley: `make` builds build/parley, `make run` starts it with the demo FAQ,
# `make test` runs every test. Both install what a fresh Debian machine lacks.

BUILD      ?= build
TEST_BUILD ?= build-test
PORT       ?= 8080
DB         ?= ./data/parley.db
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

DEB_BUILD = build-essential cmake pkg-config libwebsockets-dev libsqlite3-dev \
            libjansson-dev libpcre2-dev libsodium-dev libunistring-dev libwebsockets-evlib-ev \
            libcurl4-openssl-dev tzdata libhiredis-dev libpq-dev
DEB_TEST  = node:nodejs npm:npm chromium fiu-utils sqlite3 redis-server haproxy postgresql
DEB_BENCH = libwebsockets-test-server:libwebsockets-test-server   # the lws-mirror peer

.PHONY: all build run test deps deps-test unit integration integration-pg browser acceptance clean fuzz fuzz-build \
        valgrind valgrind-full

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
	@$(MAKE) --no-print-directory unit integration integration-pg browser
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=10
	@$(MAKE) --no-print-directory valgrind

# A throwaway PostgreSQL server for test_db_pg, stopped whatever ctest does.
unit:
	@d=$$(mktemp -d) && trap '$(CURDIR)/tests/pg/pgtmp.sh stop '"$$d" EXIT && \
	  url=$$(PGTMP_FAST=1 $(CURDIR)/tests/pg/pgtmp.sh start "$$d") && \
	  cd $(TEST_BUILD) && PARLEY_TEST_PG="$$url" ctest --output-on-failure

integration:
	@cd tests && PARLEY_BIN=$(CURDIR)/$(TEST_BUILD)/parley PARLEY_RELEASE_BIN=$(CURDIR)/$(BUILD)/parley node --test --test-concurrency=2 integration/*.test.mjs

# The suites that drive the store through the server, again on PostgreSQL: each
# server gets a fresh database of one throwaway cluster (harness.mjs), the
# multi-node ones share one. pg_*.test.mjs need PostgreSQL of their own. Not in
# the list: suites that open the SQLite file themselves or fault its disk.
PG_SUITES = flow bot rest routing kpi webhooks teams teamview canned search offline identity presence \
            faq_admin phrases bad_input limits frames shutdown proxy multinode lb
integration-pg:
	@d=$$(mktemp -d) && trap '$(CURDIR)/tests/pg/pgtmp.sh stop '"$$d" EXIT && \
	  url=$$(PGTMP_FAST=1 $(CURDIR)/tests/pg/pgtmp.sh start "$$d") && \
	  cd tests && PARLEY_TEST_PG="$$url" PARLEY_BIN=$(CURDIR)/$(TEST_BUILD)/parley \
	  PARLEY_RELEASE_BIN=$(CURDIR)/$(BUILD)/parley node --test --test-concurrency=2 \
	  $(patsubst %,integration/%.test.mjs,$(PG_SUITES))

# Every tests/browser/*.mjs but the shared lib.mjs, one after another (each starts
# its own server and Chromium; two at once would starve these 2-core machines).
browser:
	@for t in tests/browser/*.mjs; do \
	  case $$t in */lib.mjs) continue;; esac; \
	  echo "== $$t"; PARLEY_BIN=$(CURDIR)/$(TEST_BUILD)/parley node $$t || exit 1; \
	done

# Fuzzing: each harness for FUZZ_SECONDS, starting from the seeds in
# tests/fuzz/corpus/<name>; new inputs go to a scratch dir, not the repo.
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
# libclang-rt-dev holds libFuzzer's runtime; clang only recommends it, and
# ensure-debs installs without recommends.
fuzz-build:
	@scripts/ensure-debs.sh clang:clang libclang-rt-dev
	@CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPARLEY_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_proto fuzz_faq fuzz_rest fuzz_bus fuzz_http >/dev/null

fuzz: fuzz-build
	@for f in proto faq rest bus http; do \
	  work=$$(mktemp -d); \
	  echo "fuzz_$$f: $(FUZZ_SECONDS) s"; \
	  $(FUZZ_BUILD)/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -print_final_stats=0 \
	    $$work tests/fuzz/corpus/$$f 2>$$work.log || { tail -40 $$work.log; exit 1; }; \
	  grep -E '^#[0-9]+.*DONE' $$work.log | tail -1; rm -rf $$work $$work.log; \
	done

# The unit tests, and the server behind three integration suites, under valgrind
# (release build; PCRE2's JIT is off because valgrind cannot follow its code).
VALGRIND = valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=9
valgrind: build
	@scripts/ensure-debs.sh valgrind
	@for t in $(BUILD)/test_*; do \
	  case $$t in *.valgrind) continue;; esac; \
	  PARLEY_NO_JIT=1 $(VALGRIND) $$t >/dev/null 2>$$t.valgrind || { cat $$t.valgrind; exit 1; }; \
	  echo "valgrind: $$(basename $$t) clean"; \
	done
	@cd tests && PARLEY_NO_JIT=1 PARLEY_WRAP="$(VALGRIND)" PARLEY_BIN=$(CURDIR)/$(BUILD)/parley \
	  node --test integration/flow.test.mjs integration/bad_input.test.mjs integration/identity.test.mjs

# Every integration suite with its servers under valgrind (release build, JIT
# off), waits scaled by PARLEY_TIME_FACTOR; the torture test runs smaller. Slow
# (~30 min), so not part of make test. Result: docs/security.md.
VALGRIND_FACTOR ?= 8
valgrind-full: build
	@scripts/ensure-debs.sh valgrind
	@cd tests && PARLEY_NO_JIT=1 PARLEY_WRAP="$(VALGRIND)" PARLEY_TIME_FACTOR=$(VALGRIND_FACTOR) \
	  PARLEY_BIN=$(CURDIR)/$(BUILD)/parley PARLEY_RELEASE_BIN=$(CURDIR)/$(BUILD)/parley \
	  TORTURE_CLIENTS=20 TORTURE_MESSAGES=150 TORTURE_WINDOW=4 \
	  node --test --test-concurrency=1 --test-timeout=900000 integration/*.test.mjs

acceptance: build
	@../shared/acceptance/run.sh

clean:
	rm -rf $(BUILD) $(TEST_BUILD)

# Benchmark (bench/run.sh; sizes via env, e.g. IDLE=19000): see docs/performance.md.
.PHONY: bench
# Every single-node scenario and the peers (bench/run.sh), then the chat across
# 1-3 nodes on the Redis bus (bench/nodes.sh), each on SQLite and, when
# PostgreSQL 15 is installed, on a throwaway durable cluster (bench/pg.sh).
# Figures: docs/performance.md.
bench: deps-test
	@scripts/ensure-debs.sh $(DEB_BENCH)
	@bench/run.sh
	@bench/nodes.sh
