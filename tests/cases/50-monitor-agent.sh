#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# ai_monitor agent closes the loop on the NVML test double: high GPU
# utilisation relaxes a registered feeder, low utilisation boosts it, a dead
# agent lets the figure go stale: fail closed, unless unknown_boost. It survives NVML
# errors and an ai_sched reload, and exits cleanly on SIGTERM.
. /lib/tap.sh
. /lib/monitor.sh

gpu() { echo "gpu $1 8589934592 1073741824 Fake GPU" > /tmp/nvml; }
row() { awk -v p="$1" '$1 == p' /proc/ai_scheduler; }
state_is() { row "$1" | awk -v s="$2" '$4 == s { ok = 1 } END { exit !ok }'; }
nice_is() { row "$1" | awk -v n="$2" '$5 == n { ok = 1 } END { exit !ok }'; }

t_load ai_sched stale_ms=500 || exit 1
gpu 95
demo_infer -r -b 0 -C feeder > /tmp/feeder.log 2>&1 &
F=$!
expect "feeder registered itself" grep -q "^$F " /proc/ai_scheduler

ai_monitor agent --interval 100 2> /tmp/agent.log &
A=$!
expect "utilisation reaches ai_sched" grep -q '^GPU Utilization: 95%$' /proc/ai_scheduler
expect "GPU saturated: feeder relaxed" state_is $F relaxed
expect "relaxed: own nice" nice_is $F "0->0"

gpu 10
expect "GPU idle: feeder boosted" state_is $F boosted
expect "boosted: nice -5" nice_is $F "0->-5"

# A GPU error: no figure is pushed, so it goes stale; then it comes back.
echo "fail nvmlDeviceGetUtilizationRates 15" >> /tmp/nvml
expect "GPU lost: figure goes stale" grep -q '^GPU Available: unknown$' /proc/ai_scheduler
t_check "agent still running after the GPU error" kill -0 $A
gpu 20
expect "GPU back: pushes resume (NVML re-opened)" grep -q '^GPU Utilization: 20%$' /proc/ai_scheduler

# Reload ai_sched under the running agent: it must not hold the module.
kill $F
wait $F 2>/dev/null
# The agent holds /dev/ai_sched open only for the instant of each push, so
# rmmod may meet it there once; it must not meet it there every time.
_i=0
while ! rmmod ai_sched 2> /tmp/rmmod.err && [ $_i -lt 5 ]; do
	sleep 0.05
	_i=$((_i + 1))
done
if lsmod | grep -q '^ai_sched '; then
	t_notok "rmmod ai_sched with the agent running"
	sed 's/^/# /' /tmp/rmmod.err
else
	t_ok "rmmod ai_sched with the agent running"
fi
expect "agent notices the device is gone" grep -q '/dev/ai_sched: No such file' /tmp/agent.log
t_load ai_sched stale_ms=500
expect "new module gets utilisation from the same agent" grep -q '^GPU Utilization: 20%$' /proc/ai_scheduler

# Agent killed: the figure goes stale: no boost (fail closed) unless
# unknown_boost says otherwise.
demo_infer -r -b 0 -C feeder > /tmp/feeder.log 2>&1 &
F=$!
gpu 97
expect "feeder relaxed again" state_is $F relaxed
kill -KILL $A
wait $A 2>/dev/null
expect "agent gone: GPU state unknown" grep -q '^GPU Available: unknown$' /proc/ai_scheduler
expect "unknown, unknown_boost=0: feeder not boosted" state_is $F unknown
expect "unknown_boost=0: own nice" nice_is $F "0->0"
echo 1 > /sys/module/ai_sched/parameters/unknown_boost
expect "unknown_boost=1: nice -5" nice_is $F "0->-5"
echo 0 > /sys/module/ai_sched/parameters/unknown_boost
expect "unknown_boost=0 again: own nice back" nice_is $F "0->0"

# SIGTERM: clean exit, status 0.
gpu 55
ai_monitor agent --interval 100 2> /tmp/agent.log &
A=$!
expect "a new agent pushes" grep -q '^GPU Utilization: 55%$' /proc/ai_scheduler
kill -TERM $A
wait $A
t_check "SIGTERM: exit status 0" [ $? -eq 0 ]
t_check "SIGTERM: says so" grep -q 'exiting' /tmp/agent.log

kill $F
wait $F 2>/dev/null
t_unload ai_sched
t_done
