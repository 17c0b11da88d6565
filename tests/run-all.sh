#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-all.sh - the project's test command (`make check`).
#
#   tests/run-all.sh [--no-vm] [--debian] [--kernel 6.1|6.12|debug|all]
#
# 1. set-up (packages, kernel images, the debug kernel: idempotent, cached;
#    the debug kernel is built once per machine, tests/vm/debug-kernel.sh)
# 2. builds as tests: user space, both modules on the debug kernel with
#    W=1, then on 6.1 and 6.12 with W=1 and with sparse (no warnings
#    allowed), checkpatch on the kernel sources; the debug kernel's
#    "debug-suite" VM (every case but the attacking ones, the longest VM
#    job) starts as soon as its modules are built, beside the rest of this
#    phase and the next
# 3. host tests (HOST_TESTS from the build.mk fragments: unit tests, the
#    tracer on this machine's kernel, the dashboard under tmux, ...)
# 4. the VM jobs, two at a time (TCG runs each VM on one host thread): the
#    harness self-test on 6.1 (each failure kind goes red) and on the debug
#    kernel (each detector catches a real bug), every in-VM case on 6.1 and
#    6.12, and on the debug kernel in two VMs (the attacking cases,
#    DEBUG_CASES below, and the rest, DEBUG_SUITE), and
#    the packaging test on a real Debian 12 guest (tests/debian/guest.sh:
#    .debs, DKMS, udev, systemd, Python, a kernel upgrade, purge) with
#    --debian only: it takes about 17 minutes by itself under TCG (two DKMS
#    builds and a kernel install, emulated), more than make check's whole
#    budget; make check builds the .debs and runs lintian (`make
#    check-debian` runs the guest test)
# Ends with one line "N passed, N failed, N skipped"; exit status 1 on any
# failure. Verdicts are kept in build/check/results.txt.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=build/check
mkdir -p "$OUT"
vm=1
kernels="6.1 6.12 debug"
debian=0
while [ $# -gt 0 ]; do
	case $1 in
	--no-vm) vm=0 ;;
	--debian) debian=1 ;;
	--kernel) kernels=$2; [ "$kernels" = all ] && kernels="6.1 6.12 debug"; shift ;;
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

has_debug=0
case " $kernels " in *" debug "*) has_debug=1 ;; esac
if [ $has_debug -eq 1 ]; then
	phase "debug kernel ($(tests/vm/debug-kernel.sh --where))"
	if ! tests/vm/debug-kernel.sh > "$OUT/debug-kernel.log" 2>&1; then
		echo "FAIL [host] setup: the debug kernel did not build (see $OUT/debug-kernel.log)" |
			tee -a "$OUT/results.txt"
		tail -n 5 "$OUT/debug-kernel.log" >&2
		kernels=${kernels/debug/}
		has_debug=0
	fi
fi

[ $vm -eq 1 ] || debian=0
if [ $debian -eq 1 ]; then
	phase "Debian guest ($(tests/debian/mkguest.sh --where))"
	if ! tests/debian/mkguest.sh > "$OUT/debian-guest.log" 2>&1; then
		echo "FAIL [debian] setup: the Debian guest did not build (see $OUT/debian-guest.log)" |
			tee -a "$OUT/results.txt"
		tail -n 5 "$OUT/debian-guest.log" >&2
		debian=0
	fi
fi

