// SPDX-License-Identifier: GPL-2.0
/*
 * ai_sched_ctl: the ai_sched ioctls from the shell, for the in-VM cases and
 * the benchmark.
 *
 *   ai_sched_ctl register PID NICE [GPU]   persistent (AI_SCHED_REG_PERSIST:
 *                                          the command exits at once)
 *   ai_sched_ctl unregister PID
 *   ai_sched_ctl util GPU PERCENT
 *   ai_sched_ctl query PID                 "gpu G boost B own O cur C state S
 *                                          boosted X threads T held H"
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
	      "       util GPU PERCENT | query PID | threads N\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	struct ai_sched_register r = { .size = sizeof(r), .flags = AI_SCHED_REG_PERSIST };
	struct ai_sched_unregister u = { .size = sizeof(u) };
	struct ai_sched_gpu_util g = { .size = sizeof(g) };
	struct ai_sched_query q = { .size = sizeof(q) };
	unsigned long cmd;
	void *arg;
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
		r.pid = atoi(argv[2]);
		r.nice = atoi(argv[3]);
		r.gpu = argc == 5 ? strtoul(argv[4], NULL, 0) : 0;
		cmd = AI_SCHED_IOC_REGISTER;
		arg = &r;
	} else if (!strcmp(argv[1], "unregister") && argc == 3) {
		u.pid = atoi(argv[2]);
		cmd = AI_SCHED_IOC_UNREGISTER;
		arg = &u;
	} else if (!strcmp(argv[1], "util") && argc == 4) {
		g.gpu = strtoul(argv[2], NULL, 0);
		g.util = strtoul(argv[3], NULL, 0);
		cmd = AI_SCHED_IOC_SET_GPU_UTIL;
		arg = &g;
	} else if (!strcmp(argv[1], "query") && argc == 3) {
		q.pid = atoi(argv[2]);
		cmd = AI_SCHED_IOC_QUERY;
		arg = &q;
	} else {
		return usage();
	}
	fd = open("/dev/ai_sched", O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, cmd, arg)) {
		fprintf(stderr, "ai_sched_ctl %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (cmd == AI_SCHED_IOC_QUERY)
		printf("gpu %u boost %d own %d cur %d state %u boosted %u threads %u held %u\n",
		       q.gpu, q.boost_nice, q.own_nice, q.cur_nice, q.gpu_state, q.boosted,
		       q.threads, q.boosted_threads);
	close(fd);
	return 0;
}
