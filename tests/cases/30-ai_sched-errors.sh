#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# ai_sched: every error of the ABI v2, as root and as nobody; registration
# lifetimes; module parameters refused at load and on every write.
. /lib/tap.sh
t_load ai_sched || exit 1
t_run /bin/test_ai_sched_errors

P=/sys/module/ai_sched/parameters
# refuse NAME VALUE: writing VALUE fails and the old value stays.
refuse() {
	_old=$(cat $P/$1)
	if echo "$2" > $P/$1 2>/dev/null; then
		t_notok "write $1=$2 refused"
	elif [ "$(cat $P/$1)" = "$_old" ]; then
		t_ok "write $1=$2 refused, still $_old"
	else
		t_notok "write $1=$2 refused, but it is now $(cat $P/$1)"
	fi
}
refuse busy_pct 101
refuse busy_pct 5
refuse hyst_pct 91
refuse min_nice -21
refuse min_nice 20
refuse stale_ms 0
refuse max_tasks 0
refuse max_per_user 70000
refuse busy_pct abc
t_check "write busy_pct=80 accepted" sh -c "echo 80 > $P/busy_pct && [ \$(cat $P/busy_pct) = 80 ]"
t_check "max_gpus is read-only at run time" sh -c "! echo 8 > $P/max_gpus 2>/dev/null"
t_unload ai_sched
t_load_fails ai_sched busy_pct=101
t_load_fails ai_sched min_nice=-21
t_load_fails ai_sched hyst_pct=95
t_load_fails ai_sched max_gpus=0
t_done
