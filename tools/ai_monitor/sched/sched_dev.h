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

struct ai_sched_query;

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
/* flags: AI_SCHED_REG_* (the agent, which closes the device, uses PERSIST). */
int sched_dev_register(struct sched_dev *d, pid_t pid, int nice, unsigned int gpu,
		       unsigned int flags);
int sched_dev_unregister(struct sched_dev *d, pid_t pid);
int sched_dev_query(struct sched_dev *d, pid_t pid, struct ai_sched_query *q);

#endif /* AI_MONITOR_SCHED_DEV_H */
