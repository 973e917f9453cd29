#!/usr/bin/env bash
# Runs a command with a real control plane (etcd + kube-apiserver, built from Go modules
# by hack/testenv/build.sh) and the CRDs installed; tears it down afterwards.
# The command sees ORGTRAIL_TEST_KUBECONFIG and KUBECONFIG (admin), and KUBECTL, and
# finds the pinned AWS CLI and moto_server first on PATH (hack/testenv/pytools.sh).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${ORGTRAIL_TESTENV_CACHE:-$HOME/.cache/orgtrail-testenv}
"$root/hack/testenv/build.sh" >&2
PATH=$("$root/hack/testenv/pytools.sh"):$PATH
export PATH
dir=$(mktemp -d "${TMPDIR:-/tmp}/orgtrail-testenv.XXXXXX")
cleanup() { "$root/hack/testenv/down.sh" "$dir" >&2 || true; rm -rf "$dir"; }
trap cleanup EXIT
kubeconfig=$(ORGTRAIL_TESTENV_SKIP_BUILD=1 "$root/hack/testenv/up.sh" "$dir")
export ORGTRAIL_TEST_KUBECONFIG=$kubeconfig KUBECONFIG=$kubeconfig KUBECTL=$cache/bin/kubectl
"$KUBECTL" apply --server-side -f "$root/crds/" >&2
"$KUBECTL" wait --for condition=established --timeout=60s crd --all >&2
"$@"
