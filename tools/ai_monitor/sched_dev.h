/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Talking to /dev/ai_sched. The device is opened for each batch of ioctls
 * and closed again: an open file pins the module, and the agent must never
 * stand in the way of an rmmod (or notice too late that a new module was
 * loaded in its place).
 */
#ifndef AI_MONITOR_SCHED_DEV_H
#define AI_MONITOR_SCHED_DEV_H

#include <sys/types.h>

struct sched_dev {
	const char *path;
	int fd;			/* -1 between batches */
	/* Identity of the node at the last open: a change means a new module. */
	dev_t rdev;
	ino_t ino;
	long long ctime_ns;
	int generation;		/* bumped when the identity changes */
};

void sched_dev_init(struct sched_dev *d, const char *path);
/* 0 or -errno. */
int sched_dev_open(struct sched_dev *d);
void sched_dev_close(struct sched_dev *d);

/* The ioctls; each returns 0 or -errno. */
int sched_dev_set_util(struct sched_dev *d, unsigned int gpu, unsigned int util);
int sched_dev_register(struct sched_dev *d, pid_t pid, int nice, unsigned int gpu);
int sched_dev_unregister(struct sched_dev *d, pid_t pid);
int sched_dev_set_task_gpu(struct sched_dev *d, pid_t pid, unsigned long long busy_ns);

#endif /* AI_MONITOR_SCHED_DEV_H */
