#!/usr/bin/env bash
# `make demo`: a local control plane, the AWS emulator and the operator; applies examples/
# and walks the story the operator exists for: someone disables CloudTrail's trusted
# access in AWS Organizations by hand, AWS silently turns the organization trail and
# event data store into account-level ones, and the operator puts everything back.
# Everything runs on 127.0.0.1 and is torn down on exit. Run after `make build testenv`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${ORGTRAIL_TESTENV_CACHE:-$HOME/.cache/orgtrail-testenv}
target=${CARGO_TARGET_DIR:-$root/target}/debug
export KUBECTL=$cache/bin/kubectl

bold= plain=
if [[ -t 1 ]]; then
	bold=$(tput bold 2>/dev/null || true)
	plain=$(tput sgr0 2>/dev/null || true)
fi
section() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }
note() { printf '    %s\n' "$*"; }
die() {
	echo "demo: $*" >&2
	exit 1
}

# The pinned AWS CLI, installed into the testenv cache on first use.
PATH=$("$root/hack/testenv/pytools.sh"):$PATH
command -v aws >/dev/null || die "the AWS CLI could not be installed (hack/testenv/pytools.sh)"
for bin in "$target/orgtrail-operator" "$target/orgtrail-emulator" "$KUBECTL"; do
	[[ -x $bin ]] || die "$bin is missing: run \`make build testenv\` first"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/orgtrail-demo.XXXXXX")
