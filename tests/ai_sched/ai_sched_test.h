/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the ai_sched tests: the ioctls, a worker process whose
 * threads the test can count and renice, reading nice values and
 * /proc/ai_scheduler, waiting for the event work.
 */
#ifndef AI_SCHED_TEST_H
#define AI_SCHED_TEST_H

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/ai_sched.h>
#include "tap.h"

#define AI_DEV "/dev/ai_sched"
#define AI_PROC "/proc/ai_scheduler"

static inline int ai_register_f(int fd, pid_t pid, int nice, unsigned int gpu,
				unsigned int flags)
{
	struct ai_sched_register r = {
		.size = sizeof(r), .flags = flags, .pid = pid, .nice = nice, .gpu = gpu,
	};

	return ioctl(fd, AI_SCHED_IOC_REGISTER, &r);
}

static inline int ai_register(int fd, pid_t pid, int nice, unsigned int gpu)
{
	return ai_register_f(fd, pid, nice, gpu, 0);
}

static inline int ai_unregister(int fd, pid_t pid)
{
	struct ai_sched_unregister u = { .size = sizeof(u), .pid = pid };

	return ioctl(fd, AI_SCHED_IOC_UNREGISTER, &u);
}

static inline int ai_util(int fd, unsigned int gpu, unsigned int util)
{
	struct ai_sched_gpu_util u = { .size = sizeof(u), .gpu = gpu, .util = util };

	return ioctl(fd, AI_SCHED_IOC_SET_GPU_UTIL, &u);
}

static inline int ai_query(int fd, pid_t pid, struct ai_sched_query *q)
{
	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	q->pid = pid;
	return ioctl(fd, AI_SCHED_IOC_QUERY, q);
}

static inline int ai_open(void)
{
	int fd = open(AI_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("Bail out! open %s: %s\n", AI_DEV, strerror(errno));
		exit(1);
	}
	return fd;
}

/* The nice of one thread, or 99 if it is gone. */
static inline int nice_of(pid_t tid)
{
	int n;

	errno = 0;
	n = getpriority(PRIO_PROCESS, tid);
	return errno ? 99 : n;
}

static inline void msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Reads a module parameter, -1 on error. */
static inline long ai_param(const char *name)
{
	char path[128], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/ai_sched/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	if (buf[0] == 'Y')
		return 1;
	if (buf[0] == 'N')
		return 0;
	return strtol(buf, NULL, 10);
}

static inline int ai_set_param(const char *name, const char *val)
{
	char path[128];
	int fd, ok;

	snprintf(path, sizeof(path), "/sys/module/ai_sched/parameters/%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

/* Long enough for the event work (a workqueue item) to have run n times. */
static inline void wait_events(int n)
{
	msleep(100 * n + 50);
}

/*
 * /proc/ai_scheduler as one string (malloc'd), or NULL. The row of a pid:
 * ai_proc_row() copies it into buf and returns 1, 0 when absent.
 */
static inline char *ai_proc_read(void)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	ssize_t n;
	int fd;

	fd = open(AI_PROC, O_RDONLY);
	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	for (;;) {
		if (len + 4096 > cap) {
			char *nb = realloc(buf, cap *= 2);

			if (!nb)
				break;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += n;
	}
	buf[len] = 0;
	close(fd);
	return buf;
}

static inline int ai_proc_row(pid_t pid, char *out, size_t size)
{
	char *all = ai_proc_read(), *line, *save = NULL;
	int found = 0;

	if (!all)
		return 0;
	for (line = strtok_r(all, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (atoi(line) == pid && pid > 0) {
			snprintf(out, size, "%s", line);
			found = 1;
			break;
		}
	}
	free(all);
	return found;
}

/* The value of a "Key: value" header line, copied into out; 0 if absent. */
static inline int ai_proc_value(const char *key, char *out, size_t size)
{
	char *all = ai_proc_read(), *line, *save = NULL;
	size_t kl = strlen(key);
	int found = 0;

	if (!all)
		return 0;
	for (line = strtok_r(all, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			snprintf(out, size, "%s", line + kl + 2);
			found = 1;
			break;
		}
	}
	free(all);
	return found;
}

/*
 * A worker process: nthreads threads (the main one included) that sleep.
 * The parent gets their tids; writing 'T' to cmd makes it start one more
 * thread and report its tid, 'F' fork a child process and report its pid;
 * closing cmd ends it.
 */
struct worker {
	pid_t pid;
	int cmd, rep;
	int n;
	pid_t tid[16];
};

static void *worker_idle(void *arg)
{
	int wfd = (int)(long)arg;
	pid_t tid = syscall(SYS_gettid);

	if (write(wfd, &tid, sizeof(tid)) != sizeof(tid))
		_exit(3);
	for (;;)
		pause();
	return NULL;
}

static inline void worker_run(int cmd, int rep, int nthreads)
{
	pthread_t th;
	pid_t self = getpid();
	char c;
	int i;

	if (write(rep, &self, sizeof(self)) != sizeof(self))
		_exit(3);
	for (i = 1; i < nthreads; i++)
		if (pthread_create(&th, NULL, worker_idle, (void *)(long)rep))
			_exit(4);
	while (read(cmd, &c, 1) == 1) {
		if (c == 'T' && pthread_create(&th, NULL, worker_idle,
					       (void *)(long)rep))
			_exit(4);
		if (c == 'F' && fork() == 0) {
			/* A child process: reports its pid, sleeps. */
			self = getpid();
			if (write(rep, &self, sizeof(self)) != sizeof(self))
				_exit(3);
			for (;;)
				pause();
		}
	}
	_exit(0);
}

static inline int worker_start(struct worker *w, int nthreads)
{
	int c[2], r[2], i;

	if (pipe(c) || pipe(r))
		return -1;
	w->pid = fork();
	if (w->pid < 0)
		return -1;
	if (!w->pid) {
		close(c[1]);
		close(r[0]);
		worker_run(c[0], r[1], nthreads);
	}
	close(c[0]);
	close(r[1]);
	w->cmd = c[1];
	w->rep = r[0];
	for (i = 0; i < nthreads; i++)
		if (read(w->rep, &w->tid[i], sizeof(pid_t)) != sizeof(pid_t))
			return -1;
	w->n = nthreads;
	return 0;
}

static inline pid_t worker_new_thread(struct worker *w)
{
	pid_t tid;

	if (write(w->cmd, "T", 1) != 1 ||
	    read(w->rep, &tid, sizeof(tid)) != sizeof(tid))
		return -1;
	w->tid[w->n++] = tid;
	return tid;
}

/* A child process of the worker (forked by its main thread); kill it yourself. */
static inline pid_t worker_fork(struct worker *w)
{
	pid_t pid;

	if (write(w->cmd, "F", 1) != 1 ||
	    read(w->rep, &pid, sizeof(pid)) != sizeof(pid))
		return -1;
	return pid;
}

static inline void worker_kill(struct worker *w)
{
	if (w->pid <= 0)
		return;
	kill(w->pid, SIGKILL);
	waitpid(w->pid, NULL, 0);
	close(w->cmd);
	close(w->rep);
	w->pid = 0;
}

#endif /* AI_SCHED_TEST_H */
