# Hookgrid — build, run and test. `make test` is what CI runs.

SHELL := /bin/bash
CARGO ?= cargo
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
# System packages a fresh Debian/Ubuntu machine needs to build and test: the toolchain's C
# side, Tauri's WebKitGTK stack, and for the window tests an X server, WebKitWebDriver and a
# D-Bus daemon, ImageMagick for screenshots, and openpyxl to read .xlsx exports back; for the
# team server's tests Chromium and ChromeDriver (the review app in a browser), OpenSSL (a
# test certificate), and Caddy and nginx (their example configurations checked); PostgreSQL's
# server for the shared ledger's tests (a private cluster each run, see tests/postgres.sh);
# python3-venv for the bench's Python Polars reference.
# Node.js builds the UI.
DEBIAN_PACKAGES := build-essential pkg-config ca-certificates curl \
	libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev librsvg2-dev libayatana-appindicator3-dev \
	xvfb webkit2gtk-driver dbus imagemagick xclip python3-openpyxl \
	chromium chromium-driver openssl caddy nginx postgresql python3-venv
CARGO_BIN := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin
TAURI_DRIVER_VERSION := 2.1.0
# Longest a built test suite may run (a warm run of all of them takes a few minutes).
WATCHED := timeout --kill-after=30s 20m
UI_SOURCES := $(shell find ui/src ui/index.html ui/vite.config.ts ui/package.json -type f 2>/dev/null)

.PHONY: run setup test test-suites check bench package package-test deps ui check-toolchain tauri-driver

## Install once what a fresh machine lacks: the system packages, tauri-driver and the UI's
## packages and bundle. After it, plain `cargo build` / `cargo test --workspace` work too.
setup: deps check-toolchain tauri-driver ui

## Build the UI and start the desktop app (the webhook listener runs inside it) on the
## default data dir (~/.local/share/hookgrid). `hookgrid serve` is the headless listener.
# Builds with --workspace like `make test`, so both share one build of the dependencies.
run: deps check-toolchain ui
	$(CARGO) build --locked --workspace --bins
	$(TARGET_DIR)/debug/hookgrid-desktop

## Everything CI checks: formatting, lints, Rust tests (the desktop app in a real window and
## the ledger on a real PostgreSQL included), then the UI's types (against the bindings the
## Rust tests just generated) and its component tests.
test: setup
	$(CARGO) fmt --all --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings
	@# A PostgreSQL cluster of the run's own, on a free port, removed when the tests end.
	tests/postgres.sh run $(MAKE) --no-print-directory test-suites
	cd ui && npm run --silent check && npm run --silent test
	@git diff --quiet -- ui/src/bindings 2>/dev/null || { \
		echo "ui/src/bindings changed: the Rust types crossing into the UI changed; commit them"; \
		git --no-pager diff --stat -- ui/src/bindings; exit 1; }
	@# Nothing a test started may outlive it: a stand-in tunnel still running is a failure.
	@left=$$(for p in /proc/[0-9]*; do readlink $$p/exe 2>/dev/null | grep -q hookgrid-standins- && basename $$p; done; true); \
	if [ -n "$$left" ]; then echo "stand-in tunnels the tests left running: $$left"; kill -9 $$left; exit 1; fi

## The Rust suites, with HOOKGRID_TEST_DATABASE_URL set (`make test` starts the database).
# Built first, then run under a time limit: a test that hangs fails the run with the name the
# harness printed ("has been running for over 60 seconds") instead of holding CI to its end.
test-suites:
	$(CARGO) test --locked --workspace --lib --bins --tests --no-run
	$(WATCHED) $(CARGO) test --locked --workspace --lib --bins --tests
	@# Ignored by a plain `cargo test`, so a run without them lists them as ignored: the
	@# full disk needs root (a tmpfs mount), the window tests a display and a WebDriver, the
	@# browser test Chromium and ChromeDriver, the proxy test Caddy and nginx, the ledger's
	@# suite on PostgreSQL (tests::postgres, tests::postgres_only) and instances sharing it
	@# (postgres) a database server.
	PATH="$(CARGO_BIN):$$PATH" $(WATCHED) $(CARGO) test --locked --workspace --test diskfull --test desktop --test browser --test proxy --test postgres -- --ignored
	$(WATCHED) $(CARGO) test --locked --workspace --lib -- --ignored tests::postgres

