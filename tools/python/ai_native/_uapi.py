# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
"""The two modules' ioctl ABI (include/uapi/linux/ai_mem.h, ai_sched.h).

Every structure starts with its own size, so these layouts are the first
version of each; tests/python/test_uapi.py checks them against the C
headers on every build.
"""
import struct


def _io(magic, nr):
    # _IO(): no direction, no size (the size travels in the structure).
    return (magic << 8) | nr


AI_MEM_IOC_MAGIC = 0xBB
AI_MEM_IOC_ALLOC = _io(AI_MEM_IOC_MAGIC, 0x01)
AI_MEM_IOC_FREE = _io(AI_MEM_IOC_MAGIC, 0x02)
AI_MEM_IOC_INFO = _io(AI_MEM_IOC_MAGIC, 0x03)
AI_MEM_IOC_EXPORT = _io(AI_MEM_IOC_MAGIC, 0x04)
AI_MEM_EXPORT_CLOEXEC = 1 << 0
AI_MEM_EXPORT_RDWR = 1 << 1
AI_MEM_NODE_ANY = -1
AI_MEM_ALLOC_STRICT_NODE = 1 << 0
AI_MEM_NO_LIMIT = (1 << 64) - 1

# size, flags, length, node, __reserved, offset
MEM_ALLOC = struct.Struct("=IIQiIQ")
# size, flags, offset
MEM_FREE = struct.Struct("=IIQ")
# size, flags, pool_bytes, block_size, total_blocks, free_blocks,
# pending_blocks, file_blocks, user_blocks, limit_blocks, nr_nodes, __reserved
MEM_INFO = struct.Struct("=IIQQQQQQQQII")
# size, flags, offset, start, length, fd, nr_segments
MEM_EXPORT = struct.Struct("=IIQQQiI")

AI_SCHED_IOC_MAGIC = 0xBD
AI_SCHED_IOC_REGISTER = _io(AI_SCHED_IOC_MAGIC, 1)
AI_SCHED_IOC_UNREGISTER = _io(AI_SCHED_IOC_MAGIC, 2)
AI_SCHED_IOC_SET_GPU_UTIL = _io(AI_SCHED_IOC_MAGIC, 3)
AI_SCHED_IOC_QUERY = _io(AI_SCHED_IOC_MAGIC, 4)
AI_SCHED_REG_PERSIST = 1 << 0
AI_SCHED_REG_PIDFD = 1 << 1
AI_SCHED_QUERY_OWNED = 1 << 16
AI_SCHED_UTIL_NONE = 0xFFFFFFFF
AI_SCHED_GPU_STATES = {0: "unknown", 1: "available", 2: "saturated"}

# size, flags, pid, nice, gpu, pidfd
SCHED_REGISTER = struct.Struct("=IIiiIi")
# size, flags, pid, reserved
SCHED_UNREGISTER = struct.Struct("=IIiI")
# size, flags, gpu, util
SCHED_GPU_UTIL = struct.Struct("=IIII")
# size, flags, pid, gpu, boost_nice, own_nice, cur_nice, gpu_state, boosted,
# reg_flags, threads, boosted_threads, gpu_util, reserved
SCHED_QUERY = struct.Struct("=IIiIiiiIIIIIII")
