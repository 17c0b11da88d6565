#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftest.sh - prove that the VM harness turns red on every failure kind.
#
# `selftest.sh debug` boots the debug kernel instead with
# tests/vm/selftest/debug: each case commits one real bug through the
# ai_provoke module (use-after-free, shift out of bounds, sleep in atomic,
# list corruption, refcount, RCU, leak, hung task, lock inversion), and
# each detector must turn the run red.
#
# Boots the 6.1 kernel with tests/vm/selftest/cases: each case commits one
# failure on purpose (a failed check, a silent non-zero exit, a hang, a module
# that fails to load, one that cannot unload, a real WARN and BUG from the
# ai_selftest module, KASAN/UBSAN/kmemleak/GPF report lines), then boots a
# case that outlives the VM deadline. Prints TAP: each expected red verdict
# is one check. Runs as part of `make check`.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/tap.sh"

series=${1:-6.1}
rel=$(cat "$ROOT/.cache/kernels/$series.release")
kdir=$(make -s -C "$ROOT" --no-print-directory print-kdir KVER="$series")
mod_out="$ROOT/build/$rel/selftest"
mkdir -p "$mod_out"
for f in "$ROOT"/tests/vm/selftest/Kbuild "$ROOT"/tests/vm/selftest/*.c; do
	ln -sfn "$f" "$mod_out/$(basename "$f")"
done
if ! make -s -C "$kdir" M="$mod_out" modules >/dev/null 2>&1; then
	t_notok "build the ai_selftest modules"
	t_done
	exit 1
fi

# expect NAME PATTERN: the report has a FAIL line matching PATTERN.
expect_red() {
	if echo "$report" | grep -E "^FAIL \\[$series\\] $2" >/dev/null; then
		t_ok "harness goes red on: $1"
	else
		t_notok "harness goes red on: $1"
	fi
}

# On the debug kernel: real bugs, committed by ai_provoke, each caught by
# its own detector and turned red by the console scan.
if [ "$series" = debug ]; then
	report=$(AI_NO_USER=1 AI_EXTRA_KO="$mod_out/ai_provoke.ko" AI_VM_TAG=selftest AI_VM_MEM_MB=2048 \
		AI_CASES_DIR="$ROOT/tests/vm/selftest/debug" AI_CASE_TIMEOUT=90 \
		"$ROOT/tests/vm/run.sh" --no-build --kernel debug 2>/dev/null)
	expect_red "KASAN: a real use-after-free" '12-kasan: kernel: BUG: KASAN: slab-use-after-free'
	expect_red "UBSAN: a real shift out of bounds" '13-ubsan: kernel: UBSAN: shift-out-of-bounds'
	expect_red "a real sleep in atomic context" \
		'14-atomic-sleep: kernel: BUG: sleeping function called from invalid context'
	expect_red "DEBUG_LIST: a real double list_add" '15-list: kernel: .*list_add'
	expect_red "refcount_t: a real increment from zero" '16-refcount: kernel: refcount_t: addition on 0'
	expect_red "PROVE_RCU: a real suspicious RCU usage" '10-rcu: kernel: WARNING: suspicious RCU usage'
	expect_red "kmemleak: a real leak, found by the final scan" 'zz-kmemleak: kernel: unreferenced object'
	expect_red "hung task: a real uninterruptible sleep past the timeout" \
		'18-hung: kernel: INFO: task .* blocked for more than'
	expect_red "lockdep: a real lock-order inversion" \
		'11-lockdep: kernel: WARNING: possible circular locking dependency'
	if echo "$report" | grep -q "^PASS \\[debug\\] 19-clean: a passing check still passes"; then
		t_ok "a passing check after all that still passes"
	else
		t_notok "a passing check after all that still passes"
	fi
	t_done
	exit
fi

export AI_NO_USER=1 AI_EXTRA_KO="$mod_out/ai_selftest.ko $mod_out/ai_selftest_warn.ko $mod_out/ai_selftest_bug.ko"
# Every case but the hanging one ends in a second or two: a short case
# deadline keeps the hang's wait (and the VM deadline below) short.
report=$(AI_VM_TAG=selftest AI_CASES_DIR="$ROOT/tests/vm/selftest/cases" AI_CASE_TIMEOUT=8 \
	"$ROOT/tests/vm/run.sh" --no-build --kernel "$series" 2>/dev/null)

expect_red "a failed check"                 '10-failed-check: a check that fails on purpose'
expect_red "a non-zero exit without a failed check" '11-silent-exit: exited with status 3'
expect_red "a case that hangs"              '12-hang: killed at its deadline'
expect_red "a module that fails to load"    '13-load-fails: insmod ai_selftest'
expect_red "a module that fails to unload"  '14-unload-fails: rmmod ai_selftest'
expect_red "a kernel WARNING"               '15-kernel-warn: kernel: WARNING:'
expect_red "a kernel BUG"                   '16-kernel-bug: kernel: (kernel BUG at|BUG:)'
expect_red "an Oops"                        '16-kernel-bug: kernel: (Oops|invalid opcode)'
expect_red "a KASAN report"                 '17-kernel-KASAN: kernel: KASAN'
expect_red "a UBSAN report"                 '17-kernel-UBSAN: kernel: UBSAN'
expect_red "a kmemleak report"              '17-kernel-kmemleak: kernel: kmemleak: .*suspected memory leak'
expect_red "a general protection fault"     '17-kernel-general_protection: kernel: general protection'
expect_red "a module left loaded that cannot unload" 'zz-final-unload: module ai_selftest unloads at the end'
if echo "$report" | grep -q "^PASS \\[$series\\] 18-clean: a passing check still passes"; then
	t_ok "a passing check after all that still passes"
else
	t_notok "a passing check after all that still passes"
fi
if echo "$report" | grep -q '^@@TOTALS [0-9]* 0 '; then
	t_notok "the run as a whole is red"
else
	t_ok "the run as a whole is red"
fi

report=$(AI_VM_TAG=selftest-hang AI_CASES_DIR="$ROOT/tests/vm/selftest/hang" AI_CASE_TIMEOUT=1000 AI_VM_TIMEOUT=20 \
	"$ROOT/tests/vm/run.sh" --no-build --kernel "$series" 2>/dev/null)
expect_red "a VM that does not finish in time" 'vm: VM did not (finish|boot)'

t_done
