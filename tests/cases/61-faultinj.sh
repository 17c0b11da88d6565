#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Fault injection (debug kernel; skipped where the kernel has none): every
# allocation our modules make fails in turn, through fail-nth
# (tests/fuzz/ai_failnth.c), in module init, open, ALLOC, mmap + fault,
# REGISTER, SET_GPU_UTIL and the fork-time probe, and in module unload with
# live state to tear down (tests/fuzz/ai_failunload.c: persistent boosted
# registrations and a second probe on each tracepoint for ai_sched, blocks
# pending in a pipe and charged to a user for ai_mem). failslab and
# fail_page_alloc count only allocations with a module-area address on
# the stack (require-start/-end: x86-64's MODULES_VADDR..MODULES_END), so
# the Nth failure is one of our modules' call sites, or a kernel call one
# of them made. Each failure must unwind: a clear errno, the pool whole,
# nothing registered, every nice back; kmemleak's scan at the end of the
# run (tests/vm/init) catches what was not freed.
. /lib/tap.sh
FI=/sys/kernel/debug
if [ ! -e /proc/self/fail-nth ] || [ ! -d $FI/failslab ] || [ ! -d $FI/fail_page_alloc ]; then
	t_skip "this kernel has no fault injection (the debug kernel has)" "fault injection"
	t_done
	exit
fi

filter() {
	for a in failslab fail_page_alloc; do
		echo "$1" > $FI/$a/require-start
		echo "$2" > $FI/$a/require-end
	done
}
for a in failslab fail_page_alloc; do
	# fail-nth alone decides: no random failures.
	echo 0 > $FI/$a/probability
	echo -1 > $FI/$a/times
	echo 0 > $FI/$a/verbose
	echo 0 > $FI/$a/ignore-gfp-wait
	echo 32 > $FI/$a/stacktrace-depth
done
echo 0 > $FI/fail_page_alloc/min-order
echo 0 > $FI/fail_page_alloc/ignore-gfp-highmem
MOD_START=0xffffffffc0000000
MOD_END=0xffffffffff000000
# The range is the module area only with KASLR (the debug config has it);
# check that a loaded module really lies in it.
if t_load ai_sched; then
	addr=$(awk '$1 == "ai_sched" {print $6}' /proc/modules)
	t_check "ai_sched's text ($addr) lies in $MOD_START..$MOD_END" \
		awk -v a="$addr" -v s=$MOD_START -v e=$MOD_END \
		'BEGIN { a = tolower(a); exit !(length(a) == 18 && a >= s && a < e) }'
	t_unload ai_sched
fi
filter $MOD_START $MOD_END

# The allocator's own failure reports (with a stack dump) are expected
# from here on; tests/vm/report.awk still fails on any real report.
echo "@@FAULTS on"
t_run /bin/ai_failnth load $AI_MODDIR/ai_mem.ko pool_mb=1
t_run /bin/ai_failnth load $AI_MODDIR/ai_sched.ko
if t_load ai_mem pool_mb=32; then
	t_run /bin/ai_failnth mem
	t_unload ai_mem
fi
if t_load ai_sched; then
	t_run /bin/ai_failnth sched
	t_unload ai_sched
fi
t_run /bin/ai_failunload sched $AI_MODDIR/ai_sched.ko
t_run /bin/ai_failunload mem $AI_MODDIR/ai_mem.ko
echo "@@FAULTS off"
filter 0 0xffffffffffffffff
t_done
