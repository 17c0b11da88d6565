#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# ai_sched: a registered process killed with SIGKILL is forgotten by its
# exit event; a new process that reuses its pid is not touched.
. /lib/tap.sh
t_load ai_sched || exit 1
t_run /bin/test_ai_sched_exit
t_unload ai_sched
t_done
