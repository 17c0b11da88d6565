#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# ai_sched: every error of the ioctl ABI, as root and as nobody; registering
# again updates in place.
. /lib/tap.sh
t_load ai_sched || exit 1
t_run /bin/test_ai_sched_errors
t_unload ai_sched
t_load_fails ai_sched busy_pct=101
t_load_fails ai_sched min_nice=-21
t_load_fails ai_sched tick_ms=0
t_done
