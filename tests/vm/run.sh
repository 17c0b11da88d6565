#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - boot Debian's kernel(s) in QEMU and run the in-VM tests.
#
#   tests/vm/run.sh [--kernel 6.1|6.12|debug|all] [--cases GLOB[,GLOB...]] [--mode cases|demo|bench]
#                   [--no-build] [--verbose]
#
# Per kernel: builds the modules and user space (unless --no-build), packs
# the initramfs, boots it, keeps the console in build/vm/<release>/console.log
# and the verdicts in build/vm/<release>/report.txt. Prints the verdicts and
# one "@@TOTALS pass fail skip" line per kernel; exits non-zero on any FAIL.
#
# Environment: AI_VM_ACCEL=kvm to use KVM (TCG by default: KVM hangs on
# some nested set-ups), AI_VM_TIMEOUT (seconds for a whole boot, default
# 1200), AI_CASE_TIMEOUT (seconds per case, default 300), AI_VM_MEM_MB
# (default 3072, 4096 on the debug kernel; split over two NUMA nodes;
# ai_mem needs a 2 GiB pool),
# AI_VM_ENV ("NAME=VALUE ...": exported to the in-VM cases, e.g.
# AI_SOAK_MINUTES for tests/cases/60-fuzz.sh; no blanks in a VALUE),
# AI_VM_APPEND (more kernel command line), AI_VM_QEMU_ARGS (more QEMU
# options).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
kernels=all
cases='*'
mode=cases
build=1
verbose=0

while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernels=$2; shift ;;
	--cases) cases=$2; shift ;;
	--mode) mode=$2; shift ;;
	--no-build) build=0 ;;
	--verbose) verbose=1 ;;
	-h|--help) sed -n '4,22p' "$0"; exit 0 ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
[ "$kernels" = all ] && kernels="6.1 6.12 debug"

# TCG runs both vCPUs on one host thread by default: with one thread per
# vCPU (thread=multi), kernel text patching (static keys flipped while perf
# events come and go, e.g. around uprobes) raced and crashed Debian's 6.12
# guest with "Oops: int3" in __schedule. AI_VM_TCG_THREAD=multi to try it.
accel=${AI_VM_ACCEL:-tcg}
accel_opt=$accel
[ "$accel" = tcg ] && accel_opt="tcg,thread=${AI_VM_TCG_THREAD:-single}"
vm_timeout=${AI_VM_TIMEOUT:-1200}
case_timeout=${AI_CASE_TIMEOUT:-300}

if [ $build -eq 1 ]; then
	"$ROOT/tests/vm/setup.sh" || exit 1
	case " $kernels " in
	*" debug "*) "$ROOT/tests/vm/debug-kernel.sh" >/dev/null || exit 1 ;;
	esac
fi
if [ $build -eq 1 ] && [ -z "${AI_NO_USER:-}" ]; then
	make -s -C "$ROOT" user >/dev/null || { echo "run.sh: user-space build failed" >&2; exit 1; }
fi

status=0
for series in $kernels; do
	relfile="$ROOT/.cache/kernels/$series.release"
	[ -s "$relfile" ] || { echo "run.sh: no kernel for $series: run tests/vm/setup.sh" >&2; exit 1; }
	rel=$(cat "$relfile")
	if [ $build -eq 1 ]; then
		make -s -C "$ROOT" modules KVER="$series" >/dev/null ||
			{ echo "run.sh: module build for $rel failed" >&2; exit 1; }
	fi
	out="$ROOT/build/vm/$rel${AI_VM_TAG:+-$AI_VM_TAG}"
	mkdir -p "$out"
	"$ROOT/tests/vm/mkinitramfs.sh" "$rel" "$out/initramfs.gz" || exit 1

	mem=${AI_VM_MEM_MB:-3072}
	qemu_extra=
	cmdline="console=ttyS0 loglevel=5 panic=-1 ai.mode=$mode ai.cases=$cases ai.timeout=$case_timeout"
	if [ "$series" = debug ]; then
		# KASAN's shadow (1/8 of memory) and kmemleak's pool come on
		# top of the 2 GiB pool the cases reserve; page poisoning is
		# off unless asked for on the command line. With "-cpu max" the
		# guest gets 5-level paging, and an interrupt taken early in boot
		# then trips KASAN (wild-memory-access in handle_edge_irq, before
		# any of our code runs): no5lvl keeps the usual 4 levels.
		mem=${AI_VM_MEM_MB:-4096}
		cmdline+=" page_poison=1 no5lvl"
		# The ACPI interpreter, instrumented, needs most of a minute to
		# give up on the PCI routing method (AE_AML_LOOP_TIMEOUT) for a
		# NIC the tests never use: no NIC, no ACPI PCI routing.
		cmdline+=" pci=noacpi"
		qemu_extra="-nic none"
	fi
	cmdline+=${AI_VM_APPEND:+ $AI_VM_APPEND}
	half=$((mem / 2))
	for kv in ${AI_VM_ENV:-}; do
		cmdline+=" ai.env.$kv"
	done
	qemu=(qemu-system-x86_64 -accel "$accel_opt" -smp 2,sockets=2,cores=1,threads=1 -m "${mem}M"
		-object "memory-backend-ram,id=m0,size=${half}M"
		-object "memory-backend-ram,id=m1,size=$((mem - half))M"
		-numa node,nodeid=0,cpus=0,memdev=m0 -numa node,nodeid=1,cpus=1,memdev=m1
		-kernel "$ROOT/.cache/kernels/$rel/boot/vmlinuz-$rel"
		-initrd "$out/initramfs.gz" -append "$cmdline"
		-display none -serial stdio -monitor none -no-reboot)
	[ "$accel" = tcg ] && qemu+=(-cpu max) || qemu+=(-cpu host)
	qemu+=($qemu_extra ${AI_VM_QEMU_ARGS:-})

	echo "run.sh: booting $rel ($accel, mode=$mode, cases='$cases')" >&2
	start=$(date +%s)
	if [ $verbose -eq 1 ]; then
		timeout -s KILL "$vm_timeout" "${qemu[@]}" < /dev/null 2>&1 | tee "$out/console.log"
	else
		timeout -s KILL "$vm_timeout" "${qemu[@]}" < /dev/null > "$out/console.log" 2>&1
	fi
	echo "run.sh: $rel finished in $(( $(date +%s) - start ))s; slowest cases:" >&2
	grep -a '^@@END' "$out/console.log" | awk '{sub(/secs=/, "", $4); print $4 "s", $2}' |
		sort -rn | head -n 5 | sed 's/^/run.sh:   /' >&2

	awk -v kver="$series" -f "$ROOT/tests/vm/report.awk" "$out/console.log" > "$out/report.txt"
	grep -v '^@@TOTALS' "$out/report.txt"
	totals=$(grep '^@@TOTALS' "$out/report.txt")
	echo "$totals"
	set -- $totals
	[ "$3" -eq 0 ] || status=1
done
exit $status
