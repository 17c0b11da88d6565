#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# ai_sched benchmark (in the VM, `make bench`): the latency of a feeder loop
# that mimics an inference process (wait a simulated GPU step, then a short
# CPU burst), alone and against 2 CPU hogs per vCPU, with the hogs in the
# same session and in another session, without and with the boost.
# Prints a table of p50/p99 iteration latencies and the ratios that
# docs/ai_sched.md reports. Not a test: nothing here passes or fails on
# timing.
. /lib/tap.sh

ITER=1500	# iterations per run: TCG timing noise is large
STEP=3000	# simulated GPU step, us
BURST=1000	# CPU burst per iteration, us of the feeder's own CPU time
BOOST=-10
HOGS=$((2 * $(nproc)))
OUT=/tmp/ai_sched_bench
mkdir -p $OUT

hogs_start() {	# in a session of their own
	setsid ai_sched_hog $HOGS &
	HOG=$!
	sleep 1
}

hogs_stop() {
	kill -9 $HOG 2>/dev/null
	wait $HOG 2>/dev/null
	sleep 1
}

ag_old=$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null)
echo 1 > /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null
t_load ai_sched || exit 1
ai_sched_ctl util 0 50	# the GPU is under-fed: registered feeders are boosted
grep '^Autogroup' /proc/ai_scheduler
echo "# $(nproc) vCPUs, $HOGS hogs, $ITER iterations, step ${STEP}us, burst ${BURST}us, boost nice $BOOST"

: > $OUT/results
run() {	# LABEL then the command
	_l=$1
	shift
	_r=$("$@")
	echo "$_r"
	echo "$_r" >> $OUT/results
}

run alone ai_sched_feeder -n $ITER -s $STEP -c $BURST -l alone
run alone-boosted ai_sched_feeder -n $ITER -s $STEP -c $BURST -l alone-boosted -b $BOOST

# Same session: feeder and hogs share one new session, so one autogroup.
F="ai_sched_feeder -n $ITER -s $STEP -c $BURST"
_r=$(setsid sh -c "ai_sched_hog $HOGS & h=\$!; sleep 1;
	$F -l same-unboosted; $F -l same-boosted -b $BOOST; kill -9 \$h")
echo "$_r"
echo "$_r" >> $OUT/results
sleep 1

# Other session: hogs in one session, feeder in another.
hogs_start
run other-unboosted setsid ai_sched_feeder -n $ITER -s $STEP -c $BURST -l other-unboosted
run other-boosted setsid ai_sched_feeder -n $ITER -s $STEP -c $BURST -l other-boosted -b $BOOST
echo 0 > /sys/module/ai_sched/parameters/autogroup
run other-boosted-nodetach setsid ai_sched_feeder -n $ITER -s $STEP -c $BURST -l other-boosted-nodetach -b $BOOST
echo 1 > /sys/module/ai_sched/parameters/autogroup
hogs_stop

grep '^Tick' /proc/ai_scheduler
t_unload ai_sched
[ -n "$ag_old" ] && echo "$ag_old" > /proc/sys/kernel/sched_autogroup_enabled

# The table: p50/p99 in us, and the ratios the issue asks for.
awk '
function v(s, k,   i, a) { for (i = 2; i <= NF; i++) { split($i, a, "="); if (a[1] == k) return a[2] } }
{ p50[$1] = v($0, "p50_us"); p99[$1] = v($0, "p99_us"); mean[$1] = v($0, "mean_us"); mx[$1] = v($0, "max_us"); order[n++] = $1 }
END {
	printf "%-24s %9s %9s %9s %9s\n", "run", "p50_us", "p99_us", "mean_us", "max_us"
	for (i = 0; i < n; i++) { k = order[i]; printf "%-24s %9d %9d %9d %9d\n", k, p50[k], p99[k], mean[k], mx[k] }
	a = p99["alone"] > 0 ? p99["alone"] : 1
	printf "\n%-40s %8s %8s\n", "ratio", "p50", "p99"
	r("same-boosted / alone", "same-boosted", "alone")
	r("same-unboosted / same-boosted", "same-unboosted", "same-boosted")
	r("other-boosted / alone", "other-boosted", "alone")
	r("other-unboosted / other-boosted", "other-unboosted", "other-boosted")
	r("other-nodetach / other-boosted", "other-boosted-nodetach", "other-boosted")
}
function r(name, x, y) {
	printf "%-40s %8.2f %8.2f\n", name, p50[x] / (p50[y] ? p50[y] : 1), p99[x] / (p99[y] ? p99[y] : 1)
}' $OUT/results
t_done
