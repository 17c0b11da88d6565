#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Ownership across processes: kill -9, fork, SCM_RIGHTS, an unprivileged
# user (tests/ai_mem/test_ai_mem_procs.c).
. /lib/tap.sh
t_load ai_mem pool_mb=16 || exit 1
t_run /bin/test_ai_mem_procs
t_unload ai_mem
t_done
