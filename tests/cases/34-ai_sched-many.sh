#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# ai_sched: 1,024 registered processes (max_tasks), ENOSPC beyond, no
# periodic work with a full table, all dropped by their exit events.
. /lib/tap.sh
t_load ai_sched || exit 1
t_run /bin/test_ai_sched_many
t_check "/proc/ai_scheduler still readable" cat /proc/ai_scheduler
t_unload ai_sched
t_done
