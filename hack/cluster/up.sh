#!/usr/bin/env bash
# Starts a real single-node Kubernetes cluster on this machine, with its state under
# <dir>, and prints the admin kubeconfig path on stdout (progress goes to stderr):
#
#   etcd + kube-apiserver   hack/testenv/up.sh, serving on all addresses
#   kube-controller-manager Deployments -> ReplicaSets -> Pods, ServiceAccounts,
#                           kube-root-ca.crt, Endpoints
#   kube-scheduler
#   containerd + runc       the CRI runtime (containerd built from its Go module,
#                           Debian's runc), cgroupfs driver (this kernel is cgroup v1)
#   kubelet                 the node, pods on a CNI bridge (10.244.0.0/24)
#   kube-proxy              iptables mode: Services, among them `kubernetes` (10.0.0.1)
#
# All Kubernetes binaries come from the same k8s.io/kubernetes version
# (hack/testenv/go.mod). Nothing is pulled from a registry: the pod sandbox image is
# built from hack/cluster/pause, and the OCI archives named in ORGTRAIL_CLUSTER_IMAGES
# (space-separated paths, e.g. target/image/orgtrail-operator.oci.tar from `make image`)
# are imported into containerd.
#
# Needs root (kubelet, containerd, iptables), and podman + runc + iptables (Debian
# packages). One cluster per machine: the kubelet, the bridge and iptables are global.
# Stop it with hack/cluster/down.sh <dir>.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
testenv=$here/../testenv
log() { echo "cluster: $*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

[[ $# -eq 1 ]] || die "usage: $0 <dir>"
mkdir -p "$1"
dir=$(cd "$1" && pwd)
cache=${ORGTRAIL_TESTENV_CACHE:-$HOME/.cache/orgtrail-testenv}
bin=$cache/bin
timeout_s=${ORGTRAIL_TESTENV_START_TIMEOUT:-120}
node=orgtrail-node
pod_cidr=10.244.0.0/24

[[ $(id -u) == 0 ]] || die "the kubelet and containerd need root"
for tool in runc podman iptables ip findmnt; do
	command -v "$tool" >/dev/null || die "'$tool' is required (Debian: apt-get install runc podman iptables iproute2)"
done
if [[ -e /sys/class/net/orgtrail0 ]] || pgrep -x kubelet >/dev/null; then
	die "a cluster is already running on this machine (bridge orgtrail0 or a kubelet exists); stop it with $here/down.sh <its dir>"
fi

if [[ ${ORGTRAIL_TESTENV_SKIP_BUILD:-} != 1 ]]; then
	"$testenv/build.sh" kube-apiserver etcd kubectl kubelet kube-controller-manager \
		kube-scheduler kube-proxy containerd containerd-shim-runc-v2 ctr cni >&2
fi

# The address pods reach the API server (through the `kubernetes` Service) and the
# emulator at: the source address of this machine's default route.
node_ip=$(ip -4 -o route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')
[[ -n $node_ip ]] || die "no IPv4 default route to take the node address from"

started=0
cleanup_on_failure() {
	if [[ $started == 1 ]]; then
		log "start failed; stopping what was started"
		"$here/down.sh" "$dir" >&2 || true
	fi
}
trap cleanup_on_failure EXIT

rm -rf "$dir/containerd" "$dir/kubelet" "$dir/cni" "$dir"/*.log
mkdir -p "$dir/containerd" "$dir/kubelet" "$dir/cni/net.d" "$dir/images"
started=1
kubeconfig=$(ORGTRAIL_TESTENV_SKIP_BUILD=1 ORGTRAIL_TESTENV_NODE_IP=$node_ip "$testenv/up.sh" "$dir")
pki=$dir/pki
kubectl() { "$bin/kubectl" --kubeconfig "$kubeconfig" "$@"; }

. "$testenv/procs.sh"

# ---- containerd -----------------------------------------------------------
sock=$dir/containerd/containerd.sock
cat >"$dir/containerd/config.toml" <<EOF
version = 3
root = "$dir/containerd/root"
state = "$dir/containerd/state"
[grpc]
  address = "$sock"
[ttrpc]
  address = "$sock.ttrpc"
[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "localhost/orgtrail/pause:test"
[plugins.'io.containerd.cri.v1.runtime']
  # Root here lacks CAP_SYS_RESOURCE (a sandboxed machine), so runc cannot lower a
  # container's oom_score_adj below containerd's own (the kubelet asks -998 for pod
  # sandboxes): clamp it instead, as rootless setups do.
  restrict_oom_score_adj = true
  [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
      BinaryName = "$(command -v runc)"
      SystemdCgroup = false
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["$cache/cni/bin"]
    conf_dir = "$dir/cni/net.d"
EOF
cat >"$dir/cni/net.d/10-orgtrail.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "orgtrail",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "orgtrail0",
      "isGateway": true,
      "ipMasq": true,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "$pod_cidr"}]],
        "routes": [{"dst": "0.0.0.0/0"}],
        "dataDir": "$dir/cni/ipam"
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
# The shim finds containerd-shim-runc-v2 on PATH.
export PATH=$bin:$PATH
log "starting containerd $("$bin/containerd" --version | awk '{print $3}')"
start containerd --config "$dir/containerd/config.toml"
wait_ok containerd "serving" "$bin/ctr" --address "$sock" version

# ---- images (no registry) -----------------------------------------------
pause_tar=$dir/images/pause.oci.tar
(cd "$here/pause" && GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CGO_ENABLED=0 \
	go build -trimpath -ldflags "-s -w" -o "$dir/images/pause" .)
printf 'FROM scratch\nCOPY pause /pause\nUSER 65535:65535\nENTRYPOINT ["/pause"]\n' >"$dir/images/Containerfile.pause"
podman() { command podman --runtime runc --cgroup-manager cgroupfs "$@"; }
podman build -q -f "$dir/images/Containerfile.pause" -t localhost/orgtrail/pause:test "$dir/images" >/dev/null
rm -f "$pause_tar"
podman save -q --format oci-archive -o "$pause_tar" localhost/orgtrail/pause:test
for tar in "$pause_tar" ${ORGTRAIL_CLUSTER_IMAGES:-}; do
	[[ -f $tar ]] || die "image archive $tar is missing (make image writes target/image/orgtrail-operator.oci.tar)"
	log "importing $(basename "$tar") into containerd"
	"$bin/ctr" --address "$sock" -n k8s.io images import --no-unpack=false "$tar" >&2
done

# ---- kubelet ----------------------------------------------------------------
sysctl -qw net.ipv4.ip_forward=1
cat >"$dir/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: "$pki/ca.crt"}
authorization: {mode: Webhook}
containerRuntimeEndpoint: unix://$sock
cgroupDriver: cgroupfs
# This machine's kernel mounts cgroup v1 (v2 only as the hybrid 'unified' tree);
# Kubernetes 1.35+ refuses v1 unless told.
failCgroupV1: false
failSwapOn: false
podCIDR: "$pod_cidr"
address: "$node_ip"
port: 10250
readOnlyPort: 0
healthzPort: 0
serializeImagePulls: false
# The machine's disk is shared with the build; evict only when it is really full.
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
imageGCHighThresholdPercent: 100
resolvConf: /etc/resolv.conf
tlsCertFile: "$pki/apiserver.crt"
tlsPrivateKeyFile: "$pki/apiserver.key"
EOF
log "starting kubelet ($node, $node_ip)"
start kubelet \
	--config="$dir/kubelet/config.yaml" \
	--kubeconfig="$kubeconfig" \
	--root-dir="$dir/kubelet/root" \
	--cert-dir="$dir/kubelet/pki" \
	--hostname-override="$node" \
	--node-ip="$node_ip"

# ---- controllers ------------------------------------------------------------
log "starting kube-controller-manager, kube-scheduler, kube-proxy"
start kube-controller-manager \
	--kubeconfig="$kubeconfig" \
	--authentication-kubeconfig="$kubeconfig" \
	--authorization-kubeconfig="$kubeconfig" \
	--leader-elect=false \
	--bind-address=127.0.0.1 --secure-port=0 \
	--root-ca-file="$pki/ca.crt" \
	--service-account-private-key-file="$pki/sa.key" \
	--use-service-account-credentials=false \
	--controllers='*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-node-route-controller'
start kube-scheduler \
	--kubeconfig="$kubeconfig" \
	--authentication-kubeconfig="$kubeconfig" \
	--authorization-kubeconfig="$kubeconfig" \
	--leader-elect=false \
	--bind-address=127.0.0.1 --secure-port=0
start kube-proxy \
	--kubeconfig="$kubeconfig" \
	--hostname-override="$node" \
	--proxy-mode=iptables \
	--cluster-cidr="$pod_cidr" \
	--conntrack-max-per-core=0 \
	--healthz-bind-address=127.0.0.1:10256 \
	--metrics-bind-address=127.0.0.1:10249

node_ready() {
	[[ $(kubectl get node "$node" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}') == True ]]
}
wait_ok kubelet "Ready (node $node)" node_ready
default_sa() { kubectl get serviceaccount default -n default; }
wait_ok kube-controller-manager "creating ServiceAccounts" default_sa
# What in-cluster clients use: the `kubernetes` Service, through kube-proxy's rules,
# with the API server's certificate verified (its SANs include 10.0.0.1).
service_ok() { [[ $(curl -sS --max-time 2 --cacert "$pki/ca.crt" https://10.0.0.1/readyz) == ok ]]; }
wait_ok kube-proxy "routing the kubernetes Service (10.0.0.1:443)" service_ok

cat >>"$dir/testenv.env" <<EOF
NODE_NAME=$node
NODE_IP=$node_ip
POD_CIDR=$pod_cidr
CONTAINERD_ADDRESS=$sock
EOF

trap - EXIT
log "cluster ready: node $node at $node_ip (logs in $dir/*.log, stop with $here/down.sh $dir)"
echo "$kubeconfig"
