#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-all.sh - the project's test command (`make check`).
#
#   tests/run-all.sh [--no-vm] [--kernel 6.1|6.12|all]
#
# 1. set-up (packages, kernel images; idempotent, cached)
# 2. builds as tests: both modules on 6.1 and 6.12 with W=1 and with sparse
#    (no warnings allowed), checkpatch on the kernel sources, user space
# 3. host tests (HOST_TESTS from the build.mk fragments: unit tests, the
#    tracer on this machine's kernel, the dashboard under tmux, ...)
# 4. the harness self-test (proves the VM run goes red on each failure kind)
# 5. every in-VM case on each kernel
# Ends with one line "N passed, N failed, N skipped"; exit status 1 on any
# failure. Verdicts are kept in build/check/results.txt.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=build/check
mkdir -p "$OUT"
vm=1
kernels="6.1 6.12"
while [ $# -gt 0 ]; do
	case $1 in
	--no-vm) vm=0 ;;
	--kernel) kernels=$2; [ "$kernels" = all ] && kernels="6.1 6.12"; shift ;;
	*) echo "run-all.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done

: > "$OUT/results.txt"
start=$(date +%s)
phase() { printf '\n== %s (%ds)\n' "$*" $(( $(date +%s) - start )) >&2; }

# A phase's output in the harness protocol goes through the same verdict
# rules as the VM's console.
verdicts() {
	awk -v kver="$1" -f tests/vm/report.awk | tee -a "$OUT/results.txt" |
		grep -E '^(FAIL|SKIP)' >&2
	true
}

phase "set-up"
if ! tests/vm/setup.sh; then
	echo "FAIL [host] setup: tests/vm/setup.sh failed" | tee -a "$OUT/results.txt"
	echo "0 passed, 1 failed"
	exit 1
fi

phase "build"
{
	echo "@@VM BOOT host"
	echo "@@BEGIN build"
	n=0
	for s in $kernels; do
		for check in "W=1" "C=2"; do
			log="$OUT/build-$s-${check%%=*}.log"
			what="modules build on $s with $check"
			[ "$check" = C=2 ] && what="sparse is clean on $s"
			[ "$check" = W=1 ] && make -s -C "$ROOT" modules-clean KVER="$s" >/dev/null 2>&1
			if make -C "$ROOT" modules KVER="$s" $check > "$log" 2>&1; then
				if grep -E 'warning:|error:' "$log" >/dev/null; then
					echo "not ok $((++n)) - $what (see $log)"
					grep -E 'warning:|error:' "$log" | head -n 5 | sed 's/^/# /'
				else
					echo "ok $((++n)) - $what"
				fi
			else
				echo "not ok $((++n)) - $what (see $log)"
				tail -n 5 "$log" | sed 's/^/# /'
			fi
		done
	done
	if tests/lint.sh > "$OUT/lint.log" 2>&1; then
		echo "ok $((++n)) - checkpatch is clean on the kernel sources"
	else
		echo "not ok $((++n)) - checkpatch is clean on the kernel sources (see $OUT/lint.log)"
	fi
	if make -C "$ROOT" user > "$OUT/build-user.log" 2>&1; then
		if grep -E 'warning:' "$OUT/build-user.log" >/dev/null; then
			echo "not ok $((++n)) - user space builds without warnings (see $OUT/build-user.log)"
		else
			echo "ok $((++n)) - user space builds without warnings"
		fi
	else
		echo "not ok $((++n)) - user space builds (see $OUT/build-user.log)"
		tail -n 5 "$OUT/build-user.log" | sed 's/^/# /'
	fi
	echo "@@END build rc=0"
	echo "@@VM DONE"
} | verdicts host

phase "host tests"
{
	echo "@@VM BOOT host"
	for t in $(make -s --no-print-directory print-host-tests); do
		name=${t##*/}
		echo "@@BEGIN $name"
		if [ -x "$t" ]; then
			timeout -s KILL 600 "$t" < /dev/null 2>&1
			echo "@@END $name rc=$?"
		else
			echo "not ok 1 - $t was not built"
			echo "@@END $name rc=1"
		fi
	done
	echo "@@VM DONE"
} > "$OUT/host.log"
verdicts host < "$OUT/host.log"

if [ $vm -eq 1 ]; then
	phase "harness self-test (VM)"
	{
		echo "@@VM BOOT host"
		echo "@@BEGIN harness-selftest"
		tests/vm/selftest.sh 6.1
		echo "@@END harness-selftest rc=$?"
		echo "@@VM DONE"
	} 2>&1 | verdicts selftest

	for s in $kernels; do
		phase "in-VM tests on $s"
		tests/vm/run.sh --no-build --kernel "$s" 2>&1 |
			grep -E '^(PASS|FAIL|SKIP)' | tee -a "$OUT/results.txt" | grep -E '^(FAIL|SKIP)' >&2
		rel=$(cat ".cache/kernels/$s.release")
		[ -s "build/vm/$rel/report.txt" ] ||
			echo "FAIL [$s] vm: no report" | tee -a "$OUT/results.txt" >&2
	done
fi

phase "done"
pass=$(grep -c '^PASS' "$OUT/results.txt")
fail=$(grep -c '^FAIL' "$OUT/results.txt")
skip=$(grep -c '^SKIP' "$OUT/results.txt")
for k in host selftest $kernels; do
	grep -q "^[A-Z]* \[$k\]" "$OUT/results.txt" || continue	# phase not run
	printf '  %-8s %4d passed, %d failed, %d skipped\n' "$k" \
		"$(grep -c "^PASS \[$k\]" "$OUT/results.txt")" \
		"$(grep -c "^FAIL \[$k\]" "$OUT/results.txt")" \
		"$(grep -c "^SKIP \[$k\]" "$OUT/results.txt")" >&2
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
