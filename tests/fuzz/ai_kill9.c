// SPDX-License-Identifier: GPL-2.0
/*
 * ai_kill9 - processes killed with SIGKILL in the middle of ALLOC, mmap,
 * first touch and REGISTER (tests/cases/62-lifecycle.sh).
 *
 *   ai_kill9 user          loop ALLOC/mmap/touch/FREE and REGISTER/
 *                          UNREGISTER until killed
 *   ai_kill9 storm N SEED  N such users, each killed after a random
 *                          0-20 ms; then the pool must be whole and nothing
 *                          registered
 *
 * Every kill lands somewhere different in those paths; the invariants at
 * the end say whether each exit put everything back.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/ai_mem.h>
#include <linux/ai_sched.h>
#include "proc_key.h"
#include "tap.h"

static void user_loop(unsigned int seed)
{
	int mem = open("/dev/ai_mem", O_RDWR | O_CLOEXEC);
	int sched = open("/dev/ai_sched", O_RDWR | O_CLOEXEC);
	struct ai_sched_register r = { .size = sizeof(r), .nice = -5 };
	struct ai_sched_unregister u = { .size = sizeof(u) };
	struct ai_mem_alloc a = { .size = sizeof(a), .node = AI_MEM_NODE_ANY };
	struct ai_mem_free f = { .size = sizeof(f) };
	volatile char *p;
	__u64 i;

	srand(seed);
	for (;;) {
		if (sched >= 0) {
			ioctl(sched, AI_SCHED_IOC_REGISTER, &r);
			if (rand() & 1)
				ioctl(sched, AI_SCHED_IOC_UNREGISTER, &u);
		}
		if (mem < 0)
			continue;
		a.length = (__u64)(1 + rand() % 1024) << 12;
		if (ioctl(mem, AI_MEM_IOC_ALLOC, &a))
			continue;
		p = mmap(NULL, a.length, PROT_READ | PROT_WRITE, MAP_SHARED, mem, a.offset);
		if (p != MAP_FAILED) {
			for (i = 0; i < a.length; i += 4096)
				p[i] = 1;
			if (rand() & 1)
				munmap((void *)p, a.length);
		}
		f.offset = a.offset;
		ioctl(mem, AI_MEM_IOC_FREE, &f);
	}
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int storm(int n, unsigned int seed)
{
	struct ai_mem_info info = { .size = sizeof(info) };
	int i, mem, left, status, unclean = 0, whole;
	pid_t pid;

	time_t t0 = time(NULL);

	srand(seed);
	for (i = 0; i < n; i++) {
		pid = fork();
		if (pid < 0) {
			diag("fork: %s", strerror(errno));
			break;
		}
		if (!pid)
			user_loop(seed + i);
		sleep_us(rand() % 20000);
		kill(pid, SIGKILL);
		if (waitpid(pid, &status, 0) != pid ||
		    !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			unclean++;
	}
	diag("%d users in %ld s", i, (long)(time(NULL) - t0));
	ok(i == n && !unclean, "%d users killed with SIGKILL mid-operation (seed %u)", n, seed);
	/* Every user is reaped: its registration ended with it. */
	left = (int)proc_key("/proc/ai_scheduler", "AI Tasks:");
	ok(!left, "no registration outlives its process (AI Tasks: %d)", left);

	mem = open("/dev/ai_mem", O_RDONLY | O_CLOEXEC);
	whole = 0;
	for (i = 0; mem >= 0 && i < 150 && !whole; i++) {
		if (ioctl(mem, AI_MEM_IOC_INFO, &info))
			break;
		whole = info.free_blocks == info.total_blocks && !info.pending_blocks &&
			!info.user_blocks;
		if (!whole)
			sleep_us(100000);	/* pages pinned by the dead come back */
	}
	ok(whole, "the pool is whole again (%llu of %llu blocks free, %llu pending)",
	   (unsigned long long)info.free_blocks, (unsigned long long)info.total_blocks,
	   (unsigned long long)info.pending_blocks);
	if (mem >= 0)
		close(mem);
	return tap_done();
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "user"))
		user_loop(getpid());
	if (argc == 4 && !strcmp(argv[1], "storm"))
		return storm(atoi(argv[2]), strtoul(argv[3], NULL, 0));
	fprintf(stderr, "usage: ai_kill9 user | storm N SEED\n");
	return 2;
}
