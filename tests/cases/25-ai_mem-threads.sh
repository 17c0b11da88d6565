#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# 4 threads hammering alloc/mmap/free/munmap, /proc invariant checked
# throughout (tests/ai_mem/test_ai_mem_threads.c).
. /lib/tap.sh
t_load ai_mem pool_mb=16 || exit 1
t_run /bin/test_ai_mem_threads 5
t_unload ai_mem
t_done
