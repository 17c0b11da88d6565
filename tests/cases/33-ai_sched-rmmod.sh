#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# ai_sched: rmmod puts every thread back (and leaves no task anywhere at a
# boost value); persistent registrations (ai_sched_ctl) outlive their
# registrar; a boosted process never leaves its session's autogroup.
. /lib/tap.sh

# nices PID: the nice of each of its threads, space-separated.
nices() {
	for t in /proc/$1/task/*; do
		awk '{printf "%s ", $19}' "$t/stat"
	done
}

# holder N TAG: N sleeping threads in a new session; prints the pid.
holder() {
	rm -f /tmp/holder.$2
	setsid ai_sched_ctl threads "$1" > /tmp/holder.$2 &
	i=0
	while ! [ -s /tmp/holder.$2 ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	cat /tmp/holder.$2
}

# same WANT PID: every thread of PID has nice WANT.
same() {
	for n in $(nices "$2"); do
		[ "$n" = "$1" ] || { echo "nices of $2: $(nices "$2")"; return 1; }
	done
}

ag_old=$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null)
echo "# kernel.sched_autogroup_enabled was ${ag_old:-absent}"
echo 1 > /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null

t_load ai_sched || exit 1
t_check "/proc says autogroup is not handled" grep -q '^Autogroup: .*, handling: none' /proc/ai_scheduler

A=$(holder 4 a)
B=$(holder 3 b)
[ -n "$A" ] && [ -n "$B" ] || { t_notok "start the thread holders"; t_done; exit 1; }
t_ok "two processes in sessions of their own: $A (4 threads), $B (3 threads)"
TA=$(ls /proc/$A/task | tail -n 1)
renice 5 -p "$TA" > /dev/null
AG_A=$(cat /proc/$A/autogroup 2>/dev/null)

ai_sched_ctl util 0 50
t_check "register $A at -7" ai_sched_ctl register "$A" -7
t_check "register $B at -4" ai_sched_ctl register "$B" -4
t_check "all threads of $A at -7" same -7 "$A"
t_check "all threads of $B at -4" same -4 "$B"
t_check "boosted $A stays in its session's autogroup" [ "$(cat /proc/$A/autogroup 2>/dev/null)" = "$AG_A" ]

ai_sched_ctl util 0 95
t_check "relaxed: $B back at 0" same 0 "$B"
t_check "relaxed: reniced thread of $A back at 5" sh -c "[ \$(awk '{print \$19}' /proc/$A/task/$TA/stat) = 5 ]"

ai_sched_ctl util 0 10
t_check "boosted again: $A at -7" same -7 "$A"
t_unload ai_sched
t_check "after rmmod: $B back at 0" same 0 "$B"
t_check "after rmmod: $A's reniced thread at 5" sh -c "[ \$(awk '{print \$19}' /proc/$A/task/$TA/stat) = 5 ]"
t_check "after rmmod: $A's other threads at 0" sh -c \
	"for t in /proc/$A/task/*; do [ \$t = /proc/$A/task/$TA ] && continue; [ \$(awk '{print \$19}' \$t/stat) = 0 ] || exit 1; done"
t_check "after rmmod: no task anywhere at nice -7 or -4" sh -c \
	"! cat /proc/[0-9]*/task/*/stat 2>/dev/null | awk '\$19 == -7 || \$19 == -4 {print; f=1} END {exit !f}'"
t_check "after rmmod: $A in the same autogroup (${AG_A:-none})" [ "$(cat /proc/$A/autogroup 2>/dev/null)" = "$AG_A" ]
kill -9 "$A" "$B"
wait 2>/dev/null
[ -n "$ag_old" ] && echo "$ag_old" > /proc/sys/kernel/sched_autogroup_enabled
t_done
