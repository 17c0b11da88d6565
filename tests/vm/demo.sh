#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - `make demo`: set up, build, boot Debian's kernel in QEMU and run
# tests/demo/demo.sh inside it (both modules loaded, the agent, an inference
# app, dashboard frames and /proc files), showing the VM's console.
#
# AI_DEMO_KERNEL=6.12 picks the other kernel (default 6.1).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
series=${AI_DEMO_KERNEL:-6.1}

"$ROOT/tests/vm/setup.sh" || exit 1
make -s -C "$ROOT" user >/dev/null || { echo "demo: user-space build failed" >&2; exit 1; }
make -s -C "$ROOT" modules KVER="$series" >/dev/null || { echo "demo: module build failed" >&2; exit 1; }
AI_VM_TAG=demo "$ROOT/tests/vm/run.sh" --no-build --mode demo --kernel "$series" --verbose |
	grep -v -E '^(PASS|SKIP) |^@@TOTALS|^@@(BEGIN|END|VM)'
