#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# get_user_pages() on mapped allocations: O_DIRECT to/from brd, references
# and pins that outlive a FREE (tests/ai_mem/test_ai_mem_gup.c).
. /lib/tap.sh
t_load brd rd_nr=1 rd_size=4096 || exit 1
t_load ai_mem pool_mb=16 || exit 1
t_run /bin/test_ai_mem_gup
# The program ends by unloading ai_mem while a pipe holds its pages.
t_check "ai_mem unloaded by the test" sh -c "! grep -q '^ai_mem ' /proc/modules"
t_check "its pages can be reused: 32 MB load" insmod $AI_MODDIR/ai_mem.ko pool_mb=32
t_unload ai_mem
t_unload brd
t_done
