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

	is_int(sizeof(struct ai_sched_task), 16, "struct ai_sched_task is 16 bytes");
	LAYOUT(ai_sched_task, pid, 0);
	LAYOUT(ai_sched_task, nice, 4);
	LAYOUT(ai_sched_task, gpu, 8);
	LAYOUT(ai_sched_task, flags, 12);

	is_int(sizeof(struct ai_sched_gpu_util), 16, "struct ai_sched_gpu_util is 16 bytes");
	LAYOUT(ai_sched_gpu_util, util, 4);
	LAYOUT(ai_sched_gpu_util, reserved, 8);

	is_int(sizeof(struct ai_sched_task_gpu), 16, "struct ai_sched_task_gpu is 16 bytes");
	LAYOUT(ai_sched_task_gpu, reserved, 4);
	LAYOUT(ai_sched_task_gpu, gpu_busy_ns, 8);

	/* Size-first structures: the numbers carry no size. */
	is_int(AI_MEM_IOC_ALLOC, 0xbb01, "AI_MEM_IOC_ALLOC number");
	is_int(AI_MEM_IOC_FREE, 0xbb02, "AI_MEM_IOC_FREE number");
	is_int(AI_MEM_IOC_INFO, 0xbb03, "AI_MEM_IOC_INFO number");
	is_int(AI_SCHED_IOC_REGISTER, 0x4010ba01, "AI_SCHED_IOC_REGISTER number");
	is_int(AI_SCHED_IOC_UNREGISTER, 0x4004ba02, "AI_SCHED_IOC_UNREGISTER number");
	is_int(AI_SCHED_IOC_SET_GPU_UTIL, 0x4010ba03, "AI_SCHED_IOC_SET_GPU_UTIL number");
	is_int(AI_SCHED_IOC_SET_TASK_GPU, 0x4010ba04, "AI_SCHED_IOC_SET_TASK_GPU number");
	return tap_done();
}
