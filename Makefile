# Retain's entry points. Each target installs what it needs (scripts/bootstrap) first.
#   make build   build/retain (release)
#   make test    build and run every test (unit, both databases, command line)
#   make demo    build, generate the demo world and report on it
#   make bench   build and run the import benchmark (bench/bench_import.cc)
#   make bench-server  the HTTP benchmark with wrk beside a minimal Beast server
#   make asan    build and test with AddressSanitizer and UBSan (build-asan/)

PRESET ?= release
BUILD_DIR := $(if $(filter release,$(PRESET)),build,build-$(PRESET))
WERROR := $(if $(CI),ON,OFF)
DEMO_DB ?= sqlite:demo.db

.PHONY: all build test demo bench bench-server asan bootstrap clean

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	@cmake --preset $(PRESET) -DRETAIN_WARNINGS_AS_ERRORS=$(WERROR) >/dev/null
	@cmake --build --preset $(PRESET)

test: build
	@ctest --preset $(PRESET)

demo: build
	@$(BUILD_DIR)/retain demo --db $(DEMO_DB)

bench: build
	@cmake --build --preset $(PRESET) --target bench_import
	@$(BUILD_DIR)/bench/bench_import --rows $${ROWS:-1000000}

bench-server: build
	@cmake --build --preset $(PRESET) --target minimal_server
	@bench/bench_server.sh $(BUILD_DIR) $${SECONDS:-30} $${CONNECTIONS:-256}

asan:
	@$(MAKE) test PRESET=asan

clean:
	rm -rf build build-debug build-asan
