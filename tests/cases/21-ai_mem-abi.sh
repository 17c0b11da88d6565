#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The ioctl/mmap ABI and its errors, zeroing, SIGBUS after FREE, the owner
# cap, /proc/ai_memory's format (tests/ai_mem/test_ai_mem_abi.c).
. /lib/tap.sh
t_load ai_mem pool_mb=16 || exit 1
t_run /bin/test_ai_mem_abi
t_unload ai_mem
t_done
