// SPDX-License-Identifier: GPL-2.0
/*
 * ai_sched_ctl: the ai_sched ioctls from the shell, for the in-VM cases and
 * the benchmark.
 *
 *   ai_sched_ctl register PID NICE [GPU]
 *   ai_sched_ctl unregister PID
 *   ai_sched_ctl util GPU PERCENT
 *   ai_sched_ctl task-gpu PID BUSY_NS
 *   ai_sched_ctl threads N        start N sleeping threads, print the pid,
 *                                 sleep until killed
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/ai_sched.h>

static void *idle(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

static int usage(void)
{
	fputs("usage: ai_sched_ctl register PID NICE [GPU] | unregister PID |\n"
	      "       util GPU PERCENT | task-gpu PID BUSY_NS | threads N\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	unsigned long cmd;
	void *arg;
	struct ai_sched_task t = { 0 };
	struct ai_sched_gpu_util u = { 0 };
	struct ai_sched_task_gpu g = { 0 };
	__s32 pid;
	int fd;

	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "threads") && argc == 3) {
		pthread_t th;
		int i, n = atoi(argv[2]);

		for (i = 1; i < n; i++)
			pthread_create(&th, NULL, idle, NULL);
		printf("%d\n", getpid());
		fflush(stdout);
		idle(NULL);
	}
	if (!strcmp(argv[1], "register") && (argc == 4 || argc == 5)) {
		t.pid = atoi(argv[2]);
		t.nice = atoi(argv[3]);
		t.gpu = argc == 5 ? strtoul(argv[4], NULL, 0) : 0;
		cmd = AI_SCHED_IOC_REGISTER;
		arg = &t;
	} else if (!strcmp(argv[1], "unregister") && argc == 3) {
		pid = atoi(argv[2]);
		cmd = AI_SCHED_IOC_UNREGISTER;
		arg = &pid;
	} else if (!strcmp(argv[1], "util") && argc == 4) {
		u.gpu = strtoul(argv[2], NULL, 0);
		u.util = strtoul(argv[3], NULL, 0);
		cmd = AI_SCHED_IOC_SET_GPU_UTIL;
		arg = &u;
	} else if (!strcmp(argv[1], "task-gpu") && argc == 4) {
		g.pid = atoi(argv[2]);
		g.gpu_busy_ns = strtoull(argv[3], NULL, 0);
		cmd = AI_SCHED_IOC_SET_TASK_GPU;
		arg = &g;
	} else {
		return usage();
	}
	fd = open("/dev/ai_sched", O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, cmd, arg)) {
		fprintf(stderr, "ai_sched_ctl %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	close(fd);
	return 0;
}
