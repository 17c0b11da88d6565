#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# ai_monitor status and dashboard --once with both modules loaded, with
# one of them missing, and on the NVML test double.
. /lib/tap.sh
. /lib/monitor.sh

echo "gpu 42 8589934592 1073741824 Fake GPU" > /tmp/nvml

t_load ai_sched || exit 1
t_load ai_mem pool_mb=16 || exit 1
demo_infer -r -m 2 -b 20 -C infer_app > /tmp/app.log 2>&1 &
P=$!
sleep 1

ai_monitor status > /tmp/status.txt 2>&1
t_check "status exits 0" [ $? -eq 0 ]
t_check "status: GPU from NVML" grep -q '^  0 Fake GPU .* 42% busy' /tmp/status.txt
t_check "status: ai_sched loaded" grep -q '^ai_sched: loaded' /tmp/status.txt
t_check "status: ai_mem loaded" grep -q '^ai_mem: loaded' /tmp/status.txt
t_check "status: tracer available" grep -q '^tracer: available' /tmp/status.txt
ai_monitor status --json > /tmp/status.json
t_check "status --json: both modules loaded" \
	[ "$(grep -c '"loaded": true' /tmp/status.json)" -eq 2 ]
t_check "status --json: registered app listed" grep -q "\"PID\": \"$P\"" /tmp/status.json

ai_monitor dashboard --once > /tmp/frame.txt 2>&1
t_check "dashboard --once exits 0" [ $? -eq 0 ]
for panel in "GPU utilisation -- nvml" "Launch latency, CPU-side" "Processes launching" \
	"Memory pool -- ai_mem" "Scheduler -- ai_sched"; do
	t_check "frame: $panel" grep -q -- "-- $panel" /tmp/frame.txt
done
# One panel of the frame, header excluded, into /tmp/panel.NAME.
panel() {
	awk -v h="-- $1" 'index($0, h) == 1 { on = 1; next } /^-- / { on = 0 } on' \
		/tmp/frame.txt > "/tmp/panel.$2"
}
panel "Processes launching" procs
panel "Memory pool" mem
panel "Scheduler" sched
if grep -q '^tracer: available' /tmp/status.txt; then
	t_check "frame: the app's launches" grep -q "^ $P  *infer_app  *driver  *[0-9]" /tmp/panel.procs
else
	t_skip "tracer unavailable" "frame: the app's launches"
fi
t_check "frame: the app's pinned memory" grep -q "^ $P  *infer_app  *2097152 *$" /tmp/panel.mem
t_check "frame: app in the scheduler table, unknown without an agent, not boosted" \
	grep -q "^ $P  *infer_app  *0  *unknown  *0->0 *$" /tmp/panel.sched
sed 's/^/# /' /tmp/frame.txt

kill $P
wait $P 2>/dev/null
t_unload ai_mem
ai_monitor dashboard --once > /tmp/frame.txt 2>&1
t_check "ai_mem unloaded: panel says so" grep -q "ai_mem: not loaded" /tmp/frame.txt
rm /tmp/nvml
ai_monitor status > /tmp/status.txt 2>&1
t_check "no driver: status says so" grep -q '^GPUs: none (nvmlInit_v2: Driver Not Loaded)' /tmp/status.txt
t_unload ai_sched
t_done
