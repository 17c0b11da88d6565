#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# ai_monitor agent --auto-register: a process the tracer sees launching
# through libcuda.so.1 (the fixture) is registered with ai_sched, and
# unregistered once it goes quiet; --match registers by exact name; the
# agent takes its own registrations back when it exits.
. /lib/tap.sh
. /lib/monitor.sh
expect_s=15

echo "gpu 30 8589934592 1073741824 Fake GPU" > /tmp/nvml
listed() { grep -q "^$1 " /proc/ai_scheduler; }
unlisted() { ! grep -q "^$1 " /proc/ai_scheduler; }

t_load ai_sched || exit 1
ai_monitor agent --interval 100 --auto-register --idle 1500 --match matchme --nice -3 \
	2> /tmp/agent.log &
A=$!
expect "tracer attached" grep -q 'auto-registering CUDA launchers' /tmp/agent.log

demo_infer -b 50 -C infer_app > /tmp/app.log 2>&1 &
P=$!
expect "launching app registered" listed $P
t_check "with the agent's nice" sh -c "awk '\$1 == $P' /proc/ai_scheduler | grep -q -- '->-3'"

# Stopped: no launches, so it goes quiet and is dropped; resumed, it is back.
kill -STOP $P
expect "quiet app unregistered" unlisted $P
t_check "agent says why" grep -q "unregistered pid $P (quiet)" /tmp/agent.log
kill -CONT $P
expect "launching again: registered again" listed $P

# A new ai_sched knows nothing of the old one's registrations: the agent
# notices the new device and registers its processes again.
_i=0
while ! rmmod ai_sched 2> /dev/null && [ $_i -lt 5 ]; do
	sleep 0.05
	_i=$((_i + 1))
done
t_load ai_sched
expect "after an ai_sched reload: registered again" listed $P
t_check "agent logs the re-registration" grep -q "registered pid $P again (ai_sched was reloaded)" /tmp/agent.log

# Exact names, no launches needed.
demo_infer -b 0 -C matchme > /dev/null 2>&1 &
M=$!
demo_infer -b 0 -C matchmenot > /dev/null 2>&1 &
N=$!
expect "--match registers by name" listed $M
t_check "--match is exact" unlisted $N

# A process that registered itself is left alone.
demo_infer -r -N -7 -b 50 -C selfreg > /dev/null 2>&1 &
S=$!
expect "self-registered launcher listed" listed $S
sleep 1
t_check "its own nice kept (not the agent's)" sh -c "awk '\$1 == $S' /proc/ai_scheduler | grep -q -- '->-7'"

kill $P
wait $P 2>/dev/null
expect "exited app gone from ai_sched" unlisted $P

kill -TERM $A
wait $A
t_check "agent exits 0" [ $? -eq 0 ]
t_check "its registrations are taken back" unlisted $M
t_check "the self-registered one stays" listed $S
kill $M $N $S
wait 2>/dev/null
t_unload ai_sched
t_done
