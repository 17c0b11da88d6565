#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - `make bench`: every benchmark, none of them a test.
#
# In the VM (6.1 by default, AI_BENCH_KERNEL=6.12 for the other): each
# tests/bench/NN-*.sh, in name order. On this machine: each
# tests/bench/*-host.sh. Output goes to the terminal and to build/bench/.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
series=${AI_BENCH_KERNEL:-6.1}
# One host thread per vCPU, as when the numbers in docs/ were taken: the
# scheduler benchmark needs two vCPUs that really run at once. (The tests
# use single-threaded TCG; its reason, uprobe-driven text patching, does not
# arise in the in-VM benchmarks.)
export AI_VM_TCG_THREAD=${AI_VM_TCG_THREAD:-multi}
out="$ROOT/build/bench"
mkdir -p "$out"

"$ROOT/tests/vm/setup.sh" || exit 1
make -s -C "$ROOT" user modules KVER="$series" >/dev/null || exit 1

status=0
for f in "$ROOT"/tests/bench/*-host.sh; do
	[ -f "$f" ] || continue
	name=$(basename "$f" .sh)
	echo "== $name (host)"
	bash "$f" 2>&1 | tee "$out/$name.log" || status=1
done

if ls "$ROOT"/tests/bench/[0-9]*.sh >/dev/null 2>&1; then
	echo "== in-VM benchmarks on $series"
	AI_VM_TAG=bench AI_CASE_TIMEOUT=${AI_CASE_TIMEOUT:-900} AI_VM_TIMEOUT=${AI_VM_TIMEOUT:-3000} \
		"$ROOT/tests/vm/run.sh" --no-build --mode bench --kernel "$series" --verbose |
		grep -v -E '^(PASS|SKIP) |^@@(BEGIN|END|VM)' | tee "$out/vm-$series.log"
	grep -q '^@@TOTALS [0-9]* 0 ' "$out/vm-$series.log" || status=1
fi
exit $status
