#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The agent on the host against fake roots and the NVML test double, with no
# ai_sched device: it must say so, keep going, and serve /metrics that
# promtool accepts, bound to 127.0.0.1 only. With the fixture libcuda (and
# root, for the tracer) the launch histograms are checked too.
. "$(dirname "$0")/lib.sh"

make_roots "$TMP/a"
printf 'gpu 75 8589934592 1073741824 Fake H100\nproc 0 4242 60\n' > "$TMP/nvml"
FAKECUDA_DIR=$ROOT/build/user/fakecuda
APP=$ROOT/build/user/cuda_app

# A free port: ask the kernel for one, then use it.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
scrape() {
	python3 - "$1" <<'EOP'
import sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
        sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
    print("HTTP %d" % e.code)
    sys.exit(1)
EOP
}

# Launches traced from the start: the app runs for a few seconds.
tracing=0
if [ "$(id -u)" = 0 ] && [ -x "$APP" ] && [ -e "$FAKECUDA_DIR/libcuda.so.1" ]; then
	tracing=1
	LD_LIBRARY_PATH=$FAKECUDA_DIR "$APP" -C infer_app -n 0 -r 500 -d 20000 -S 10 -s 200000 &
	app=$!
fi

LD_LIBRARY_PATH=$FAKE_NVML_DIR:$FAKECUDA_DIR FAKE_NVML_STATE=$TMP/nvml \
	"$MON" agent --interval 100 --prometheus "127.0.0.1:$PORT" \
	--proc-root "$TMP/a/proc" --sysfs-root "$TMP/a/sys" --device "$TMP/no-such-device" \
	2> "$TMP/agent.log" &
agent=$!
for _ in $(seq 50); do
	scrape "http://127.0.0.1:$PORT/metrics" > "$TMP/m0" 2>/dev/null && break
	sleep 0.1
done
sleep 1.5
scrape "http://127.0.0.1:$PORT/metrics" > "$TMP/metrics"
check "GET /metrics answers" test -s "$TMP/metrics"
if promtool check metrics < "$TMP/metrics" > "$TMP/promtool" 2>&1; then
	ok "promtool check metrics"
else
	notok "promtool check metrics"
	diag < "$TMP/promtool"
fi
check "GPU utilisation from the fake NVML" \
	grep -qx 'ai_gpu_utilization_ratio{gpu="0",source="nvml"} 0.75' "$TMP/metrics"
check "per-process GPU figure" grep -qx 'ai_gpu_process_utilization_ratio{gpu="0",pid="4242"} 0.60' "$TMP/metrics"
check "no ai_sched device: reported down" grep -qx 'ai_agent_sched_device_up 0' "$TMP/metrics"
check "no pushes counted" grep -qx 'ai_agent_util_pushes_total 0' "$TMP/metrics"
check "pool totals" grep -qx 'ai_mem_pool_bytes 268435456' "$TMP/metrics"
check "per-owner usage" grep -qx 'ai_mem_owner_bytes{pid="4242",comm="python3"} 104857600' "$TMP/metrics"
check "scheduler tasks and states" grep -qx 'ai_sched_tasks_by_state{state="relaxed"} 1' "$TMP/metrics"
check "the missing device is logged" grep -q "no-such-device: No such file or directory" "$TMP/agent.log"
if [ $tracing = 1 ]; then
	check "tracer attached" grep -qx 'ai_tracer_up 1' "$TMP/metrics"
	check "launch latency histogram of the app" \
		grep -q '^ai_launch_latency_seconds_bucket{pid="'$app'",layer="driver",comm="infer_app",le="+Inf"} [1-9]' "$TMP/metrics"
	check "sync wait of the app" grep -q '^ai_sync_wait_seconds_total{pid="'$app'",layer="driver",comm="infer_app"} 0\.[0-9]*[1-9]' "$TMP/metrics"
	kill "$app"
	wait "$app" 2>/dev/null
else
	ok "launch histograms # SKIP needs root and the fixture libcuda"
fi
# Bounded labels: no label other than these names ever appears.
check "label names bounded" bash -c "! grep -v '^#' '$TMP/metrics' | grep -o '[a-z_]*=\"' | sort -u | grep -qv -x -e 'gpu=\"' -e 'source=\"' -e 'pid=\"' -e 'layer=\"' -e 'comm=\"' -e 'le=\"' -e 'state=\"'"

check "other paths are 404" bash -c "[ \"\$(scrape_code=1; python3 -c 'import urllib.request,sys
try: urllib.request.urlopen(\"http://127.0.0.1:$PORT/other\", timeout=5)
except urllib.error.HTTPError as e: print(e.code)')\" = 404 ]"
check "listens on 127.0.0.1 only" bash -c "ss -Hltn 'sport = :$PORT' | awk '{print \$4}' | grep -qx '127.0.0.1:$PORT'"

kill -TERM "$agent"
for _ in $(seq 30); do kill -0 "$agent" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$agent" 2>/dev/null; then
	notok "SIGTERM ends the agent"
	kill -KILL "$agent"
else
	wait "$agent"
	check "SIGTERM ends the agent with status 0" test $? -eq 0
fi
check "the agent logs its exit" grep -q "exiting" "$TMP/agent.log"
done_testing
