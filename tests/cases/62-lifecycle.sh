#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Load/unload cycles with live users killed in between, then a storm of
# users killed with SIGKILL mid-ALLOC/mmap/REGISTER (tests/fuzz/ai_kill9.c).
# The debug kernel runs the full counts (100 cycles, 1,000 kills) and its
# kmemleak scan at the end of the run (tests/vm/init) checks that nothing
# leaked; the production kernels run a tenth (AI_CYCLES, AI_KILLS override).
. /lib/tap.sh
if t_debug_kernel; then
	cycles=${AI_CYCLES:-100}
	kills=${AI_KILLS:-1000}
else
	cycles=${AI_CYCLES:-10}
	kills=${AI_KILLS:-100}
fi
seed=${AI_FUZZ_SEED:-$(date +%Y%m%d)}

# rmmod right after the kill: the reaped user's files are closed already,
# so the module must be free at once; a few retries cover a busy VM.
unload() {
	for _t in 1 2 3 4 5 6 7 8 9 10; do
		rmmod "$1" 2>/dev/null && return 0
		sleep 1
	done
	return 1
}

bad=
i=0
while [ $i -lt "$cycles" ] && [ -z "$bad" ]; do
	i=$((i + 1))
	insmod $AI_MODDIR/ai_sched.ko || { bad="insmod ai_sched (cycle $i)"; break; }
	insmod $AI_MODDIR/ai_mem.ko pool_mb=1 || { bad="insmod ai_mem (cycle $i)"; break; }
	/bin/ai_kill9 user &
	pid=$!
	usleep $(( (seed + i * 7919) % 50000 ))
	kill -9 $pid
	wait $pid 2>/dev/null
	unload ai_mem || bad="rmmod ai_mem after its user was killed (cycle $i)"
	unload ai_sched || bad="${bad:-rmmod ai_sched after its user was killed (cycle $i)}"
	[ $((i % 10)) -eq 0 ] && echo "# cycle $i at $(cut -d. -f1 /proc/uptime) s"
done
if [ -z "$bad" ]; then
	t_ok "$cycles load/unload cycles of both modules, a user killed in each"
else
	t_notok "$cycles load/unload cycles: $bad"
fi

t_load ai_sched || exit 1
t_load ai_mem pool_mb=32 || exit 1
t_run /bin/ai_kill9 storm "$kills" "$seed"
t_unload ai_mem
t_unload ai_sched
t_done
