#!/usr/bin/env bash
# Starts a local control plane (etcd + kube-apiserver on 127.0.0.1, free ports)
# with its state under <dir>, and prints the admin kubeconfig path on stdout
# (progress goes to stderr), so `export KUBECONFIG=$(hack/testenv/up.sh DIR)` works.
#
# Each run starts from scratch: <dir>/pki, <dir>/etcd-data, the logs and the
# kubeconfig are recreated. Stop it with hack/testenv/down.sh <dir>.
#
# Like controller-runtime's envtest: RBAC authorization, client-certificate
# authentication from our own CA, a service-account signing key + issuer (so
# TokenRequest / `kubectl create token` work), and no ServiceAccount admission
# (no controller-manager runs, so no default ServiceAccounts would ever exist).
#
# Environment:
#   ORGTRAIL_TESTENV_CACHE          binary cache (see build.sh)
#   ORGTRAIL_TESTENV_START_TIMEOUT  seconds to wait for readiness (default 90)
#   ORGTRAIL_TESTENV_SKIP_BUILD=1   use the cached binaries as they are
#   ORGTRAIL_TESTENV_NODE_IP        for hack/cluster/up.sh: serve on all addresses and
#                                   advertise this one (pods reach it through the
#                                   `kubernetes` Service), with ServiceAccount admission
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log() { echo "testenv: $*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

[[ $# -eq 1 ]] || die "usage: $0 <dir>"
mkdir -p "$1"
dir=$(cd "$1" && pwd)
cache=${ORGTRAIL_TESTENV_CACHE:-$HOME/.cache/orgtrail-testenv}
bin=$cache/bin
timeout_s=${ORGTRAIL_TESTENV_START_TIMEOUT:-90}

for tool in openssl curl base64; do
	command -v "$tool" >/dev/null || die "'$tool' is required"
done

# Refuse to start a second control plane over a running one.
for name in kube-apiserver etcd; do
	if [[ -f $dir/$name.pid ]] && kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null; then
		die "$name is already running from $dir (pid $(cat "$dir/$name.pid")); run $here/down.sh $dir first"
	fi
done

if [[ ${ORGTRAIL_TESTENV_SKIP_BUILD:-} != 1 ]]; then
	"$here/build.sh" kube-apiserver etcd kubectl >&2
fi
for name in kube-apiserver etcd; do
	[[ -x $bin/$name ]] || die "$bin/$name is missing; run $here/build.sh"
done

rm -rf "$dir/pki" "$dir/etcd-data" "$dir/kubeconfig" "$dir/testenv.env" \
	"$dir/etcd.log" "$dir/kube-apiserver.log" "$dir/etcd.cmd" "$dir/kube-apiserver.cmd"
mkdir -p "$dir/pki"
chmod 700 "$dir/pki"

# ---- free loopback ports -------------------------------------------------
# Picked below the kernel's ephemeral range so outgoing connections do not
# take them between the check and the bind.
taken_ports=" $(ss -Hltn 2>/dev/null | awk '{n=split($4,a,":"); printf "%s ", a[n]}')"
free_port() {
	local p i
	for ((i = 0; i < 200; i++)); do
		p=$((20000 + RANDOM % 12000))
		if [[ $taken_ports != *" $p "* ]] && ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			taken_ports+="$p "
			echo "$p"
			return
		fi
	done
	die "no free port found"
}
etcd_client_port=$(free_port)
etcd_peer_port=$(free_port)
apiserver_port=$(free_port)
etcd_url=http://127.0.0.1:$etcd_client_port
apiserver_url=https://127.0.0.1:$apiserver_port

node_ip=${ORGTRAIL_TESTENV_NODE_IP:-}
if [[ -n $node_ip ]]; then
	# A node runs (hack/cluster): pods reach the API server at the `kubernetes` Service
	# (10.0.0.1:443, kube-proxy) whose endpoint is the advertised address, and their
	# ServiceAccounts get tokens through ServiceAccount admission.
	# The kubelet's API (logs, exec) is reached as admin, verifying its certificate.
	network_flags=(--bind-address=0.0.0.0 --advertise-address="$node_ip"
		--kubelet-client-certificate="$dir/pki/admin.crt" --kubelet-client-key="$dir/pki/admin.key"
		--kubelet-certificate-authority="$dir/pki/ca.crt" --kubelet-preferred-address-types=InternalIP)
	admission_flags=()
else
	# --endpoint-reconciler-type=none: the default one would write 127.0.0.1 into
	# Endpoints default/kubernetes, which validation rejects (loopback), and log
	# that error every 10 seconds. No controller-manager runs, so no default
	# ServiceAccounts would ever exist for ServiceAccount admission to require.
	network_flags=(--bind-address=127.0.0.1 --advertise-address=127.0.0.1 --endpoint-reconciler-type=none)
	admission_flags=(--disable-admission-plugins=ServiceAccount)
fi

# ---- certificates --------------------------------------------------------
pki=$dir/pki
genkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
# sign <name> <subject> <extensions...>: a leaf certificate for <name>.key signed by the CA
sign() {
	local name=$1 subj=$2
	shift 2
	genkey "$pki/$name.key"
	openssl req -new -key "$pki/$name.key" -subj "$subj" -out "$pki/$name.csr" 2>/dev/null
	printf '%s\n' "$@" >"$pki/$name.ext"
	openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
		-CAcreateserial -days 365 -sha256 -extfile "$pki/$name.ext" -out "$pki/$name.crt" 2>/dev/null
	rm -f "$pki/$name.csr" "$pki/$name.ext"
}

log "generating certificates in $pki"
# A real CA (not a self-signed leaf): rustls, used by the Rust client, only
# accepts a trust anchor with CA:TRUE that is distinct from the server cert.
genkey "$pki/ca.key"
openssl req -x509 -new -key "$pki/ca.key" -sha256 -days 3650 -subj "/CN=orgtrail-testenv-ca" \
	-addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
	-addext "subjectKeyIdentifier=hash" -out "$pki/ca.crt" 2>/dev/null
sign apiserver "/CN=kube-apiserver" \
	"basicConstraints=critical,CA:FALSE" \
	"keyUsage=critical,digitalSignature,keyEncipherment" \
	"extendedKeyUsage=serverAuth" \
	"subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid:always" \
	"subjectAltName=IP:127.0.0.1,IP:10.0.0.1${node_ip:+,IP:$node_ip},DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"
# The admin user: group system:masters is bound to cluster-admin by RBAC's bootstrap policy.
sign admin "/O=system:masters/CN=orgtrail-admin" \
	"basicConstraints=critical,CA:FALSE" \
	"keyUsage=critical,digitalSignature,keyEncipherment" \
	"extendedKeyUsage=clientAuth" \
	"subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid:always"
# Service-account token signing key (RS256, the default algorithm).
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$pki/sa.key" 2>/dev/null
openssl pkey -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
openssl verify -CAfile "$pki/ca.crt" "$pki/apiserver.crt" "$pki/admin.crt" >/dev/null ||
	die "generated certificates do not verify against the CA"

# ---- processes -----------------------------------------------------------
started=0
cleanup_on_failure() {
	if [[ $started == 1 ]]; then
		log "start failed; stopping what was started"
		"$here/down.sh" "$dir" >&2 || true
	fi
}
trap cleanup_on_failure EXIT

. "$here/procs.sh"

etcd_peer_url=http://127.0.0.1:$etcd_peer_port
log "starting etcd on $etcd_url"
start etcd \
	--name=testenv \
	--data-dir="$dir/etcd-data" \
	--listen-client-urls="$etcd_url" \
	--advertise-client-urls="$etcd_url" \
	--listen-peer-urls="$etcd_peer_url" \
	--initial-advertise-peer-urls="$etcd_peer_url" \
	--initial-cluster="testenv=$etcd_peer_url" \
	--unsafe-no-fsync=true
etcd_healthy() { curl -fsS "$etcd_url/health" | grep -q '"health":"true"'; }
wait_ok etcd "healthy" etcd_healthy

log "starting kube-apiserver on $apiserver_url"
start kube-apiserver \
	--etcd-servers="$etcd_url" \
	"${network_flags[@]}" \
	"${admission_flags[@]}" \
	--secure-port="$apiserver_port" \
	--cert-dir="$pki" \
	--tls-cert-file="$pki/apiserver.crt" \
	--tls-private-key-file="$pki/apiserver.key" \
	--client-ca-file="$pki/ca.crt" \
	--authorization-mode=RBAC \
	--service-cluster-ip-range=10.0.0.0/24 \
	--allow-privileged=true \
	--service-account-issuer="$apiserver_url" \
	--service-account-key-file="$pki/sa.pub" \
	--service-account-signing-key-file="$pki/sa.key"
apiserver_ready() {
	[[ $(curl -sS --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" \
		"$apiserver_url/readyz") == ok ]]
}
wait_ok kube-apiserver "ready (/readyz)" apiserver_ready

# ---- kubeconfig ----------------------------------------------------------
b64() { base64 -w0 <"$1"; }
cat >"$dir/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: testenv
  cluster:
    server: $apiserver_url
    certificate-authority-data: $(b64 "$pki/ca.crt")
users:
- name: testenv-admin
  user:
    client-certificate-data: $(b64 "$pki/admin.crt")
    client-key-data: $(b64 "$pki/admin.key")
contexts:
- name: testenv
  context:
    cluster: testenv
    user: testenv-admin
current-context: testenv
EOF
chmod 600 "$dir/kubeconfig"
cat >"$dir/testenv.env" <<EOF
KUBECONFIG=$dir/kubeconfig
APISERVER_URL=$apiserver_url
ETCD_URL=$etcd_url
TESTENV_BIN=$bin
EOF

trap - EXIT
log "control plane ready: $apiserver_url (logs in $dir/*.log, stop with $here/down.sh $dir)"
echo "$dir/kubeconfig"
