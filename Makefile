# Retain's entry points. Each target installs what it needs (scripts/bootstrap) first.
#   make build   build/retain (release)
#   make test    build and run every test (unit, both databases, command line)
#   make demo    build, generate the demo world and report on it
#   make bench   build and run the import benchmark (bench/bench_import.cc)
#   make bench-server  the HTTP benchmark with wrk beside a minimal Beast server
#   make bench-loyalty purchases through three loyalty programs beside the plain import
#   make bench-analytics  lifetime-model fits, Kaplan-Meier and cohorts beside R and SQLite
#   make bench-segment  the segment language over a million customers beside hand-written C++ and SQLite, in memory and end to end through retain serve
#   make bench-outreach  writing messages beside fmt::format, e-mail to a real SMTP server on loopback, and a campaign end to end
#   make bench-load  256 connections of mixed traffic for 60 s on SQLite and PostgreSQL, then again beside slow and oversized clients
#   make test-sanitize  every test under AddressSanitizer and UBSan (build-asan/), then the server tests against a ThreadSanitizer server (build-tsan/)
#   make fault   kill -9 the server mid-ingest and imports mid-file, ROUNDS times (default 100) per test on both databases
#   make fuzz    fuzz every parser of outside input (segments, templates, database URLs, import files, request bodies, program documents) with libFuzzer (FUZZ_SECONDS each, default 300)

SHELL := /bin/bash
PRESET ?= release
BUILD_DIR := $(if $(filter release,$(PRESET)),build,build-$(PRESET))
WERROR := $(if $(CI),ON,OFF)
DEMO_DB ?= sqlite:demo.db

.PHONY: all build test test-sanitize fault fuzz demo bench bench-server bench-load bench-loyalty bench-analytics bench-segment bench-outreach bootstrap clean

all: build

bootstrap:
	@scripts/bootstrap

WEB_SOURCES := $(shell find web/src -type f 2>/dev/null) web/index.html web/package.json \
               web/package-lock.json web/vite.config.ts web/tsconfig.json

build: bootstrap web/dist/index.html
	@cmake --preset $(PRESET) -DRETAIN_WARNINGS_AS_ERRORS=$(WERROR) >/dev/null
	@cmake --build --preset $(PRESET)

# The web app (TypeScript, Preact, Vite), built into web/dist, which retain serve serves.
web/dist/index.html: $(WEB_SOURCES)
	@node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("the web app needs Node.js 20.19 or newer, found " + process.version); process.exit(1) }'
	@cd web && npm install --no-audit --no-fund --loglevel=error && npm run build --silent

test: build
	@ctest --preset $(PRESET)
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(TEST_FUZZ_SECONDS)

# make test kills 3 times per test; this as often as asked, printing a line per kill.
fault: build
	@set -o pipefail; RETAIN_FAULT_ROUNDS=$${ROUNDS:-100} ctest --preset $(PRESET) -R 'FaultTest|OutageTest|FullDiskTest|ReadOnlyDatabaseTest' \
	  --timeout 7200 --output-on-failure --verbose | grep -E '\[fault\]|Failure|FAILED|tests passed|tests failed'

# libFuzzer with AddressSanitizer and UBSan (clang, build-fuzz/): each parser that takes outside
# input, over its corpus in fuzz/corpus; make test runs each for 20 seconds.
FUZZ_SECONDS ?= 300
TEST_FUZZ_SECONDS ?= 20
fuzz: bootstrap
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz
	@fuzz/run build-fuzz $(FUZZ_SECONDS)

demo: build
	@$(BUILD_DIR)/retain demo --db $(DEMO_DB)

bench: build
	@cmake --build --preset $(PRESET) --target bench_import
	@$(BUILD_DIR)/bench/bench_import --rows $${ROWS:-1000000}

bench-server: build
	@cmake --build --preset $(PRESET) --target minimal_server
	@bench/bench_server.sh $(BUILD_DIR) $${SECONDS:-30} $${CONNECTIONS:-256}

bench-load: build
	@bench/bench_load.sh $(BUILD_DIR) $${SECONDS:-60} $${CONNECTIONS:-256}

bench-loyalty: build
	@cmake --build --preset $(PRESET) --target bench_loyalty
	@$(BUILD_DIR)/bench/bench_loyalty --rows $${ROWS:-1000000}

bench-analytics: build
	@cmake --build --preset $(PRESET) --target bench_analytics
	@$(BUILD_DIR)/bench/bench_analytics --customers $${CUSTOMERS:-1000000} --purchases $${PURCHASES:-10000000} --peers bench/peers

bench-segment: build
	@cmake --build --preset $(PRESET) --target bench_segment
	@$(BUILD_DIR)/bench/bench_segment --customers $${CUSTOMERS:-1000000}
	@bench/bench_segment_api.sh $(BUILD_DIR) $${CUSTOMERS:-1000000}

bench-outreach: build
	@cmake --build --preset $(PRESET) --target bench_outreach
	@$(BUILD_DIR)/bench/bench_outreach --messages $${MESSAGES:-200000} --emails $${EMAILS:-2000} --sink tests/smtp_sink.py
	@bench/bench_campaign.sh $(BUILD_DIR) $${CUSTOMERS:-20000}

# A finding stops the program that made it (-fno-sanitize-recover, halt_on_error), so the test that
# ran it fails. The web app's browser test is left out under ASan (Chromium's own start-up time
# dominates, and the same server code runs under every other test).
SANITIZE_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
test-sanitize: bootstrap web/dist/index.html
	@cmake --preset asan -DRETAIN_WARNINGS_AS_ERRORS=$(WERROR) >/dev/null
	@cmake --build --preset asan
	@$(SANITIZE_ENV) ctest --preset asan -E web_end_to_end
	@cmake --preset tsan -DRETAIN_WARNINGS_AS_ERRORS=$(WERROR) >/dev/null
	@cmake --build --preset tsan
	@TSAN_OPTIONS=halt_on_error=1:exitcode=66:suppressions=$(CURDIR)/tests/tsan.supp ctest --preset tsan -R 'postgres_|ServerTest|FaultTest|PrivacyTest|InjectionTest|SecretsTest|OutageTest|FullDiskTest|ReadOnlyDatabaseTest'

clean:
	rm -rf build build-debug build-asan build-tsan build-fuzz web/dist web/node_modules
