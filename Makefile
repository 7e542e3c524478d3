# Hookgrid — build, run and test. `make test` is what CI runs.

SHELL := /bin/bash
CARGO ?= cargo
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
# System packages a fresh Debian/Ubuntu machine needs to build and test.
DEBIAN_PACKAGES := build-essential pkg-config ca-certificates curl

.PHONY: run test bench deps check-toolchain

## Run the webhook listener on the default data dir (~/.local/share/hookgrid).
# Builds with --workspace like `make test`, so both share one build of the dependencies.
run: check-toolchain
	$(CARGO) build --locked --workspace --bins
	$(TARGET_DIR)/debug/hookgrid serve

## Everything CI checks: formatting, lints, all tests over the real binary.
test: deps check-toolchain
	$(CARGO) fmt --all --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings
	$(CARGO) build --locked --workspace --bins
	$(CARGO) test --locked --workspace --lib --bins --tests

## Speed and memory figures on a generated 1,000,000-row batch (release build).
bench: check-toolchain
	$(CARGO) build --locked --release --workspace --bins
	HOOKGRID_BIN=$(TARGET_DIR)/release/hookgrid $(CARGO) bench --locked --workspace --bench core
	HOOKGRID_CRASH_ROUNDS=40 $(CARGO) test --locked --workspace --test crash

## Install missing system packages (Debian/Ubuntu; needs root or sudo).
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if ! command -v apt-get >/dev/null; then echo "please install:$$missing"; exit 1; fi; \
		sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		echo "installing:$$missing"; \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi

check-toolchain:
	@command -v $(CARGO) >/dev/null || { echo "Rust is missing: install it from https://rustup.rs"; exit 1; }
	@$(CARGO) fmt --version >/dev/null 2>&1 || rustup component add rustfmt
	@$(CARGO) clippy --version >/dev/null 2>&1 || rustup component add clippy
