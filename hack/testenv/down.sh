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
. "$(dirname "${BASH_SOURCE[0]}")/procs.sh"

stop kube-apiserver
stop etcd
