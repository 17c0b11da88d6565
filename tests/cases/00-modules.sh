#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Both modules load, create their device nodes and /proc files with the
# promised modes, and unload cleanly, again and again.
. /lib/tap.sh

for m in ai_sched ai_mem; do
	t_check "modinfo $m: license GPL" sh -c "modinfo -F license $AI_MODDIR/$m.ko | grep -qx GPL"
	t_check "modinfo $m: has a description" sh -c "modinfo -F description $AI_MODDIR/$m.ko | grep -q ."
	t_check "modinfo $m: describes its parameters" sh -c "modinfo -F parm $AI_MODDIR/$m.ko | grep -q ."
done

t_load ai_sched || exit 1
t_load ai_mem || exit 1

t_check "/dev/ai_sched is a char device, mode 0660" \
	sh -c '[ -c /dev/ai_sched ] && [ "$(stat -c %a /dev/ai_sched)" = 660 ]'
t_check "/dev/ai_mem is a char device, mode 0660" \
	sh -c '[ -c /dev/ai_mem ] && [ "$(stat -c %a /dev/ai_mem)" = 660 ]'
t_check "/proc/ai_scheduler readable by all" \
	sh -c '[ "$(stat -c %a /proc/ai_scheduler)" = 444 ] && cat /proc/ai_scheduler'
t_check "/proc/ai_memory readable by all" \
	sh -c '[ "$(stat -c %a /proc/ai_memory)" = 444 ] && cat /proc/ai_memory'
t_check "/proc/ai_memory shows the pool size" grep -q '^Total Pool Size: 256 MB' /proc/ai_memory
t_check "/proc/ai_scheduler shows the task count" grep -q 'AI Tasks:' /proc/ai_scheduler

t_unload ai_mem
t_unload ai_sched
t_check "/dev and /proc entries gone after unload" \
	sh -c '! [ -e /dev/ai_sched ] && ! [ -e /dev/ai_mem ] && ! [ -e /proc/ai_scheduler ] && ! [ -e /proc/ai_memory ]'

# Load and unload a few times in a row: nothing may be left behind.
i=0
ok=1
while [ $i -lt 5 ]; do
	insmod $AI_MODDIR/ai_sched.ko && insmod $AI_MODDIR/ai_mem.ko pool_mb=16 &&
		rmmod ai_mem && rmmod ai_sched || ok=0
	i=$((i + 1))
done
[ $ok -eq 1 ] && t_ok "5 load/unload cycles" || t_notok "5 load/unload cycles"

t_done
