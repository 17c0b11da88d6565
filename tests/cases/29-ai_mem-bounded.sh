#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Bounded work with a 2 GiB pool: latency of other callers while 1 GiB is
# freed or its owner killed; kill -9 during the first touch of 1 GiB
# (test_ai_mem_bounded.c). The debug kernel's VM has 2 GiB in all: there
# the same paths run under KASAN and lockdep with 128 MiB in 256 MiB.
. /lib/tap.sh
if t_debug_kernel; then
	t_load ai_mem pool_mb=256 || exit 1
	t_run /bin/test_ai_mem_bounded 128
else
	t_load ai_mem pool_mb=2048 || exit 1
	t_run /bin/test_ai_mem_bounded
fi
t_unload ai_mem
t_done
