#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# ai_sched: the exact /proc/ai_scheduler format documented in
# docs/ai_sched.md (ai_monitor parses it).
. /lib/tap.sh

holder() {
	rm -f /tmp/holder.$2
	ai_sched_ctl threads "$1" > /tmp/holder.$2 &
	i=0
	while ! [ -s /tmp/holder.$2 ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	cat /tmp/holder.$2
}
line() { sed -n "$1p" /proc/ai_scheduler; }
has() { grep -qE "$1" /proc/ai_scheduler || { cat /proc/ai_scheduler; return 1; }; }

t_load ai_sched || exit 1
t_check "line 1: GPU Utilization: - (nothing reported)" [ "$(line 1)" = "GPU Utilization: -" ]
t_check "line 2: GPU Available: unknown" [ "$(line 2)" = "GPU Available: unknown" ]
t_check "line 3: AI Tasks: 0" [ "$(line 3)" = "AI Tasks: 0" ]
t_check "line 4: Autogroup" has '^Autogroup: (built-in|absent), handling: none \('
t_check "Parameters line" has '^Parameters: busy_pct 90 hyst_pct 10 stale_ms 2000 unknown_boost 0 min_nice -10 max_tasks 1024 max_per_user 64 max_gpus 64$'
t_check "Events line" has '^Events: runs [0-9]+ last_us [0-9]+ max_us [0-9]+ avg_us [0-9]+ stale_runs [0-9]+$'
t_check "table header" has '^PID +COMM +GPU +STATE +NICE +THREADS +BOOSTED +CPU_MS +REG$'
# From here on a report stays fresh (the default 2 s went by between the
# report and the QUERY below on the debug kernel).
echo 600000 > /sys/module/ai_sched/parameters/stale_ms

P=$(holder 3 p)
ai_sched_ctl util 0 42
t_check "register $P" ai_sched_ctl register "$P" -5
t_check "line 1: GPU Utilization: 42%" [ "$(line 1)" = "GPU Utilization: 42%" ]
t_check "line 2: GPU Available: yes" [ "$(line 2)" = "GPU Available: yes" ]
t_check "line 3: AI Tasks: 1" [ "$(line 3)" = "AI Tasks: 1" ]
t_check "row: pid comm gpu state nice threads boosted cpu_ms reg" \
	has "^$P +ai_sched_ctl +0 +boosted +0->-5 +3 +3 +[0-9]+ +persist$"
t_check "QUERY agrees" sh -c "ai_sched_ctl query $P | grep -qx 'gpu 0 boost -5 own 0 cur -5 state 1 boosted 1 threads 3 held 3'"
ai_sched_ctl util 0 97
t_check "row: relaxed 0->0" has "^$P +ai_sched_ctl +0 +relaxed +0->0 +3 +0 "
t_check "GPU Available: no" [ "$(line 2)" = "GPU Available: no" ]

Q=$(holder 1 q)
t_check "register $Q on GPU 3" ai_sched_ctl register "$Q" -2 3
t_check "several GPUs: line 1 is GPU 0 Utilization: 97%" [ "$(line 1)" = "GPU 0 Utilization: 97%" ]
t_check "several GPUs: line 2 is GPU 0 Available: no" [ "$(line 2)" = "GPU 0 Available: no" ]
t_check "several GPUs: GPU 3 lines" sh -c "[ \"\$(sed -n 3,4p /proc/ai_scheduler | tr '\n' '|')\" = 'GPU 3 Utilization: -|GPU 3 Available: unknown|' ]"
t_check "several GPUs: then AI Tasks: 2" [ "$(line 5)" = "AI Tasks: 2" ]
t_check "row of $Q: gpu 3 unknown (not boosted: fail closed)" has "^$Q +ai_sched_ctl +3 +unknown +0->0 +1 +0 "
ai_sched_ctl util 63 5
t_check "GPU 63 (max_gpus - 1) reported" has '^GPU 63 Utilization: 5%$'
t_check "util of GPU 64: refused" sh -c '! ai_sched_ctl util 64 5 2>/dev/null'

cat /proc/ai_scheduler | sed 's/^/# /'

kill -9 "$P" "$Q"
wait 2>/dev/null
t_unload ai_sched
t_done
