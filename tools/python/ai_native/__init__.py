# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
"""ai_native: pinned memory from ai_mem and GPU-aware boosts from ai_sched.

    import numpy as np, ai_native
    with ai_native.PinnedBuffer(64 << 20) as buf:
        a = buf.numpy(np.float32)          # no copy: the pinned pages
        a[:] = 1.0
        del a                              # before the buffer is freed
    with ai_native.boosted(nice=-5, gpu=0):
        serve_requests()

Errors are OSError with the kernel's errno (PermissionError for EACCES,
FileNotFoundError when a module is not loaded).
"""
from .mem import PinnedBuffer, MemInfo, alloc_pinned, info as mem_info, open_device
from .sched import (Registration, boosted, query, register, set_gpu_util,
                    unregister)
from .status import memory_status, scheduler_status
from ._dev import Device

__all__ = ["PinnedBuffer", "MemInfo", "alloc_pinned", "mem_info", "open_device",
           "Registration", "boosted", "query", "register", "set_gpu_util",
           "unregister", "memory_status", "scheduler_status", "Device"]
__version__ = "0.2.0"
