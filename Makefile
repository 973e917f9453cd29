# orgtrail-operator. `make test` and `make demo` are the two commands that matter.
SHELL := bash
CARGO ?= cargo

.PHONY: test fmt-check clippy unit crds testenv demo bench build static image image-check cluster-test

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

## Build kube-apiserver, etcd, kubectl and helm from Go modules, and install the pinned
## AWS CLI and moto into a virtualenv (both cached outside the clone).
testenv:
	hack/testenv/build.sh
	hack/testenv/pytools.sh >/dev/null

build:
	$(CARGO) build --workspace

## Start apiserver + emulator + operator, apply examples/, walk the disable/re-enable story.
demo: build testenv
	hack/demo.sh

## Convergence latency, AWS calls per object, operator memory/CPU (not part of `make test`;
## method and latest figures in docs/benchmarks.md). Writes target/bench/results.json.
bench:
	hack/with-testenv.sh $(CARGO) bench --bench convergence

## The static (musl) release binary the container image holds (Dockerfile). Needs
## musl-gcc (Debian: musl-tools) for the C parts of ring and aws-lc-sys.
MUSL_TARGET := x86_64-unknown-linux-musl
static:
	rustup target add $(MUSL_TARGET)
	$(CARGO) build --release --locked -p orgtrail-operator --bin orgtrail-operator --target $(MUSL_TARGET)
	@bin=$${CARGO_TARGET_DIR:-target}/$(MUSL_TARGET)/release/orgtrail-operator; \
	  if ldd $$bin 2>&1 | grep -q '=>'; then echo "$$bin is not static" >&2; ldd $$bin >&2; exit 1; fi; \
	  $$bin --version; ls -l $$bin

## The container image (Dockerfile, FROM scratch) from the `make static` binary, with podman
## and no registry: tags ghcr.io/orgtrail/orgtrail-operator:<chart appVersion> and writes
## target/image/orgtrail-operator.oci.tar (for `ctr -n k8s.io images import`).
image: static
	hack/image/build.sh

## Runs the image: --version, user 65532, read-only root filesystem, exact file list.
image-check: image
	hack/image/check.sh

## The chart as users run it, on a real single-node cluster (hack/cluster: kubelet,
## containerd over runc, controllers, kube-proxy; built from Go modules, cached like
## testenv): the image above, two replicas behind their probes, one leader and the hand-over,
## the securityContext enforced, AWS reached only with IRSA-style web-identity credentials.
## Needs root, podman, runc and iptables. One cluster per machine.
cluster-test: image
	hack/testenv/build.sh kubelet kube-controller-manager kube-scheduler kube-proxy \
	  containerd containerd-shim-runc-v2 ctr cni
	hack/with-testenv.sh $(CARGO) test --test pods -- --ignored --nocapture
