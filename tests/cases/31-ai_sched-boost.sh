#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# ai_sched: threads boosted and relaxed with the GPU's utilisation,
# staleness (fail closed), threads and children created while boosted,
# guarded restore, nothing but the nice changed; RT threads never demoted.
. /lib/tap.sh
t_load ai_sched stale_ms=500 || exit 1
t_run /bin/test_ai_sched_boost
t_run /bin/test_ai_sched_rt
t_unload ai_sched
t_done
