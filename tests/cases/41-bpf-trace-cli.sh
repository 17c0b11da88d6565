#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `ai_monitor trace` on this kernel: options, exit codes, signals, and the
# JSON output validated (json_check, no python here) and compared with the
# text output (tests/bpf/trace-cli.sh).
. /lib/tap.sh

# Without --lib: the tracer must find the fixture the way it finds the driver.
if out=$(ai_monitor trace -i 0.5 -d 0.5 --json 2>&1); then
	t_ok "ai_monitor trace finds libcuda.so.1 without --lib"
else
	t_notok "ai_monitor trace finds libcuda.so.1 without --lib"
	echo "$out" | sed 's/^/# /'
fi
t_run sh /bin/trace-cli.sh /bin /usr/lib/x86_64-linux-gnu/libcuda.so.1
t_done