## The quick loop while working: formatting, lints, every crate's unit tests, the UI's types
## and component tests. Installs no system package and starts no window; `make test` is the
## whole check CI runs.
check: check-toolchain ui
	$(CARGO) fmt --all --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings
	$(CARGO) test --locked --workspace --lib
	cd ui && npm run --silent check && npm run --silent test

## The UI bundle the app embeds (ui/dist), rebuilt when its sources change.
ui: ui/dist/index.html
ui/dist/index.html: ui/node_modules/.package-lock.json $(UI_SOURCES)
	cd ui && npm run --silent build

ui/node_modules/.package-lock.json: ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund

## A Python with Polars for the intake bench's reference (crates/cli/benches/py_reference.py).
BENCH_PYTHON := $(TARGET_DIR)/bench-python/bin/python
$(BENCH_PYTHON):
	python3 -m venv $(TARGET_DIR)/bench-python
	$(TARGET_DIR)/bench-python/bin/pip install --quiet --disable-pip-version-check polars

## Speed and memory figures on a generated 1,000,000-row batch (release build): the core,
## the team server over HTTP, the desktop app in a real window, review decisions, and the
## ledger on PostgreSQL beside SQLite.
bench: setup $(BENCH_PYTHON)
	HOOKGRID_BENCH_PYTHON=$(BENCH_PYTHON) $(CARGO) bench --locked --workspace --bench intake
	$(CARGO) bench --locked --workspace --bench core
	$(CARGO) bench --locked --workspace --bench team
	PATH="$(CARGO_BIN):$$PATH" $(CARGO) bench --locked --workspace --bench desktop
	$(CARGO) bench --locked --workspace --bench workbook
	$(CARGO) bench --locked --workspace --bench review
	$(CARGO) bench --locked --workspace --bench postgres
	HOOKGRID_CRASH_ROUNDS=40 $(CARGO) test --locked --workspace --test crash

## The workspace's one version (Cargo.toml's [workspace.package]), which the packages carry.
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
ARCH := $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
PACKAGES := $(TARGET_DIR)/packages

## Installers, from a release build, into $(TARGET_DIR)/packages: the desktop app as .deb and
## .rpm (Tauri's bundler; its CLI is the npm package @tauri-apps/cli), and the headless
## listener as hookgrid-server .deb with its systemd unit (crates/cli/packaging).
package: setup
	$(CARGO) build --release --locked --workspace --bins
	ui/node_modules/.bin/tauri bundle --bundles deb,rpm
	mkdir -p $(PACKAGES)
	cp $(TARGET_DIR)/release/bundle/deb/Hookgrid_$(VERSION)_$(ARCH).deb $(PACKAGES)/hookgrid_$(VERSION)_$(ARCH).deb
	cp $(TARGET_DIR)/release/bundle/rpm/Hookgrid-$(VERSION)-1.*.rpm $(PACKAGES)/
	crates/cli/packaging/build-deb.sh $(TARGET_DIR)/release/hookgrid $(VERSION) $(PACKAGES)
	@ls -l $(PACKAGES)

## The packages checked as installed files: unpacked (not installed), their files, the
## unpacked `hookgrid` serving an import with the unit's settings, the unpacked app's window.
package-test: package
	HOOKGRID_PACKAGES=$(PACKAGES) PATH="$(CARGO_BIN):$$PATH" $(CARGO) test --locked --workspace --test package -- --ignored

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
	@# Node.js may come from elsewhere than Debian (nodesource bundles npm): only fill a gap.
	@command -v npm >/dev/null || { \
		sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq nodejs npm; }

## WebDriver for the Tauri window (tests only), into cargo's bin dir.
tauri-driver: check-toolchain
	@PATH="$(CARGO_BIN):$$PATH" command -v tauri-driver >/dev/null || \
		$(CARGO) install --locked tauri-driver --version $(TAURI_DRIVER_VERSION)

check-toolchain:
	@command -v $(CARGO) >/dev/null || { echo "Rust is missing: install it from https://rustup.rs"; exit 1; }
	@$(CARGO) fmt --version >/dev/null 2>&1 || rustup component add rustfmt
	@$(CARGO) clippy --version >/dev/null 2>&1 || rustup component add clippy
