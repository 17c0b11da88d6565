#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# ai_fuzz (tests/fuzz/): 3 processes x 2 threads drive /dev/ai_mem and
# /dev/ai_sched with random, borderline and garbage arguments, fork/kill -9,
# dup, SCM_RIGHTS and close races, vmsplice and O_DIRECT (on brd's
# /dev/ram0) of mapped buffers raced by FREE; then the pool must be whole,
# nothing charged, ai_sched empty, every nice back, and both modules must
# unload. A shorter run (AI_FUZZ_UOPS, a quarter of the ops by default;
# on the debug kernel one process, AI_FUZZ_USECS at most) follows as uid 1000 with no capability, the nodes given to its group for
# the run as the packaging's udev rule does (mode 0660), with the errno
# oracles of an unprivileged caller (ai_fuzz -u). The seed is the date
# (one sequence per day, printed; AI_FUZZ_SEED overrides it, AI_FUZZ_OPS the
# count, AI_FUZZ_DOPS that of the -d runs; all through run.sh's AI_VM_ENV); reproduce with
# `ai_fuzz -s SEED -n OPS`. AI_SOAK_MINUTES (`make soak`) turns the bounded
# run into a timed one. A single-threaded run without forks is made twice
# and must repeat its errno counts exactly.
. /lib/tap.sh
seed=${AI_FUZZ_SEED:-$(date +%Y%m%d)}
ops=${AI_FUZZ_OPS:-60000}
dops=${AI_FUZZ_DOPS:-3000}
uops=${AI_FUZZ_UOPS:-$((ops / 4))}
t_load brd rd_nr=1 rd_size=4096 || exit 1
t_load ai_sched || exit 1
t_load ai_mem pool_mb=32 || exit 1
if [ "${AI_SOAK_MINUTES:-0}" -gt 0 ]; then
	echo "# soak: $AI_SOAK_MINUTES minutes, seed $seed"
	t_run /bin/ai_fuzz -s "$seed" -n 0 -t $((AI_SOAK_MINUTES * 60))
else
	echo "# fuzz: seed $seed, $ops ops"
	t_run /bin/ai_fuzz -s "$seed" -n "$ops"
fi
for i in 1 2; do
	/bin/ai_fuzz -s "$seed" -n "$dops" -p 1 -j 1 -d > /tmp/fuzz.$i 2>&1
	echo "# exit status $?" >> /tmp/fuzz.$i
	cat /tmp/fuzz.$i
done
hist() { grep -E '^# [A-Za-z_-]+ +[A-Za-z0-9_]+=|^# exit status' "$1"; }
hist /tmp/fuzz.1 > /tmp/fuzz.h1
hist /tmp/fuzz.2 > /tmp/fuzz.h2
t_check "seed $seed -d: two runs give the same errno counts" cmp /tmp/fuzz.h1 /tmp/fuzz.h2
t_check "seed $seed -d: both runs pass" grep -qx '# exit status 0' /tmp/fuzz.h1

# Unprivileged: the nodes go to group 1000 for the run, then back.
nodes() { stat -c '%a:%u:%g' /dev/ai_mem /dev/ai_sched | tr '\n' ' '; }
modes=$(nodes)
chgrp 1000 /dev/ai_mem /dev/ai_sched && chmod 0660 /dev/ai_mem /dev/ai_sched
# On the debug kernel one process, and at most AI_FUZZ_USECS seconds: its
# start-up (forks, pets, descriptors) would cost more than the ops.
uargs=
t_debug_kernel && uargs="-p 1 -j 2 -t ${AI_FUZZ_USECS:-15}"
echo "# fuzz as uid 1000: seed $seed, $uops ops $uargs"
t_run /bin/ai_fuzz -s "$seed" -n "$uops" $uargs -u 1000:1000
set -- $modes
for d in ai_mem ai_sched; do
	chown "${1#*:}" /dev/$d && chmod "${1%%:*}" /dev/$d
	shift
done
t_check "device nodes given back after it (mode:uid:gid $modes)" [ "$(nodes)" = "$modes" ]
t_unload ai_mem
t_unload ai_sched
t_unload brd
t_done
