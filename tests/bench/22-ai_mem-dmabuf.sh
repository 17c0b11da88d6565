#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# ai_mem dma-buf benchmark (make bench): a 64 MiB dma-buf from ai_mem's
# pool vs udmabuf over a memfd vs the system dma-heap (where the kernel
# has them), on a fresh pool; table on stdout. Read in docs/ai_mem.md.
. /lib/tap.sh
t_load ai_mem || exit 1
echo "# kernel $(uname -r), $(nproc) CPUs"
/bin/bench_ai_mem_dmabuf
rc=$?
[ $rc -eq 0 ] && t_ok "bench_ai_mem_dmabuf ran" || t_notok "bench_ai_mem_dmabuf exit $rc"
t_unload ai_mem
t_done