# One VM job: its verdict lines go to $OUT/job-NAME.txt.
job_selftest() {
	local name=harness-selftest
	[ "$1" = debug ] && name=harness-selftest-debug
	{
		echo "@@VM BOOT host"
		echo "@@BEGIN $name"
		tests/vm/selftest.sh "$1"
		echo "@@END $name rc=$?"
		echo "@@VM DONE"
	} 2>&1 | awk -v kver=selftest -f tests/vm/report.awk | grep -E '^(PASS|FAIL|SKIP)'
}
# On the debug kernel every operation costs 10-50x what it costs on the
# production kernels under TCG (KASAN, lockdep, kmemleak, and
# DEBUG_PAGEALLOC's TLB flush on every page freed; docs/reliability.md has
# the figures). Every case runs there, in two VMs side by side: the cases
# that attack the modules (fuzzer, fault injection, kill storms and load
# cycles, trinity) with bounded counts that fit the 15-minute budget
# (DEBUG_ENV; `make check-debug` runs them at full size), and all the
# others ("debug-suite"), which cut their own longest loops and largest
# buffers on that kernel (t_debug_kernel: 21-ai_mem-abi, 29-ai_mem-bounded,
# 34-ai_sched-many). Each VM's console is scanned for every detector's report
# and ends with a forced kmemleak scan.
DEBUG_CASES=${AI_DEBUG_CASES:-fuzz,faultinj,lifecycle,trinity}
DEBUG_SUITE=${AI_DEBUG_SUITE:-modules,ai_mem-*,ai_sched-*,bpf-*,monitor-*}
DEBUG_ENV=${AI_DEBUG_ENV:-AI_FUZZ_OPS=1000 AI_FUZZ_DOPS=600 AI_FUZZ_USECS=8 AI_CYCLES=12 AI_KILLS=120 AI_TRINITY_CALLS=5000 AI_TRINITY_SECS=20}
job_cases() {
	local k=$1 tag= rel log="$OUT/vm-$1.log"
	[ "$k" = debug-suite ] && k=debug tag=suite
	rel=$(cat ".cache/kernels/$k.release")${tag:+-$tag}
	rm -f "build/vm/$rel/report.txt"
	case $1 in
	debug)
		# The largest pool these cases use is 32 MiB: 2 GiB is plenty,
		# and halves what each kmemleak scan walks (struct pages of all
		# RAM).
		AI_VM_MEM_MB=${AI_VM_MEM_MB:-2048} AI_VM_ENV="$DEBUG_ENV" \
			tests/vm/run.sh --no-build --kernel debug \
			--cases "$DEBUG_CASES" > "$log" 2>&1 ;;
	debug-suite)
		# At most 256 MiB of pool (29-ai_mem-bounded on this kernel).
		AI_VM_MEM_MB=${AI_VM_MEM_MB:-2048} AI_VM_TAG=suite \
			tests/vm/run.sh --no-build --kernel debug \
			--cases "$DEBUG_SUITE" > "$log" 2>&1 ;;
	*)
		tests/vm/run.sh --no-build --kernel "$1" > "$log" 2>&1 ;;
	esac
	grep -E '^(PASS|FAIL|SKIP)' "$log"
	# A run.sh that stopped before booting (a missing file, no kernel)
	# prints no verdict at all: that is a failure too.
	grep -q '^@@TOTALS' "$log" && [ -s "build/vm/$rel/report.txt" ] ||
		echo "FAIL [$k] vm: no report (see $log)"
}

# The Debian packages from a copy of the tree, lintian on them.
job_debs() {
	if tests/debian/build-debs.sh > "$OUT/debs.log" 2>&1; then
		echo "PASS [host] debs: dpkg-buildpackage -us -uc builds the three packages (host unit tests run in it)"
		echo "PASS [host] debs: lintian reports no error and no warning"
	else
		echo "FAIL [host] debs: make deb failed or lintian complained (see $OUT/debs.log)"
	fi
}

# The packaging test: .debs built from a copy of the tree, two boots of
# the Debian guest.
job_debian() {
	local log="$OUT/debian.log"
	tests/debian/guest.sh > "$log" 2>&1
	grep -E '^(PASS|FAIL|SKIP)' "$log"
	grep -q '^PASS \[debian\] debian-purge' "$log" ||
		echo "FAIL [debian] vm: the guest test did not reach its end (see $log)"
}

# build_checks KERNEL...: the module builds (W=1, and sparse but on the
# debug kernel, where it would repeat the 6.12 run) as TAP lines, from $n.
build_checks() {
	local s check checks log what
	for s in "$@"; do
		checks="W=1 C=2"
		[ "$s" = debug ] && checks="W=1"
		for check in $checks; do
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
}

# What the first VM job needs is built first: user space and, when the
# debug kernel is in the run, its modules. The debug-suite job is the
# longest by far, so it starts as soon as those are there and runs beside
# the other builds and the host tests, which leave a core idle most of the
# time (make on a handful of files, tests that mostly wait).
phase "build"
{
	echo "@@VM BOOT host"
	echo "@@BEGIN build"
	n=0
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
	[ $has_debug -eq 1 ] && build_checks debug
	echo "@@END build rc=0"
	echo "@@VM DONE"
} | verdicts host

