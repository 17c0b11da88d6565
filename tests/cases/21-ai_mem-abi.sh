#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The ioctl/mmap ABI and its errors, extensible arguments, zeroing, SIGBUS
# after FREE, the per-user cap, read-only descriptors, no PROT_EXEC,
# /proc/ai_memory's format (test_ai_mem_abi.c); per-file offset spaces
# (test_ai_mem_offsets.c); a 32-bit caller (test_ai_mem_compat32.c).
# The debug kernel runs the loops a fiftieth as long (a million failing
# ALLOCs took over 20 minutes there): the same paths, under its detectors.
. /lib/tap.sh
t_load ai_mem pool_mb=16 || exit 1
t_run /bin/test_ai_mem_abi
if t_debug_kernel; then
	t_run /bin/test_ai_mem_offsets 20000 2000
	t_run /bin/test_ai_mem_compat32 2000
else
	t_run /bin/test_ai_mem_offsets
	t_run /bin/test_ai_mem_compat32
fi
t_unload ai_mem
t_done
