#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A real long-term pin: soft RoCE registers a libai buffer, RDMA-WRITEs into
# it, and keeps it pinned across ai_free_pinned() (tests/ai_mem/test_ai_mem_rdma.c).
. /lib/tap.sh
. /lib/rxe.sh
rxe_up
rc=$?
if [ $rc -eq 2 ]; then
	t_skip "$RXE_WHY" "RDMA over soft RoCE"
	rxe_down
	t_done
	exit
fi
[ $rc -eq 0 ] || { rxe_down; t_done; exit 1; }
# libibverbs finds the device and loads its rxe provider (dlopen).
t_check "ibv_devinfo -d $RXE_DEV" ibv_devinfo -d "$RXE_DEV"
if t_load ai_mem pool_mb=16; then
	t_run /bin/test_ai_mem_rdma "$RXE_DEV"
	t_unload ai_mem
fi
rxe_down
t_done
