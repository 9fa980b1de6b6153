# The two commands: `make dev` runs the API locally, `make test` runs the whole suite.
.PHONY: dev test fmt lint unit-and-integration

dev:
	scripts/dev.sh

test: fmt lint unit-and-integration

fmt:
	cargo fmt --all -- --check

lint:
	cargo clippy --workspace --all-targets -- -D warnings

# Unit tests, and integration tests that start their own DynamoDB Local on a free port.
unit-and-integration:
	scripts/dynamodb-local.sh install >/dev/null
	cargo test --workspace