# AI_DEBUG_SUITE=none leaves the debug kernel to the attacking cases (a
# slower machine's way back into the 15 minutes; docs/reliability.md).
early=
if [ $vm -eq 1 ] && [ $has_debug -eq 1 ] && [ "$DEBUG_SUITE" != none ]; then
	phase "VM job cases debug-suite, beside the rest"
	( t0=$(date +%s)
	  job_cases debug-suite > "$OUT/job-cases-debug-suite.txt"
	  printf '   cases debug-suite finished in %ds\n' $(( $(date +%s) - t0 )) >&2 ) &
	early="cases debug-suite" early_pid=$!
fi

phase "build, the other kernels"
{
	echo "@@VM BOOT host"
	echo "@@BEGIN build-kernels"
	n=0
	build_checks ${kernels/debug/}
	if tests/lint.sh > "$OUT/lint.log" 2>&1; then
		echo "ok $((++n)) - checkpatch is clean on the kernel sources"
	else
		echo "not ok $((++n)) - checkpatch is clean on the kernel sources (see $OUT/lint.log)"
	fi
	echo "@@END build-kernels rc=0"
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
	# Longest first, two at a time, beside cases debug-suite when it
	# started early (measured 2026-12-04: debug-suite ~490 s, cases debug
	# ~240 s, cases 6.1 and 6.12 ~120 s each, selftest debug ~70 s,
	# selftest 6.1 ~40 s, debs ~20 s): the short jobs fill the gaps at the
	# end.
	jobs=()
	[ $debian -eq 1 ] && jobs+=("debian guest")
	[ $has_debug -eq 1 ] && jobs+=("cases debug")
	for s in $kernels; do
		[ "$s" = debug ] || jobs+=("cases $s")
	done
	[ $has_debug -eq 1 ] && jobs+=("selftest debug")
	jobs+=("selftest 6.1")
	[ $debian -eq 1 ] || jobs+=("debs build")
	phase "VM jobs, two at a time: $(printf '%s, ' ${early:+"$early"} "${jobs[@]}" | sed 's/, $//')"
	# The early job takes a slot while it runs; one already over (run.sh
	# stopped at once) must not, or wait -n would wait for it in vain.
	running=0
	[ -n "$early" ] && kill -0 "$early_pid" 2>/dev/null && running=1
	for j in "${jobs[@]}"; do
		if [ $running -ge 2 ]; then
			wait -n
			running=$((running - 1))
		fi
		set -- $j
		( t0=$(date +%s)
		  "job_$1" "$2" > "$OUT/job-$1-$2.txt"
		  printf '   %s %s finished in %ds\n' "$1" "$2" $(( $(date +%s) - t0 )) >&2 ) &
		running=$((running + 1))
	done
	wait
	[ -n "$early" ] && jobs=("$early" "${jobs[@]}")
	for j in "${jobs[@]}"; do
		set -- $j
		tee -a "$OUT/results.txt" < "$OUT/job-$1-$2.txt" | grep -E '^(FAIL|SKIP)' >&2
	done
fi

phase "done"
pass=$(grep -c '^PASS' "$OUT/results.txt")
fail=$(grep -c '^FAIL' "$OUT/results.txt")
skip=$(grep -c '^SKIP' "$OUT/results.txt")
for k in host selftest $kernels debian; do
	grep -q "^[A-Z]* \[$k\]" "$OUT/results.txt" || continue	# phase not run
	printf '  %-8s %4d passed, %d failed, %d skipped\n' "$k" \
		"$(grep -c "^PASS \[$k\]" "$OUT/results.txt")" \
		"$(grep -c "^FAIL \[$k\]" "$OUT/results.txt")" \
		"$(grep -c "^SKIP \[$k\]" "$OUT/results.txt")" >&2
done
# What the fuzzer did on each kernel (ai_fuzz prints "# N ops in S s").
for k in $kernels; do
	rel=$(cat ".cache/kernels/$k.release" 2>/dev/null) || continue
	[ -f "build/vm/$rel/console.log" ] || continue
	awk -v k="$k" '/^# [0-9]+ ops in / { ops += $2; runs++ }
		END { if (runs) printf "  fuzz     %d ops on %s (%d runs)\n", ops, k, runs }' \
		"build/vm/$rel/console.log" >&2
done
[ $has_debug -eq 1 ] && [ $vm -eq 1 ] &&
	printf '  debug    kernel %s from %s\n' "$(cat .cache/kernels/debug.release)" \
		"$(tests/vm/debug-kernel.sh --where)" >&2
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
