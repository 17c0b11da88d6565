#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Ownership across processes: kill -9, fork, SCM_RIGHTS, an unprivileged
# user (tests/ai_mem/test_ai_mem_procs.c).
. /lib/tap.sh
# The initramfs root may come out 0700 (mktemp -d): let other users reach
# /dev, so that the unprivileged check sees the device node's own mode.
chmod 755 /
t_load ai_mem pool_mb=16 || exit 1
t_run /bin/test_ai_mem_procs
t_unload ai_mem
t_done
