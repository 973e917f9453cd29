# orgtrail-operator. `make test` and `make demo` are the two commands that matter.
SHELL := bash
CARGO ?= cargo

.PHONY: test fmt-check clippy unit crds testenv demo bench build

## Everything CI checks: formatting, lints, CRD drift, unit + integration + end-to-end tests.
test: fmt-check clippy
	$(CARGO) build --workspace --all-targets
	hack/with-testenv.sh $(CARGO) test --workspace --no-fail-fast

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## Tests that need neither an API server nor the emulator.
unit:
	$(CARGO) test --workspace --lib

## Regenerate crds/ from the Rust types.
crds:
	$(CARGO) run -q -p orgtrail-operator -- crdgen --out-dir crds

## Build kube-apiserver, etcd, kubectl and helm from Go modules (cached outside the clone).
testenv:
	hack/testenv/build.sh

build:
	$(CARGO) build --workspace

## Start apiserver + emulator + operator, apply examples/, walk the disable/re-enable story.
demo: build testenv
	hack/demo.sh

## Convergence latency, AWS calls per object, operator memory/CPU (not part of `make test`;
## method and latest figures in docs/benchmarks.md). Writes target/bench/results.json.
bench:
	hack/with-testenv.sh $(CARGO) bench --bench convergence
