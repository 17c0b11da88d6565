#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# ai_sched: threads boosted and relaxed with the GPU's utilisation, staleness,
# threads created later, guarded restore, restore on unregister.
. /lib/tap.sh
t_load ai_sched tick_ms=50 stale_ms=500 || exit 1
t_run /bin/test_ai_sched_boost
t_unload ai_sched
t_done
