#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ai_monitor status (text and --json) against fake roots, with and without
# the NVML test double; bad command lines exit 2 with a usage message.
. "$(dirname "$0")/lib.sh"

make_roots "$TMP/a"
mkdir -p "$TMP/empty/proc" "$TMP/empty/sys"
R=(--proc-root "$TMP/a/proc" --sysfs-root "$TMP/a/sys" --no-tracer)

# Keep a real NVML (if any) out of the way: only the fake may answer.
export LD_LIBRARY_PATH=$TMP/nolib
"$MON" status --json "${R[@]}" > "$TMP/s.json" 2> "$TMP/err"
check "status --json exits 0" test $? -eq 0
check "status --json parses" json_ok "$TMP/s.json"
py() { python3 -c "import json,sys; d=json.load(open('$TMP/s.json')); sys.exit(0 if ($1) else 1)"; }
check "json: amdgpu card from sysfs" py "d['gpus']['source'] == 'sysfs' and d['gpus']['devices'][0]['util_percent'] == 63"
check "json: vram" py "d['gpus']['devices'][0]['memory_total_bytes'] == 17163091968"
check "json: ai_sched fields" py "d['ai_sched']['loaded'] and d['ai_sched']['gpu_util_percent'] == 45 and d['ai_sched']['tasks'] == 2"
check "json: ai_sched task table" py "d['ai_sched']['tables'][0][1]['STATE'] == 'relaxed'"
check "json: ai_mem pool" py "d['ai_mem']['pool_bytes'] == 268435456 and d['ai_mem']['used_bytes'] == 104857600"
check "json: tracer not probed" py "d['tracer']['available'] is None"

"$MON" status --json --proc-root "$TMP/empty/proc" --sysfs-root "$TMP/empty/sys" --no-tracer \
	> "$TMP/e.json"
check "nothing there: exits 0" test $? -eq 0
check "nothing there: json parses" json_ok "$TMP/e.json"
cp "$TMP/e.json" "$TMP/s.json"
check "nothing there: modules not loaded, no GPU, reason given" \
	py "not d['ai_sched']['loaded'] and d['ai_mem']['error'] == 'not loaded' and d['gpus']['source'] is None and 'libnvidia-ml' in d['gpus']['why']"
"$MON" status --proc-root "$TMP/empty/proc" --sysfs-root "$TMP/empty/sys" --no-tracer > "$TMP/e.txt"
check "text: says not loaded" grep -q '^ai_sched: not loaded' "$TMP/e.txt"
check "text: says no GPU" grep -q '^GPUs: none (no NVIDIA driver' "$TMP/e.txt"

# NVML wins over sysfs when it has GPUs; figures come from the test double.
printf 'gpu 81 8589934592 4294967296 Fake H100\nproc 0 4242 70\n' > "$TMP/nvml"
LD_LIBRARY_PATH=$FAKE_NVML_DIR FAKE_NVML_STATE=$TMP/nvml "$MON" status --json "${R[@]}" > "$TMP/s.json"
check "nvml: json parses" json_ok "$TMP/s.json"
check "nvml: utilisation and name from the fake" \
	py "d['gpus']['source'] == 'nvml' and d['gpus']['devices'][0]['util_percent'] == 81 and d['gpus']['devices'][0]['name'] == 'Fake H100'"
check "nvml: per-process figure" py "d['gpus']['processes'] == [{'pid': 4242, 'gpu': 0, 'util_percent': 70}]"

# A control byte and a quote in a /proc field must not break the JSON.
printf 'GPU Utilization: 1%%\nNote: a "quoted" \001 value\\\n' > "$TMP/a/proc/ai_scheduler"
"$MON" status --json "${R[@]}" > "$TMP/s.json"
check "json: hostile /proc text stays valid JSON" json_ok "$TMP/s.json"

# Bad command lines: usage on stderr, exit status 2.
bad() {
	"$@" > /dev/null 2> "$TMP/usage" < /dev/null
	local rc=$?
	if [ $rc -eq 2 ] && grep -q 'usage:' "$TMP/usage"; then
		ok "exit 2 with usage: ${*//$MON/ai_monitor}"
	else
		notok "exit 2 with usage: ${*//$MON/ai_monitor} (rc $rc)"
		diag < "$TMP/usage"
	fi
}
bad "$MON"
bad "$MON" frobnicate
bad "$MON" status --bogus
bad "$MON" status extra-argument
bad "$MON" dashboard --bogus
bad "$MON" dashboard --delay 0
bad "$MON" dashboard --width 5 --once
bad "$MON" agent --bogus
bad "$MON" agent --interval 0
bad "$MON" agent --interval abc
bad "$MON" agent --nice -21
bad "$MON" agent --match ''
bad "$MON" agent --match waytoolongprocessname
bad "$MON" agent --gpu 16
bad "$MON" agent --prometheus
done_testing
