#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# lint.sh - checkpatch.pl (from Debian's linux-source-6.1, fetched by
# tests/vm/setup.sh) over every kernel-side source and the uapi headers.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
cp=.cache/checkpatch/scripts/checkpatch.pl
[ -f "$cp" ] || { echo "lint: $cp missing: run tests/vm/setup.sh" >&2; exit 1; }
files=$(ls ai_sched/*.[ch] ai_mem/*.[ch] include/uapi/linux/*.h tests/vm/selftest/*.c 2>/dev/null)
# Out of tree, "--no-tree" is the only mode. Ignored: the MAINTAINERS
# reminder (about files inside the kernel tree) and LINUX_VERSION_CODE (an
# out-of-tree module must build on each kernel it supports: 6.1 and 6.12).
out=$(perl "$cp" --no-tree --terse --show-types \
	--ignore FILE_PATH_CHANGES,LINUX_VERSION_CODE -f $files)
if echo "$out" | grep -E 'ERROR|WARNING|CHECK'; then
	exit 1
fi
exit 0
