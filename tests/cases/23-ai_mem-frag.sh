#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Fragmentation never fails a request; exhaustion gives ENOMEM and recovers
# (tests/ai_mem/test_ai_mem_frag.c).
. /lib/tap.sh
t_load ai_mem pool_mb=16 || exit 1
t_run /bin/test_ai_mem_frag
t_unload ai_mem
t_done
