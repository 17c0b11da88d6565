# SPDX-License-Identifier: GPL-2.0
# Shared by the in-VM ai_monitor cases (tests/cases/5?-monitor-*.sh), where
# it is /lib/monitor.sh; source it after /lib/tap.sh. It points ai_monitor
# at the NVML test double, whose state is /tmp/nvml, and has the polling
# helpers.

export LD_LIBRARY_PATH=/lib/fake-nvml
export FAKE_NVML_STATE=/tmp/nvml

# wait_for SECONDS CMD...: poll CMD every 0.1 s.
wait_for() {
	_n=$(($1 * 10))
	shift
	while [ $_n -gt 0 ]; do
		"$@" > /dev/null 2>&1 && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}
show() { sed 's/^/# /' /proc/ai_scheduler; sed 's/^/# agent: /' /tmp/agent.log; }
# expect NAME CMD...: one test, passed once CMD succeeds within $expect_s
# seconds; on failure, /proc/ai_scheduler and the agent's log as diagnostics.
expect_s=10
expect() {
	_name=$1
	shift
	if wait_for $expect_s "$@"; then t_ok "$_name"; else t_notok "$_name"; show; fi
}
