#!/usr/bin/env bash
# Restarts the kube-apiserver of a control plane started by up.sh <dir>, the way a
# cluster's API server goes away and comes back: SIGKILL, <down-seconds> of outage
# (default 0), then the same command line on the same etcd. Prints nothing on stdout;
# returns once /readyz says ok.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log() { echo "testenv: $*" >&2; }
[[ $# -ge 1 && $# -le 2 ]] || {
	log "usage: $0 <dir> [down-seconds]"
	exit 2
}
dir=$(cd "$1" && pwd)
down_s=${2:-0}
timeout_s=${ORGTRAIL_TESTENV_START_TIMEOUT:-90}
[[ -f $dir/kube-apiserver.cmd ]] || {
	log "$dir/kube-apiserver.cmd is missing: was $dir started by $here/up.sh?"
	exit 1
}

pid=$(cat "$dir/kube-apiserver.pid")
log "killing kube-apiserver (pid $pid)"
kill -KILL "$pid" 2>/dev/null || true
while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
sleep "$down_s"

log "starting kube-apiserver again"
# The command line up.sh recorded, quoted with printf %q.
setsid bash -c "exec $(cat "$dir/kube-apiserver.cmd")" </dev/null >>"$dir/kube-apiserver.log" 2>&1 &
echo $! >"$dir/kube-apiserver.pid"

url=$(sed -n 's/^APISERVER_URL=//p' "$dir/testenv.env")
pki=$dir/pki
deadline=$((SECONDS + timeout_s))
until [[ $(curl -sS --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" \
	"$url/readyz" 2>/dev/null) == ok ]]; do
	if ((SECONDS >= deadline)); then
		log "kube-apiserver not ready after ${timeout_s}s; last lines of $dir/kube-apiserver.log:"
		tail -n 40 "$dir/kube-apiserver.log" >&2
		exit 1
	fi
	sleep 0.2
done
log "kube-apiserver ready again: $url"
