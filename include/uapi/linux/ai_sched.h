/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ai_sched: a GPU-aware CPU priority booster for inference processes,
 * driven through /dev/ai_sched.
 *
 * Every structure here has a fixed layout on all architectures: fixed-width
 * fields, natural alignment, explicit padding, no holes. Reserved fields must
 * be zero on input. Existing commands never change; new ones get new numbers.
 */
#ifndef _UAPI_LINUX_AI_SCHED_H
#define _UAPI_LINUX_AI_SCHED_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Free in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define AI_SCHED_IOC_MAGIC	0xBA

#define AI_SCHED_MAX_GPUS	16

/**
 * struct ai_sched_task - argument of AI_SCHED_IOC_REGISTER
 * @pid:   in: thread-group id; 0 means the caller's own process
 * @nice:  in: nice value while boosted, -20..19
 * @gpu:   in: index of the GPU the process feeds, < AI_SCHED_MAX_GPUS
 * @flags: in: 0 for now; unknown bits are rejected with -EINVAL
 */
struct ai_sched_task {
	__s32 pid;
	__s32 nice;
	__u32 gpu;
	__u32 flags;
};

/**
 * struct ai_sched_gpu_util - argument of AI_SCHED_IOC_SET_GPU_UTIL
 * @gpu:      GPU index, < AI_SCHED_MAX_GPUS
 * @util:     busy percent, 0..100
 * @reserved: must be 0
 */
struct ai_sched_gpu_util {
	__u32 gpu;
	__u32 util;
	__u64 reserved;
};

/**
 * struct ai_sched_task_gpu - argument of AI_SCHED_IOC_SET_TASK_GPU
 * @pid:          thread-group id of a registered process; 0: the caller
 * @reserved:     must be 0
 * @gpu_busy_ns:  GPU busy time the agent measured for the process since it
 *                started (e.g. the sum of the drm-engine-* figures in its
 *                /proc/<pid>/fdinfo), in nanoseconds; shown, never acted on
 */
struct ai_sched_task_gpu {
	__s32 pid;
	__u32 reserved;
	__u64 gpu_busy_ns;
};

#define AI_SCHED_IOC_REGISTER	  _IOW(AI_SCHED_IOC_MAGIC, 1, struct ai_sched_task)
/* The argument points to the __s32 pid to unregister (0: the caller). */
#define AI_SCHED_IOC_UNREGISTER	  _IOW(AI_SCHED_IOC_MAGIC, 2, __s32)
#define AI_SCHED_IOC_SET_GPU_UTIL _IOW(AI_SCHED_IOC_MAGIC, 3, struct ai_sched_gpu_util)
/* Added after the first three: needs CAP_SYS_ADMIN, like SET_GPU_UTIL. */
#define AI_SCHED_IOC_SET_TASK_GPU _IOW(AI_SCHED_IOC_MAGIC, 4, struct ai_sched_task_gpu)

#endif /* _UAPI_LINUX_AI_SCHED_H */
