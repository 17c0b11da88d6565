// SPDX-License-Identifier: GPL-2.0
/* The /dev/ai_sched ioctls (sched_dev.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/ai_sched.h>

#include "sched_dev.h"

void sched_dev_init(struct sched_dev *d, const char *path)
{
	memset(d, 0, sizeof(*d));
	d->path = path;
	d->fd = -1;
}

int sched_dev_open(struct sched_dev *d)
{
	struct stat st;
	long long ct;

	if (d->fd >= 0)
		return 0;
	d->fd = open(d->path, O_RDWR | O_CLOEXEC);
	if (d->fd < 0)
		return -errno;
	if (!fstat(d->fd, &st)) {
		ct = st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec;
		if (st.st_rdev != d->rdev || st.st_ino != d->ino || ct != d->ctime_ns) {
			d->rdev = st.st_rdev;
			d->ino = st.st_ino;
			d->ctime_ns = ct;
			d->generation++;
		}
	}
	return 0;
}

void sched_dev_close(struct sched_dev *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

static int do_ioctl(struct sched_dev *d, unsigned long cmd, void *arg)
{
	if (d->fd < 0)
		return -EBADF;
	return ioctl(d->fd, cmd, arg) ? -errno : 0;
}

int sched_dev_set_util(struct sched_dev *d, unsigned int gpu, unsigned int util)
{
	struct ai_sched_gpu_util u = { .size = sizeof(u), .gpu = gpu, .util = util };

	return do_ioctl(d, AI_SCHED_IOC_SET_GPU_UTIL, &u);
}

int sched_dev_register(struct sched_dev *d, pid_t pid, int nice, unsigned int gpu,
		       unsigned int flags)
{
	struct ai_sched_register r = {
		.size = sizeof(r), .flags = flags, .pid = pid, .nice = nice, .gpu = gpu,
	};

	return do_ioctl(d, AI_SCHED_IOC_REGISTER, &r);
}

int sched_dev_unregister(struct sched_dev *d, pid_t pid)
{
	struct ai_sched_unregister u = { .size = sizeof(u), .pid = pid };

	return do_ioctl(d, AI_SCHED_IOC_UNREGISTER, &u);
}

int sched_dev_query(struct sched_dev *d, pid_t pid, struct ai_sched_query *q)
{
	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	q->pid = pid;
	return do_ioctl(d, AI_SCHED_IOC_QUERY, q);
}
