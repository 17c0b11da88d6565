/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ai_sched: a GPU-aware CPU priority booster for inference processes,
 * driven through /dev/ai_sched. ABI version 2; see docs/ai_sched.md.
 *
 * Every argument is a size-first extensible structure: its first __u32 is
 * the size the caller knows (sizeof the structure it was compiled with).
 * The kernel accepts any size from the first version's (the *_SIZE_VER0
 * constants) up to one page: a shorter tail reads as zeros, a longer one
 * must be all zeros or the call fails with E2BIG. So old binaries keep
 * working on new kernels, and new binaries on old kernels as long as they
 * leave new fields zero. Output structures are written back up to the
 * smaller of the two sizes. All fields are fixed-width and naturally
 * aligned, with no holes; reserved fields and unknown flag bits must be 0.
 *
 * The commands carry no size in their number (_IO): the size travels in the
 * structure. GPU indices are plain numbers; the module's max_gpus parameter
 * bounds them, nothing here does.
 */
#ifndef _UAPI_LINUX_AI_SCHED_H
#define _UAPI_LINUX_AI_SCHED_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * Not listed in Documentation/userspace-api/ioctl/ioctl-number.rst as of
 * the mainline table that carries 0xBA for LIVEUPDATE_IOCTL_TYPE (the 6.19
 * development cycle, checked 2026-12-02): 0xB8 and 0xBA are taken, 0xBB-0xBF
 * are not listed (0xBB is this project's ai_mem). Version 1 of this ABI
 * used 0xBA.
 */
#define AI_SCHED_IOC_MAGIC	0xBD

/* struct ai_sched_register::flags */
/*
 * The registration outlives the descriptor; it ends with the process.
 * Needs CAP_SYS_NICE (the agent).
 */
#define AI_SCHED_REG_PERSIST	(1U << 0)
/*
 * @pidfd is a pidfd (pidfd_open(2), clone3(CLONE_PIDFD)) for the process
 * @pid names: the registration is refused with ESRCH unless both name the
 * same process, so a pid number reused meanwhile cannot be registered.
 */
#define AI_SCHED_REG_PIDFD	(1U << 1)
#define AI_SCHED_REG_FLAGS	(AI_SCHED_REG_PERSIST | AI_SCHED_REG_PIDFD)

/**
 * struct ai_sched_register - argument of AI_SCHED_IOC_REGISTER
 * @size:     in: sizeof(struct ai_sched_register) as the caller knows it
 * @flags:    in: AI_SCHED_REG_*
 * @pid:      in: thread-group id in the caller's pid namespace; 0: the caller
 * @nice:     in: nice while boosted, -20..19; without CAP_SYS_NICE it must
 *            be one RLIMIT_NICE of the target allows, and >= min_nice
 * @gpu:      in: index of the GPU the process feeds, < max_gpus
 * @pidfd:    in: with AI_SCHED_REG_PIDFD, a pidfd of the same process;
 *            else 0
 */
struct ai_sched_register {
	__u32 size;
	__u32 flags;
	__s32 pid;
	__s32 nice;
	__u32 gpu;
	__s32 pidfd;
};
#define AI_SCHED_REGISTER_SIZE_VER0	24

/**
 * struct ai_sched_unregister - argument of AI_SCHED_IOC_UNREGISTER
 * @size:  in: sizeof(struct ai_sched_unregister)
 * @flags: in: 0
 * @pid:   in: thread-group id; 0: the caller
 * @reserved: in: 0
 */
struct ai_sched_unregister {
	__u32 size;
	__u32 flags;
	__s32 pid;
	__u32 reserved;
};
#define AI_SCHED_UNREGISTER_SIZE_VER0	16

/**
 * struct ai_sched_gpu_util - argument of AI_SCHED_IOC_SET_GPU_UTIL
 * @size:  in: sizeof(struct ai_sched_gpu_util)
 * @flags: in: 0
 * @gpu:   in: GPU index, < max_gpus
 * @util:  in: busy percent, 0..100
 */
struct ai_sched_gpu_util {
	__u32 size;
	__u32 flags;
	__u32 gpu;
	__u32 util;
};
#define AI_SCHED_GPU_UTIL_SIZE_VER0	16

/* struct ai_sched_query::gpu_state */
#define AI_SCHED_GPU_UNKNOWN	0	/* never reported, or stale */
#define AI_SCHED_GPU_AVAILABLE	1	/* under-fed: registered processes boosted */
#define AI_SCHED_GPU_SATURATED	2	/* busy: no boost */

/* struct ai_sched_query::reg_flags, besides AI_SCHED_REG_PERSIST */
#define AI_SCHED_QUERY_OWNED	(1U << 16)	/* registered through this fd */

/* struct ai_sched_query::gpu_util when the GPU was never reported */
#define AI_SCHED_UTIL_NONE	0xffffffffU

/**
 * struct ai_sched_query - argument of AI_SCHED_IOC_QUERY
 * @size:            in: sizeof(struct ai_sched_query); out: the kernel's
 * @flags:           in: 0
 * @pid:             in: thread-group id of a registered process; 0: caller
 * @gpu:             out: its GPU
 * @boost_nice:      out: the nice it gets while boosted
 * @own_nice:        out: the leader's own nice (what it returns to)
 * @cur_nice:        out: the leader's current nice
 * @gpu_state:       out: AI_SCHED_GPU_*
 * @boosted:         out: 1 while its threads are boosted, else 0
 * @reg_flags:       out: AI_SCHED_REG_PERSIST, AI_SCHED_QUERY_OWNED
 * @threads:         out: live threads
 * @boosted_threads: out: threads ai_sched holds at the boost nice now
 * @gpu_util:        out: last reported utilisation, or AI_SCHED_UTIL_NONE
 * @reserved:        out: 0
 */
struct ai_sched_query {
	__u32 size;
	__u32 flags;
	__s32 pid;
	__u32 gpu;
	__s32 boost_nice;
	__s32 own_nice;
	__s32 cur_nice;
	__u32 gpu_state;
	__u32 boosted;
	__u32 reg_flags;
	__u32 threads;
	__u32 boosted_threads;
	__u32 gpu_util;
	__u32 reserved;
};
#define AI_SCHED_QUERY_SIZE_VER0	56

#define AI_SCHED_IOC_REGISTER		_IO(AI_SCHED_IOC_MAGIC, 1)
#define AI_SCHED_IOC_UNREGISTER		_IO(AI_SCHED_IOC_MAGIC, 2)
#define AI_SCHED_IOC_SET_GPU_UTIL	_IO(AI_SCHED_IOC_MAGIC, 3)
#define AI_SCHED_IOC_QUERY		_IO(AI_SCHED_IOC_MAGIC, 4)

#endif /* _UAPI_LINUX_AI_SCHED_H */
