#!/usr/bin/env bash
# Stops the cluster started by hack/cluster/up.sh <dir> and removes what it left on the
# machine: its pods' containers and mounts, the CNI bridge, kube-proxy's iptables rules.
# Then stops the control plane (hack/testenv/down.sh). Safe to run twice. Keeps the logs.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log() { echo "cluster: $*" >&2; }
[[ $# -eq 1 ]] || {
	log "usage: $0 <dir>"
	exit 2
}
dir=$(cd "$1" 2>/dev/null && pwd) || exit 0
cache=${ORGTRAIL_TESTENV_CACHE:-$HOME/.cache/orgtrail-testenv}
grace_s=${ORGTRAIL_TESTENV_STOP_TIMEOUT:-20}

. "$here/../testenv/procs.sh"

# The kubelet first, so it restarts nothing while the containers go.
stop kubelet
stop kube-scheduler
stop kube-controller-manager
stop kube-proxy
# Every container of the cluster, through runc's state under containerd's state dir.
runc_root=$dir/containerd/state/runc/k8s.io
if [[ -d $runc_root ]]; then
	for id in $(runc --root "$runc_root" list -q 2>/dev/null); do
		runc --root "$runc_root" kill "$id" KILL 2>/dev/null
	done
	sleep 0.5
	for id in $(runc --root "$runc_root" list -q 2>/dev/null); do
		runc --root "$runc_root" delete --force "$id" 2>/dev/null
	done
fi
stop containerd
# The shims outlive containerd; they name its socket on their command line.
for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $dir/" 2>/dev/null); do
	kill -KILL "$pid" 2>/dev/null
done
# Pod network namespaces, overlay rootfs and volume mounts under <dir>, deepest first.
findmnt -rn -o TARGET | grep -F "$dir/" | sort -r | while read -r m; do
	umount -l "$m" 2>/dev/null
done
for ns in /var/run/netns/cni-*; do
	[[ -e $ns ]] && ip netns delete "$(basename "$ns")" 2>/dev/null
done
ip link delete orgtrail0 2>/dev/null
[[ -x $cache/bin/kube-proxy ]] && "$cache/bin/kube-proxy" --cleanup >/dev/null 2>&1
# What the kubelet (KUBE-FIREWALL, canaries) and the bridge plugin's ipMasq (a CNI-<hash>
# chain per pod, named "orgtrail" in its comment) put in iptables: pods were killed, not
# torn down through CNI. Other CNI users' chains are left alone.
for table in filter nat mangle; do
	iptables -t "$table" -S 2>/dev/null |
		grep -E -- '^-A [A-Z]+ .*(-j KUBE-|name: \\"orgtrail\\")' |
		while read -r rule; do eval "iptables -t $table -D ${rule#-A }" 2>/dev/null; done
	chains=$(iptables -t "$table" -S 2>/dev/null | sed -n 's/^-N \(KUBE-[^ ]*\)$/\1/p')
	# CNI-<hash> chains no rule jumps to any more: ours, just unlinked above.
	for chain in $(iptables -t "$table" -S 2>/dev/null | sed -n 's/^-N \(CNI-[0-9a-f]*\)$/\1/p'); do
		iptables -t "$table" -S 2>/dev/null | grep -q -- "-j $chain\$" || chains+=" $chain"
	done
	for chain in $chains; do iptables -t "$table" -F "$chain" 2>/dev/null; done
	for chain in $chains; do iptables -t "$table" -X "$chain" 2>/dev/null; done
done
"$here/../testenv/down.sh" "$dir"
exit 0
