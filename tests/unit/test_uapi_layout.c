// SPDX-License-Identifier: GPL-2.0
/*
 * The uapi structures have one layout everywhere: sizes and offsets are
 * pinned here, and this file is built with -Wpadded, so an implicit hole
 * (which would differ between 32- and 64-bit user space, and could carry
 * stale kernel bytes) fails the build. The ioctl numbers are pinned too:
 * changing one breaks every binary built against the old header.
 */
#include <stddef.h>

#include <linux/ai_mem.h>
#include <linux/ai_sched.h>

#include "tap.h"

#define LAYOUT(type, field, off) \
	is_int(offsetof(struct type, field), off, #type "." #field " at offset " #off)

int main(void)
{
	is_int(sizeof(struct ai_mem_alloc), 32, "struct ai_mem_alloc is 32 bytes");
	LAYOUT(ai_mem_alloc, size, 0);
	LAYOUT(ai_mem_alloc, flags, 4);
	LAYOUT(ai_mem_alloc, length, 8);
	LAYOUT(ai_mem_alloc, node, 16);
	LAYOUT(ai_mem_alloc, __reserved, 20);
	LAYOUT(ai_mem_alloc, offset, 24);

	is_int(sizeof(struct ai_mem_free), 16, "struct ai_mem_free is 16 bytes");
	LAYOUT(ai_mem_free, size, 0);
	LAYOUT(ai_mem_free, flags, 4);
	LAYOUT(ai_mem_free, offset, 8);

	is_int(sizeof(struct ai_mem_info), 80, "struct ai_mem_info is 80 bytes");
	LAYOUT(ai_mem_info, size, 0);
	LAYOUT(ai_mem_info, flags, 4);
	LAYOUT(ai_mem_info, pool_bytes, 8);
	LAYOUT(ai_mem_info, pending_blocks, 40);
	LAYOUT(ai_mem_info, file_blocks, 48);
	LAYOUT(ai_mem_info, user_blocks, 56);
	LAYOUT(ai_mem_info, limit_blocks, 64);
	LAYOUT(ai_mem_info, nr_nodes, 72);
	LAYOUT(ai_mem_info, __reserved, 76);

	is_int(sizeof(struct ai_mem_export), 40, "struct ai_mem_export is 40 bytes");
	LAYOUT(ai_mem_export, size, 0);
	LAYOUT(ai_mem_export, flags, 4);
	LAYOUT(ai_mem_export, offset, 8);
	LAYOUT(ai_mem_export, start, 16);
	LAYOUT(ai_mem_export, length, 24);
	LAYOUT(ai_mem_export, fd, 32);
	LAYOUT(ai_mem_export, nr_segments, 36);

	is_int(sizeof(struct ai_mem_buf_info), 32, "struct ai_mem_buf_info is 32 bytes");
	LAYOUT(ai_mem_buf_info, size, 0);
	LAYOUT(ai_mem_buf_info, flags, 4);
	LAYOUT(ai_mem_buf_info, offset, 8);
	LAYOUT(ai_mem_buf_info, length, 16);
	LAYOUT(ai_mem_buf_info, nr_segments, 24);
	LAYOUT(ai_mem_buf_info, nr_exports, 28);

	/* ai_sched ABI v2: size-first structures. */
	is_int(sizeof(struct ai_sched_register), AI_SCHED_REGISTER_SIZE_VER0,
	       "struct ai_sched_register is REGISTER_SIZE_VER0 (24) bytes");
	LAYOUT(ai_sched_register, size, 0);
	LAYOUT(ai_sched_register, flags, 4);
	LAYOUT(ai_sched_register, pid, 8);
	LAYOUT(ai_sched_register, nice, 12);
	LAYOUT(ai_sched_register, gpu, 16);
	LAYOUT(ai_sched_register, pidfd, 20);

	is_int(sizeof(struct ai_sched_unregister), AI_SCHED_UNREGISTER_SIZE_VER0,
	       "struct ai_sched_unregister is UNREGISTER_SIZE_VER0 (16) bytes");
	LAYOUT(ai_sched_unregister, flags, 4);
	LAYOUT(ai_sched_unregister, pid, 8);
	LAYOUT(ai_sched_unregister, reserved, 12);

	is_int(sizeof(struct ai_sched_gpu_util), AI_SCHED_GPU_UTIL_SIZE_VER0,
	       "struct ai_sched_gpu_util is GPU_UTIL_SIZE_VER0 (16) bytes");
	LAYOUT(ai_sched_gpu_util, flags, 4);
	LAYOUT(ai_sched_gpu_util, gpu, 8);
	LAYOUT(ai_sched_gpu_util, util, 12);

	is_int(sizeof(struct ai_sched_query), AI_SCHED_QUERY_SIZE_VER0,
	       "struct ai_sched_query is QUERY_SIZE_VER0 (56) bytes");
	LAYOUT(ai_sched_query, pid, 8);
	LAYOUT(ai_sched_query, gpu, 12);
	LAYOUT(ai_sched_query, boost_nice, 16);
	LAYOUT(ai_sched_query, own_nice, 20);
	LAYOUT(ai_sched_query, cur_nice, 24);
	LAYOUT(ai_sched_query, gpu_state, 28);
	LAYOUT(ai_sched_query, boosted, 32);
	LAYOUT(ai_sched_query, reg_flags, 36);
	LAYOUT(ai_sched_query, threads, 40);
	LAYOUT(ai_sched_query, boosted_threads, 44);
	LAYOUT(ai_sched_query, gpu_util, 48);
	LAYOUT(ai_sched_query, reserved, 52);

	/* Size-first structures: the numbers carry no size. */
	is_int(AI_MEM_IOC_ALLOC, 0xbb01, "AI_MEM_IOC_ALLOC number");
	is_int(AI_MEM_IOC_FREE, 0xbb02, "AI_MEM_IOC_FREE number");
	is_int(AI_MEM_IOC_INFO, 0xbb03, "AI_MEM_IOC_INFO number");
	is_int(AI_MEM_IOC_EXPORT, 0xbb04, "AI_MEM_IOC_EXPORT number");
	is_int(AI_MEM_IOC_BUF_INFO, 0xbb05, "AI_MEM_IOC_BUF_INFO number");
	is_int(AI_SCHED_IOC_MAGIC, 0xbd, "ai_sched magic 0xBD (0xBA is mainline's liveupdate)");
	is_int(AI_SCHED_IOC_REGISTER, 0xbd01, "AI_SCHED_IOC_REGISTER number");
	is_int(AI_SCHED_IOC_UNREGISTER, 0xbd02, "AI_SCHED_IOC_UNREGISTER number");
	is_int(AI_SCHED_IOC_SET_GPU_UTIL, 0xbd03, "AI_SCHED_IOC_SET_GPU_UTIL number");
	is_int(AI_SCHED_IOC_QUERY, 0xbd04, "AI_SCHED_IOC_QUERY number");
	return tap_done();
}