emulator_pid= operator_pid=
cleanup() {
	set +e
	[[ -n $operator_pid ]] && kill "$operator_pid" 2>/dev/null && wait "$operator_pid" 2>/dev/null
	[[ -n $emulator_pid ]] && kill "$emulator_pid" 2>/dev/null && wait "$emulator_pid" 2>/dev/null
	"$root/hack/testenv/down.sh" "$work/testenv" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

section "Starting kube-apiserver + etcd (hack/testenv)"
KUBECONFIG=$(ORGTRAIL_TESTENV_SKIP_BUILD=1 "$root/hack/testenv/up.sh" "$work/testenv" 2>"$work/testenv.log") ||
	{
		cat "$work/testenv.log" >&2
		die "control plane did not start"
	}
export KUBECONFIG
"$KUBECTL" apply --server-side -f "$root/crds/" >/dev/null
"$KUBECTL" wait --for condition=established --timeout=60s crd --all >/dev/null
note "API server up; CRDs installed: $("$KUBECTL" get crd -o name | tr '\n' ' ')"

section "Starting the AWS emulator"
"$target/orgtrail-emulator" --listen 127.0.0.1:0 >"$work/emulator.out" 2>"$work/emulator.log" &
emulator_pid=$!
for _ in $(seq 50); do
	[[ -s $work/emulator.out ]] && break
	sleep 0.1
done
url=$(head -1 "$work/emulator.out" | sed -n 's/^orgtrail-emulator listening on //p')
[[ -n $url ]] || die "the emulator did not start: $(cat "$work/emulator.log")"
note "emulator at $url (organization o-exampleorgid, management account 111111111111)"

export AWS_SECRET_ACCESS_KEY=demo AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
export AWS_CONFIG_FILE=$work/no-config AWS_SHARED_CREDENTIALS_FILE=$work/no-credentials
# The AWS CLI as the management account (or another key with AWS_ACCESS_KEY_ID=...).
awscli() { AWS_ACCESS_KEY_ID=${AKID:-AKIDMANAGEMENT} aws --endpoint-url "$url" "$@"; }

section "Starting the operator (management account credentials, resync 3s)"
AWS_ACCESS_KEY_ID=AKIDMANAGEMENT NO_COLOR=1 "$target/orgtrail-operator" run \
	--aws-endpoint-url "$url" --resync-seconds 3 --metrics-addr 127.0.0.1:0 \
	--leader-election false --lease-namespace default >"$work/operator.log" 2>&1 &
operator_pid=$!
note "operator pid $operator_pid, log $work/operator.log"

show_objects() {
	"$KUBECTL" get trustedaccess,delegatedadmin,orgtrails,orgeventdatastores
}
show_aws() {
	echo "--- aws organizations list-aws-service-access-for-organization"
	awscli organizations list-aws-service-access-for-organization \
		--query 'EnabledServicePrincipals[].ServicePrincipal' --output text
	echo "--- aws cloudtrail describe-trails (management account 111111111111)"
	awscli cloudtrail describe-trails --output table \
		--query 'trailList[].{Name:Name,Org:IsOrganizationTrail,ARN:TrailARN}'
	echo "--- aws cloudtrail describe-trails (member account 333333333333)"
	AKID=AKIDMEMBER awscli cloudtrail describe-trails --output table \
		--query 'trailList[].{Name:Name,Org:IsOrganizationTrail,ARN:TrailARN}'
	echo "--- aws cloudtrail get-trail-status"
	awscli cloudtrail get-trail-status --name "$trail_arn" --query IsLogging --output text
	echo "--- aws cloudtrail get-event-data-store"
	awscli cloudtrail get-event-data-store --event-data-store "$store_arn" --output table \
		--query '{Name:Name,Status:Status,OrganizationEnabled:OrganizationEnabled,Retention:RetentionPeriod}'
}
wait_ready() { # kind/name...
	"$KUBECTL" wait --for=condition=Ready --timeout=90s "$@" >/dev/null ||
		{
			tail -30 "$work/operator.log" >&2
			die "not Ready: $*"
		}
}
wait_org_trail() { # true|false
	for _ in $(seq 240); do
		[[ $(awscli cloudtrail describe-trails --query "trailList[?Name=='organization-audit'].IsOrganizationTrail | [0]" --output text) == "$1" ]] && return 0
		sleep 0.25
	done
	die "organization-audit never had IsOrganizationTrail=$1"
}

section "Before applying: orgtrail-operator plan -f examples/ (reads AWS, writes nothing)"
set +e
AWS_ACCESS_KEY_ID=AKIDMANAGEMENT "$target/orgtrail-operator" plan -f "$root/examples/" \
	--aws-endpoint-url "$url" | cut -c1-160
plan_exit=${PIPESTATUS[0]}
set -e
note "exit code $plan_exit (0 no changes, 1 error, 2 changes)"
[[ $plan_exit == 2 ]] || die "plan should have listed changes"

section "kubectl apply -f examples/"
"$KUBECTL" apply -f "$root/examples/"
wait_ready trustedaccess/cloudtrail delegatedadmin/security-tooling \
	orgtrails/organization-audit orgeventdatastore/organization-lake

section "What Kubernetes says (kubectl get trustedaccess,delegatedadmin,orgtrails,orgeventdatastores)"
show_objects
trail_arn=$("$KUBECTL" get orgtrails organization-audit -o jsonpath='{.status.arn}')
store_arn=$("$KUBECTL" get orgeventdatastore organization-lake -o jsonpath='{.status.arn}')

section "What AWS says"
show_aws

section "Declared disable: kubectl patch trustedaccess cloudtrail (state: Disabled)"
note "Without the confirmation, the API server refuses:"
"$KUBECTL" patch trustedaccess cloudtrail --type merge -p '{"spec":{"state":"Disabled"}}' 2>&1 | sed 's/^/    /' || true
note "With disableConfirmation: disable, the operator records what will be converted, then disables:"
"$KUBECTL" patch trustedaccess cloudtrail --type merge \
	-p '{"spec":{"state":"Disabled","disableConfirmation":"disable"}}'
wait_org_trail False
"$KUBECTL" get trustedaccess cloudtrail -o jsonpath='{.status.disableImpact}' | sed 's/^/    disableImpact: /'
echo
show_objects
show_aws

section "Declared re-enable: AWS converts nothing back; the operator does"
"$KUBECTL" patch trustedaccess cloudtrail --type merge \
	-p '{"spec":{"state":"Enabled","disableConfirmation":null}}'
wait_org_trail True
wait_ready orgtrails/organization-audit orgeventdatastore/organization-lake trustedaccess/cloudtrail
show_objects

section "Someone disables trusted access by hand"
note "\$ aws organizations disable-aws-service-access --service-principal cloudtrail.amazonaws.com"
# Stop the operator for a moment so the damage is visible before it is repaired.
kill -STOP "$operator_pid"
awscli organizations disable-aws-service-access --service-principal cloudtrail.amazonaws.com
note "AWS deleted the member accounts' copies and converted the trail and the store:"
show_aws

section "The operator notices, re-enables trusted access and re-converts"
kill -CONT "$operator_pid"
wait_org_trail True
wait_ready orgtrails/organization-audit orgeventdatastore/organization-lake trustedaccess/cloudtrail
for _ in $(seq 120); do
	[[ $(awscli cloudtrail get-event-data-store --event-data-store "$store_arn" --query OrganizationEnabled --output text) == True ]] && break
	sleep 0.25
done
show_aws

section "kubectl get events -A"
"$KUBECTL" get events -A

section "Final state"
show_objects

section "Cleaning up (kubectl delete; the examples use deletionPolicy: Retain)"
for kind in orgeventdatastores orgtrails delegatedadmins trustedaccesses; do
	"$KUBECTL" delete "$kind" --all --timeout=60s
done
note "done; the control plane, emulator and operator stop now"
