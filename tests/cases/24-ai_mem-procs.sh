#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Ownership across processes: kill -9, fork, SCM_RIGHTS, an unprivileged
# user (test_ai_mem_procs.c); charging per user against RLIMIT_MEMLOCK,
# pending blocks still charged, who sees which /proc rows, pid namespaces
# (test_ai_mem_limits.c, with the node opened up to everyone).
. /lib/tap.sh
t_load ai_mem pool_mb=16 || exit 1
t_run /bin/test_ai_mem_procs
chmod 0666 /dev/ai_mem
t_run /bin/test_ai_mem_limits
t_unload ai_mem
t_done
