#!/usr/bin/env bash
# Stops the control plane started by up.sh <dir>: kube-apiserver first, then
# etcd, each with SIGTERM and, if it has not exited after a grace period,
# SIGKILL. Safe to run twice or on a dir where nothing runs. Keeps the logs.
set -euo pipefail

log() { echo "testenv: $*" >&2; }
[[ $# -eq 1 ]] || {
	log "usage: $0 <dir>"
	exit 2
}
dir=$1
grace_s=${ORGTRAIL_TESTENV_STOP_TIMEOUT:-20}

# is_ours <pid> <name>: the pid is alive and still runs our binary (a stale
# pid file must not make us signal an unrelated process that reused the pid).
is_ours() {
	local exe
	exe=$(readlink "/proc/$1/exe" 2>/dev/null) || return 1
	[[ $(basename "${exe% (deleted)}") == "$2" ]]
}

stop() {
	local name=$1 pidfile=$dir/$1.pid pid
	[[ -f $pidfile ]] || return 0
	pid=$(cat "$pidfile")
	if [[ $pid =~ ^[0-9]+$ ]] && is_ours "$pid" "$name"; then
		log "stopping $name (pid $pid)"
		kill -TERM "$pid" 2>/dev/null || true
		local deadline=$((SECONDS + grace_s))
		while is_ours "$pid" "$name"; do
			if ((SECONDS >= deadline)); then
				log "$name did not exit within ${grace_s}s; sending SIGKILL"
				kill -KILL "$pid" 2>/dev/null || true
				break
			fi
			sleep 0.2
		done
	fi
	rm -f "$pidfile"
}

stop kube-apiserver
stop etcd
