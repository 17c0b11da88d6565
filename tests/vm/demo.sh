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
log="$ROOT/build/demo-build.log"
mkdir -p "$ROOT/build"
if ! { make -s -C "$ROOT" user && make -s -C "$ROOT" modules KVER="$series"; } > "$log" 2>&1; then
	cat "$log" >&2
	echo "demo: build failed" >&2
	exit 1
fi
# The console, less the harness's markers and the kernel's boot chatter
# (kernel lines are shown from the demo's first step on).
AI_VM_TAG=demo "$ROOT/tests/vm/run.sh" --no-build --mode demo --kernel "$series" --verbose 2>&1 |
	awk '/^(PASS|SKIP) |^@@|^run.sh:   / { next }
	     /^=== / { started = 1 }
	     /^\[ *[0-9]+\.[0-9]+\] / && !started { next }
	     { print; fflush() }'
exit "${PIPESTATUS[0]}"
