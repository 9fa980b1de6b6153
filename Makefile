# The two commands: `make dev` runs the API locally, `make test` runs the whole suite.
# `make build` builds the Lambda bundles (release, arm64) for `sam deploy`.

VENV := .venv
CHECKOV_VENV := .venv-checkov
MOTO_VENV := .venv-moto
# The venv's bin comes first: cargo-lambda finds zig through `python3 -m ziglang`, so that
# python3 must be the venv's.
TOOLS_PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export SAM_CLI_TELEMETRY := 0

.PHONY: dev test generate fmt lint layers template unit-and-integration fuzz tools build reproducible bench bench-pages bench-scale audit backfill load

dev:
	scripts/dev.sh

test: fmt lint layers template unit-and-integration fuzz

# What shared/src/catalog.rs (each endpoint declared once) derives: functions/<name>/,
# the endpoints' functions in template.yaml, docs/openapi.json, and a first event for an
# endpoint that has none (gateway/src/generate.rs). A test in `make test` checks all of it
# is current (tests/tests/api/template.rs, generated_files_are_current).
generate:
	cargo run --quiet -p gateway --bin generate

fmt:
	cargo fmt --all -- --check

lint:
	cargo clippy --workspace --all-targets -- -D warnings

# The module graph of shared/src points one way (tools/check_layers.py, python3 only): no
# import up a layer or in a cycle beyond today's debt, tools/layers-allowlist.txt, which
# only shrinks. CONTRIBUTING.md, "Layers".
layers:
	python3 tools/check_layers.py

