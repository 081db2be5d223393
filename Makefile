# Smart Whale Core — the two commands are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := test

SERVICES := .services
SETUP_STAMP := $(SERVICES)/.setup-v2
FILTER ?=
SWIFT_TEST_FLAGS ?=

# The local services' ports (scripts/services.sh reads the same variables),
# and what the tests read to reach them.
export WHALE_TEST_REDIS_PORT ?= 6390
export WHALE_TEST_KAFKA_PORT ?= 19092
TEST_ENV := WHALE_REDIS_URL=redis://127.0.0.1:$(WHALE_TEST_REDIS_PORT) WHALE_KAFKA_BROKERS=127.0.0.1:$(WHALE_TEST_KAFKA_PORT)
# A current librdkafka first (see ARCHITECTURE.md: Debian's 2.0.2 cannot talk to Tansu).
export LD_LIBRARY_PATH := $(CURDIR)/$(SERVICES)/lib$(if $(LD_LIBRARY_PATH),:$(LD_LIBRARY_PATH))

.PHONY: setup services-up services-down test test-tsan run build bench check-deps clean-services

## setup: install Debian and PyPI packages (idempotent, quick when done)
setup:
	@scripts/setup.sh

## services-up / services-down: Redis on 127.0.0.1:6390, Tansu on 127.0.0.1:19092
services-up: setup
	@scripts/services.sh up

services-down:
	@scripts/services.sh down

## check-deps: no Core*/Messaging target depends on another one
check-deps: setup
	@scripts/check-module-deps

## test: setup → build → doc examples → services-up → swift test → services-down (also on failure) → the tests' status
test: setup check-deps
	swift build --build-tests
	@scripts/check-doc-examples
	@scripts/services.sh run -- env $(TEST_ENV) swift test $(if $(FILTER),--filter $(FILTER)) $(SWIFT_TEST_FLAGS)

## test-tsan: the same suite under ThreadSanitizer, built in .build-tsan
test-tsan: setup
	@scripts/services.sh run -- env $(TEST_ENV) swift test --sanitize=thread --scratch-path .build-tsan $(if $(FILTER),--filter $(FILTER))

build: setup
	swift build

## run: setup → build → `whale serve` on embedded defaults (HTTP on 127.0.0.1:8080)
run: setup
	swift build --product whale
	swift run whale serve

## bench: the Benchmarks/ package (ordo-one/package-benchmark)
bench: setup
	cd Benchmarks && swift package --allow-writing-to-package-directory benchmark

clean-services: services-down
	rm -rf $(SERVICES)
