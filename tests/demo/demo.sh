#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The whole loop in the VM (`make demo`): ai_mem and ai_sched loaded, the
# agent feeding GPU utilisation from the NVML test double (load changing as
# the demo goes), an inference stand-in that registers itself, keeps its
# buffers in pinned pool memory and launches through the fixture libcuda,
# and what ai_monitor and the /proc files show at each step.
export LD_LIBRARY_PATH=/lib/fake-nvml
export FAKE_NVML_STATE=/tmp/nvml

say() { printf '\n=== %s\n' "$*"; }
gpu() {
	echo "gpu $1 8589934592 $((1073741824 * $1 / 25)) Demo GPU (fake NVML)" > /tmp/nvml
	echo "proc 0 $APP $1" >> /tmp/nvml
}
frame() { ai_monitor dashboard --once --width 100; }

say "loading ai_mem (64 MiB pool) and ai_sched"
insmod /lib/modules/ai/ai_mem.ko pool_mb=64 || exit 1
insmod /lib/modules/ai/ai_sched.ko stale_ms=1000 || exit 1
APP=0
gpu 35

say "starting the agent: every 100 ms it reads the GPU and tells ai_sched"
ai_monitor agent --interval 100 --auto-register --prometheus 127.0.0.1:19400 2> /tmp/agent.log &
AGENT=$!
sleep 1

say "starting an inference server: registers itself, 8 MiB pinned buffers, 100 batches/s of 4 launches"
demo_infer -r -m 8 -b 100 -k 4 -C infer_server > /tmp/app.log 2>&1 &
APP=$!
gpu 35
sleep 2
cat /tmp/app.log

say "GPU at 35%: the GPU waits for its feeder, so ai_sched boosts it"
cat /proc/ai_scheduler
frame

say "GPU at 96%: saturated, the boost is dropped (relaxed)"
gpu 96
sleep 2
cat /proc/ai_scheduler
frame

say "a second process starts launching CUDA work: the agent registers it by itself"
demo_infer -b 50 -C batch_job > /dev/null 2>&1 &
JOB=$!
i=0
while ! grep -q batch_job /proc/ai_scheduler && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
grep -E '^PID|batch_job' /proc/ai_scheduler

say "memory pool as ai_mem reports it"
cat /proc/ai_memory

say "the same through ai_monitor status --json"
ai_monitor status --json --no-tracer

say "a few lines of /metrics (Prometheus text format)"
wget -q -O - http://127.0.0.1:19400/metrics 2>/dev/null |
	grep -E '^ai_(gpu_utilization_ratio|sched_tasks_by_state|mem_pool_(used_)?bytes|launch_latency_seconds_count|agent_util_pushes_total)' |
	head -12

say "the agent stops: after stale_ms the GPU state is unknown, so nothing is boosted (fail closed)"
kill -TERM $AGENT
wait $AGENT
sleep 2
cat /proc/ai_scheduler

say "the agent's log"
cat /tmp/agent.log

kill $APP $JOB
wait 2>/dev/null
rmmod ai_sched
rmmod ai_mem
say "done"
