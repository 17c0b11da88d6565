/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sched_setattr(2)/sched_getattr(2) for the fair class's custom slice
 * (6.12+), shared by the ai_sched tests and the benchmark's feeder. glibc
 * 2.36 has no wrapper, and <linux/sched/types.h> cannot be included beside
 * <sched.h> there (both define struct sched_param): the uapi's layout
 * (SCHED_ATTR_SIZE_VER0), written out.
 */
#ifndef AI_SCHED_ATTR_H
#define AI_SCHED_ATTR_H

#include <sched.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <linux/types.h>

struct sched_attr0 {
	__u32 size, policy;
	__u64 flags;
	__s32 nice;
	__u32 prio;
	__u64 runtime, deadline, period;
};

/* The fair slice a thread asked for (ns), 0 if none or unsupported. */
static inline unsigned long long sched_slice_of(pid_t tid)
{
	struct sched_attr0 a = { 0 };

	if (syscall(SYS_sched_getattr, tid, &a, sizeof(a), 0))
		return 0;
	return a.runtime;
}

/* Ask for a fair slice of @ns for @tid, at nice @nice (6.1 ignores it). */
static inline int sched_set_slice(pid_t tid, int nice, unsigned long long ns)
{
	struct sched_attr0 a = { .size = sizeof(a), .policy = SCHED_OTHER,
				 .nice = nice, .runtime = ns };

	return syscall(SYS_sched_setattr, tid, &a, 0);
}

#endif