# template.yaml: SAM's own validation with its linter, cfn-lint, AWS's SAM translator run
# offline with its routes checked against the route table (tools/check_template.py), and
# checkov with the skips .checkov.yaml lists, each with its reason.
template: tools $(CHECKOV_VENV)/.installed
	@PATH="$(TOOLS_PATH)" sam validate --lint --region us-east-1
	@PATH="$(TOOLS_PATH)" cfn-lint template.yaml
	@$(VENV)/bin/python tools/check_template.py
	@$(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml

# Unit tests, and integration tests that start their own DynamoDB Local on a free port, among
# them a short `make load` (bench/tests/load.rs runs `load --short`). The function binaries
# are built first, with the tests in the same build: a test runs each event through its
# binary, and one build gives the binaries and the tests one feature set (the tests'
# dev-dependencies turn on features of shared dependencies), so no crate is built twice.
unit-and-integration: $(MOTO_VENV)/.installed
	scripts/dynamodb-local.sh install >/dev/null
	cargo build --workspace --bins --tests
	cargo test --workspace

# schemathesis against the local gateway, from the OpenAPI document it serves: 50 cases per
# operation and phase, bounded at 15 minutes; then the invariant audit over what it wrote.
# Built as `unit-and-integration` builds (the same feature set, so nothing is built again
# after it; `cargo run -p api-tests` would build the crates again for its package alone).
fuzz: tools
	scripts/dynamodb-local.sh install >/dev/null
	cargo build --quiet --workspace --bins --tests
	$${CARGO_TARGET_DIR:-target}/debug/fuzz

# Checks every invariant of the table `make dev` serves (or TABLE_NAME at
# AWS_ENDPOINT_URL_DYNAMODB); exits non-zero on a breach.
audit:
	AWS_ENDPOINT_URL_DYNAMODB="$${AWS_ENDPOINT_URL_DYNAMODB:-http://127.0.0.1:$${DYNAMODB_PORT:-8000}}" \
	AWS_ACCESS_KEY_ID="$${AWS_ACCESS_KEY_ID:-local}" AWS_SECRET_ACCESS_KEY="$${AWS_SECRET_ACCESS_KEY:-local}" \
	AWS_REGION="$${AWS_REGION:-us-east-1}" cargo run --quiet -p gateway --bin audit

# Writes the items a table written before a change of the data model lacks (today: the
# referrer items of references made before them); docs/operations.md "Backfills".
backfill:
	AWS_ENDPOINT_URL_DYNAMODB="$${AWS_ENDPOINT_URL_DYNAMODB:-http://127.0.0.1:$${DYNAMODB_PORT:-8000}}" \
	AWS_ACCESS_KEY_ID="$${AWS_ACCESS_KEY_ID:-local}" AWS_SECRET_ACCESS_KEY="$${AWS_SECRET_ACCESS_KEY:-local}" \
	AWS_REGION="$${AWS_REGION:-us-east-1}" cargo run --quiet -p gateway --bin backfill

# Every Python venv is made by uv (tools/uv-requirements.txt, itself installed by pip into
# a venv of its own): the same pinned requirements as pip would install, about 30 s for the
# three venvs `make test` needs on a fresh clone where pip took 170 s (docs/performance.md).
# uv uses this machine's python3 and never downloads an interpreter.
UV_VENV := .venv-uv
UV := $(UV_VENV)/bin/uv
export UV_PYTHON_DOWNLOADS := never
$(UV): tools/uv-requirements.txt
	python3 -m venv $(UV_VENV)
	$(UV_VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/uv-requirements.txt
	touch $@

# $(call venv,DIR,REQUIREMENTS): the venv DIR with REQUIREMENTS installed.
define venv
	rm -rf $(1)
	$(UV) venv --quiet --python python3 $(1)
	$(UV) pip install --quiet --python $(1)/bin/python -r $(2)
	touch $(1)/.installed
endef

# moto's server (tools/moto-requirements.txt): SSM Parameter Store for the admin key test.
$(MOTO_VENV)/.installed: tools/moto-requirements.txt $(UV)
	$(call venv,$(MOTO_VENV),tools/moto-requirements.txt)

# checkov (tools/checkov-requirements.txt), in a venv of its own.
$(CHECKOV_VENV)/.installed: tools/checkov-requirements.txt $(UV)
	$(call venv,$(CHECKOV_VENV),tools/checkov-requirements.txt)

# The pinned build tools (tools/requirements.txt) in a project-local venv.
tools: $(VENV)/.installed
$(VENV)/.installed: tools/requirements.txt $(UV)
	$(call venv,$(VENV),tools/requirements.txt)

# Every function's arm64 bundle in one cargo-lambda build, then `sam build`, which only
# copies them (scripts/package/Makefile); prints each step's time and each bundle's size
# and hash. The bundles are reproducible (scripts/build.sh says how).
build: tools
	PATH="$(TOOLS_PATH)" scripts/build.sh

# The reproducibility check, after a `make build` of a clean tree: HEAD built again from
# clean in a clone at another path must give every bundle the same bytes (one clean
# build's time, so not part of `make test`; docs/performance.md, "The build").
reproducible: tools
	PATH="$(TOOLS_PATH)" scripts/build.sh reproducible

# The Python comparator's venv (bench/baseline/requirements.txt).
BASELINE_VENV := .venv-baseline
$(BASELINE_VENV)/.installed: bench/baseline/requirements.txt $(UV)
	$(call venv,$(BASELINE_VENV),bench/baseline/requirements.txt)

# The Node comparator's packages (bench/baseline-node/package-lock.json), installed by
# `npm ci` when node_modules is missing or the lock file changed.
BASELINE_NODE := bench/baseline-node
$(BASELINE_NODE)/node_modules/.installed: $(BASELINE_NODE)/package.json $(BASELINE_NODE)/package-lock.json
	cd $(BASELINE_NODE) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Release binaries of the measured functions (tuned profile): for this machine's
# architecture, which the bench runs; create-table under each release-profile choice
# (bench/profiles.sh: panic = "abort", thin LTO, fat LTO, each timed rebuilding after a
# change in shared), which the bench measures beside the shipped profile; and
# for arm64 as Lambda runs them (cargo-lambda), whose sizes it reports. Then the bench
# itself in release. Prints the table; writes bench/results.md and .svg; then what each
# endpoint costs (bench/costs.md) and change events' delivery latency (bench/events.md).
BENCH_FUNCTIONS := create-organization create-table create-field create-team create-record
bench: $(BASELINE_VENV)/.installed $(BASELINE_NODE)/node_modules/.installed tools
	scripts/dynamodb-local.sh install >/dev/null
	cargo build --release $(addprefix -p ,$(BENCH_FUNCTIONS))
	bench/profiles.sh
	PATH="$(TOOLS_PATH)" scripts/build.sh bundles $(addprefix -p ,$(BENCH_FUNCTIONS))
	cargo run --release -p bench --bin bench
	cargo run --release -p bench --bin costs
	cargo run --release -p bench --bin events
	$(MAKE) bench-pages
	$(MAKE) bench-scale

# The pages (bench/src/bin/pages.rs): a 50-record page's bytes and p50 beside Attio's
# query of the same records, the other pages, and the release records-page binary's cold
# start and warm p50 under the Runtime API harness. Writes bench/pages.md.
bench-pages:
	scripts/dynamodb-local.sh install >/dev/null
	cargo build --release -p records-page
	cargo run --release -p bench --bin pages

# Records queries at 1,000, 10,000 and 100,000 records (bench/src/bin/scale.rs): p50, calls
# and read capacity per query, the query function's peak RSS, capacity per record create.
# Writes bench/scale.md. The records are seeded straight into the table (Store::seed_records).
bench-scale:
	scripts/dynamodb-local.sh install >/dev/null
	cargo build --release -p query-records
	cargo run --release -p bench --bin scale

# A bounded load test: 10,000 mixed requests at concurrency 32 and an organization deleted
# under load, purged from the table's stream as under `make dev`; then, once the purge has
# converged (at most 120 s after the load), the counts and the audit.
load:
	scripts/dynamodb-local.sh install >/dev/null
	cargo run --release -p bench --bin load
