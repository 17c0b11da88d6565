# SPDX-License-Identifier: GPL-2.0
# Shared by the ai_monitor host test scripts: TAP output and fake trees.
# Source it; it sets ROOT, MON (the ai_monitor binary) and TMP (removed at exit).

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MON=$ROOT/build/user/ai_monitor
FAKE_NVML_DIR=$ROOT/build/user/fake-nvml
TMP=$(mktemp -d /tmp/ai_monitor_test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
N=0
FAILED=0

ok() { N=$((N + 1)); echo "ok $N - $*"; }
notok() { N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $*"; }
# check NAME CMD...: passes when CMD exits 0.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else notok "$name"; fi
}
diag() { sed 's/^/# /'; }
json_ok() { python3 -m json.tool "$1" > /dev/null; }
done_testing() { echo "1..$N"; [ "$FAILED" -eq 0 ]; }

# A fake /proc (ai_scheduler, ai_memory, one DRM client) and /sys (one
# amdgpu card) under $1, in the formats the modules and drivers print.
make_roots() {
	local d=$1
	mkdir -p "$d/proc/4242/fdinfo" "$d/sys/class/drm/card0/device"
	cat > "$d/proc/ai_scheduler" <<'EOT'
GPU Utilization: 45%
GPU Available: yes
AI Tasks: 2
Parameters: busy_pct 90 hyst_pct 10 stale_ms 2000 unknown_boost 0 min_nice -10 max_tasks 256 max_per_user 64 max_gpus 64
PID     COMM             GPU STATE   NICE THREADS BOOSTED CPU_MS REG
4242    python3          0   boosted 0->-5 3 3 120 fd
4343    feeder           0   relaxed 0->0 1 0 4 persist
EOT
	cat > "$d/proc/ai_memory" <<'EOT'
Total Pool Size: 256 MB  Block Size: 4 KB  Allocated: 104857600 bytes
PID     COMM             BLOCKS   BYTES
4242    python3          25600    104857600
EOT
	echo python3 > "$d/proc/4242/comm"
	printf 'pos:\t0\ndrm-driver:\tamdgpu\ndrm-pdev:\t0000:03:00.0\ndrm-client-id:\t3\ndrm-engine-gfx:\t1000 ns\n' \
		> "$d/proc/4242/fdinfo/5"
	echo 63 > "$d/sys/class/drm/card0/device/gpu_busy_percent"
	echo 17163091968 > "$d/sys/class/drm/card0/device/mem_info_vram_total"
	echo 1073741824 > "$d/sys/class/drm/card0/device/mem_info_vram_used"
}

[ -x "$MON" ] || { echo "not ok 1 - $MON was not built"; exit 1; }
