# SPDX-License-Identifier: GPL-2.0
#
# tracer-lib.sh - helpers the tracer benchmarks share (sourced, not run):
# waiting for a tracer's "probes live" line and stopping it, without forks
# in the polling loops, so that the waiting costs the measured loop nothing.

# ready FILE REGEX: whether a line of FILE matches (builtins only: no fork).
ready() {
	local l lines
	mapfile -t lines < "$1"
	for l in "${lines[@]}"; do
		[[ $l =~ $2 ]] && return 0
	done
	return 1
}

# A sleep without a fork: a read that times out on a pipe nobody writes.
exec 9<> <(:)
nap() { read -r -t "$1" -u 9 || true; }

# stop PID: SIGINT, as a user would; SIGTERM, then SIGKILL, if it lingers
# (bpftrace 0.17 sometimes misses a SIGINT). Generous: a duty-cycled tracer
# may be in the middle of a detach.
stop() {
	local i
	kill -INT "$1" 2> /dev/null
	for ((i = 0; i < 1000; i++)); do
		kill -0 "$1" 2> /dev/null || break
		nap 0.01
	done
	if kill -TERM "$1" 2> /dev/null; then
		echo "tracer bench: pid $1 ignored SIGINT for 10 s" >&2
		nap 1
	fi
	kill -KILL "$1" 2> /dev/null
	wait "$1" 2> /dev/null
}

