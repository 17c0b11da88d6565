#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# ai_sched: 1,024 registered processes (max_tasks), ENOSPC beyond, no
# periodic work with a full table, all dropped by their exit events.
. /lib/tap.sh
# The report must stay fresh for the whole run (stale_ms): the "no work
# for 1 s" check would otherwise see the one staleness run, which on the
# debug kernel came within it (1,024 REGISTERs and their checks took >2 s).
# The debug kernel registers 256 (the same paths; 1,024 took a minute there).
many=1024
t_debug_kernel && many=256
t_load ai_sched stale_ms=600000 max_tasks=$many || exit 1
t_run /bin/test_ai_sched_many
t_check "/proc/ai_scheduler still readable" cat /proc/ai_scheduler
t_unload ai_sched
t_done
