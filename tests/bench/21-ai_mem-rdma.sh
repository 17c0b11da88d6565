#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# ai_mem as RDMA memory (make bench): time of ibv_reg_mr on 64 MiB over soft
# RoCE, an ai_mem buffer vs posix_memalign+mlock vs MAP_HUGETLB; table on
# stdout (tests/bench/ai_mem/bench_ai_mem_rdma.c).
. /lib/tap.sh
. /lib/rxe.sh
rxe_up
rc=$?
if [ $rc -ne 0 ]; then
	[ $rc -eq 2 ] && t_skip "$RXE_WHY" "bench_ai_mem_rdma"
	rxe_down
	t_done
	exit
fi
# 64 MiB of 2 MiB pages, with room for what the two nodes cannot split evenly.
echo 40 > /proc/sys/vm/nr_hugepages
t_check "hugepages reserved ($(cat /proc/sys/vm/nr_hugepages))" \
	test "$(cat /proc/sys/vm/nr_hugepages)" -ge 32
if t_load ai_mem; then
	echo "# kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) vCPUs," \
		"THP $(cat /sys/kernel/mm/transparent_hugepage/enabled)"
	/bin/bench_ai_mem_rdma "$RXE_DEV"
	rc=$?
	[ $rc -eq 0 ] && t_ok "bench_ai_mem_rdma ran" || t_notok "bench_ai_mem_rdma exit $rc"
	t_unload ai_mem
fi
echo 0 > /proc/sys/vm/nr_hugepages
rxe_down
t_done
