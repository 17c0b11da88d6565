#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Bounded work with a 2 GiB pool: latency of other callers while 1 GiB is
# freed or its owner killed; kill -9 during the first touch of 1 GiB
# (test_ai_mem_bounded.c).
. /lib/tap.sh
t_load ai_mem pool_mb=2048 || exit 1
t_run /bin/test_ai_mem_bounded
t_unload ai_mem
t_done
