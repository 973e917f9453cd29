# Processes of the local control plane and cluster (sourced by hack/testenv/up.sh,
# down.sh and hack/cluster/up.sh, down.sh): each runs in its own session with
# <dir>/<name>.pid, .log and .cmd. Callers set dir, bin, timeout_s (start/wait) or
# grace_s (stop), and log().

# start <name> <args...>: runs $bin/<name> in its own session (so it outlives
# this script and the caller's Ctrl-C), logging to <dir>/<name>.log.
start() {
	local name=$1
	shift
	started=1
	setsid "$bin/$name" "$@" </dev/null >"$dir/$name.log" 2>&1 &
	echo $! >"$dir/$name.pid"
	# The command line, for restart-apiserver.sh.
	printf '%q ' "$bin/$name" "$@" >"$dir/$name.cmd"
}

# wait_ok <name> <description> <command...>: polls until the command succeeds,
# failing early if the process died and with a log tail on timeout.
wait_ok() {
	local name=$1 what=$2
	shift 2
	local deadline=$((SECONDS + timeout_s))
	until "$@" >/dev/null 2>&1; do
		if ! kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null; then
			log "$name exited before $what; last lines of $dir/$name.log:"
			tail -n 40 "$dir/$name.log" >&2
			exit 1
		fi
		if ((SECONDS >= deadline)); then
			log "$name not $what after ${timeout_s}s; last lines of $dir/$name.log:"
			tail -n 40 "$dir/$name.log" >&2
			exit 1
		fi
		sleep 0.5
	done
}

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
