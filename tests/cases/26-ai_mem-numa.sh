#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# NUMA placement and strict mode on the VM's two nodes
# (tests/ai_mem/test_ai_mem_numa.c).
. /lib/tap.sh
t_load ai_mem pool_mb=16 || exit 1
t_run /bin/test_ai_mem_numa
t_unload ai_mem
t_done
