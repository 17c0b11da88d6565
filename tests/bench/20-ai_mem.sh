#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# ai_mem benchmark (make bench): time to a ready pinned buffer, ai_mem vs
# mmap(MAP_POPULATE|MAP_LOCKED) vs posix_memalign+mlock; table on stdout.
# Results and how to read them: docs/ai_mem.md.
. /lib/tap.sh
t_load ai_mem || exit 1
echo "# kernel $(uname -r), $(nproc) CPUs, $(grep -c ^processor /proc/cpuinfo) vCPUs"
/bin/bench_ai_mem
rc=$?
[ $rc -eq 0 ] && t_ok "bench_ai_mem ran" || t_notok "bench_ai_mem exit $rc"
t_unload ai_mem
t_done
