#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# ai_mem allocations as dma-bufs, imported by a real DRM driver (vgem)
# where the kernel has it (tests/ai_mem/test_ai_mem_dmabuf.c).
# AI_DMABUF_IMPORTER=1: only the importer's paths and the module
# reference, on a small pool (a quicker look on request; make check runs
# the whole case on every kernel, the debug one included).
. /lib/tap.sh
if [ -f "$AI_EXTRADIR/vgem.ko" ]; then
	t_load_extra vgem
else
	t_skip "no vgem.ko in the initramfs (run tests/vm/setup.sh)" "load vgem"
fi
if [ "${AI_DMABUF_IMPORTER:-0}" = 1 ]; then
	pool=32 args=--importer
else
	pool=128 args=
fi
if t_load ai_mem pool_mb=$pool; then
	t_run /bin/test_ai_mem_dmabuf $args
	t_unload ai_mem
fi
t_unload_extra
t_done
