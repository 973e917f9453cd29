#!/usr/bin/env bash
# End-to-end check of the local control plane: up.sh in a fresh dir, then
#  - kubectl get ns works with the admin kubeconfig,
#  - the server reports the Kubernetes version pinned in go.mod,
#  - TokenRequest works (kubectl create token) and RBAC denies that token,
#  - a CRD with an x-kubernetes-validations (CEL) rule rejects a violating object,
# and down.sh. Exits non-zero on the first failed check.
#
# Usage: smoke.sh [dir]   (default: a new temp dir, removed on success)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=${1:-$(mktemp -d -t orgtrail-testenv-smoke.XXXXXX)}
bin=${ORGTRAIL_TESTENV_CACHE:-$HOME/.cache/orgtrail-testenv}/bin
fail() {
	echo "smoke: FAIL: $*" >&2
	exit 1
}
pass() { echo "smoke: ok: $*"; }

trap '"$here/down.sh" "$dir"' EXIT
kubeconfig=$("$here/up.sh" "$dir")
k() { "$bin/kubectl" --kubeconfig "$kubeconfig" "$@"; }

k get ns default kube-system >/dev/null || fail "kubectl get ns"
pass "kubectl get ns"

want=$(cd "$here" && go list -m -f '{{.Version}}' k8s.io/kubernetes)
server=$(k version -o json | sed -n 's/^ *"gitVersion": "\(.*\)",$/\1/p' | tail -n 1)
[[ $server == "$want" ]] || fail "server version '$server', want '$want'"
client=$(k version --client -o json | sed -n 's/^ *"gitVersion": "\(.*\)",$/\1/p')
[[ $client == "$want" ]] || fail "kubectl version '$client', want '$want'"
pass "server and kubectl report $want"

k create serviceaccount smoke -n default >/dev/null
token=$(k create token smoke -n default --duration=10m) || fail "TokenRequest"
[[ $token == *.*.* ]] || fail "TokenRequest returned no JWT"
# A kubeconfig-less client so only the token authenticates (not the admin cert).
url=$(sed -n 's/^APISERVER_URL=//p' "$dir/testenv.env")
as_sa() { "$bin/kubectl" --kubeconfig=/dev/null --server="$url" --certificate-authority="$dir/pki/ca.crt" --token="$token" "$@"; }
whoami=$(as_sa auth whoami -o jsonpath='{.status.userInfo.username}' 2>&1) ||
	fail "token not accepted: $whoami"
[[ $whoami == system:serviceaccount:default:smoke ]] || fail "token user '$whoami'"
if out=$(as_sa get ns 2>&1); then
	fail "RBAC allowed an unbound ServiceAccount to list namespaces"
fi
[[ $out == *forbidden* ]] || fail "expected Forbidden, got: $out"
pass "TokenRequest token authenticates as $whoami and RBAC denies it"

k apply -f - >/dev/null <<'EOF'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ranges.smoke.testenv.orgtrail.dev
spec:
  group: smoke.testenv.orgtrail.dev
  scope: Cluster
  names: {plural: ranges, singular: range, kind: Range}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              min: {type: integer}
              max: {type: integer}
            x-kubernetes-validations:
            - rule: self.min <= self.max
              message: min must not exceed max
EOF
k wait --for=condition=Established crd/ranges.smoke.testenv.orgtrail.dev --timeout=60s >/dev/null
range() { printf 'apiVersion: smoke.testenv.orgtrail.dev/v1\nkind: Range\nmetadata: {name: %s}\nspec: {min: %s, max: %s}\n' "$@"; }
range good 1 2 | k apply -f - >/dev/null || fail "valid object rejected"
if out=$(range bad 3 2 | k apply -f - 2>&1); then
	fail "CEL rule did not reject min > max"
fi
[[ $out == *"min must not exceed max"* ]] || fail "rejection without the CEL message: $out"
pass "CEL validation rejects a violating object ($out)"

trap - EXIT
"$here/down.sh" "$dir"
[[ $# -ge 1 ]] || rm -rf "$dir"
echo "smoke: all checks passed"
