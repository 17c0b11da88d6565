#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The CUDA launch tracer on this kernel: the same binary as on the host,
# attached to the fixture libcuda.so.1 found where the driver package puts
# it (tests/bpf/test_gpu_tracer.c: counts, buckets, processes, -p, errors).
. /lib/tap.sh

t_check "fixture installed as /usr/lib/x86_64-linux-gnu/libcuda.so.1" \
	test -f /usr/lib/x86_64-linux-gnu/libcuda.so.1
t_check "kernel has uprobe events" test -d /sys/bus/event_source/devices/uprobe
# With -v, libbpf's messages (the verifier's log) show up if it fails.
t_check "ai_monitor trace loads and attaches here" \
	ai_monitor trace -v --lib /usr/lib/x86_64-linux-gnu/libcuda.so.1 -d 0.2
t_run /bin/test_gpu_tracer /usr/lib/x86_64-linux-gnu/libcuda.so.1 /bin/cuda_app
t_done
