/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the ai_mem test programs: raw ioctl wrappers (the tests
 * exercise the ABI itself, not libai) and /proc/ai_memory parsing.
 */
#ifndef AI_MEM_TEST_H
#define AI_MEM_TEST_H

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/ai_mem.h>

#include "tap.h"

#define AI_DEV		"/dev/ai_mem"
#define AI_PROC		"/proc/ai_memory"
#define AI_PARAM(p)	"/sys/module/ai_mem/parameters/" p
#define PG		4096UL

static sigjmp_buf sigbus_jmp;

static inline void on_sigbus(int sig)
{
	siglongjmp(sigbus_jmp, 1);
}

/* 1 if reading *p raises SIGBUS (a mapping whose blocks were freed). */
static inline int read_faults(volatile char *p)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	int faulted = 0;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(sigbus_jmp, 1))
		faulted = 1;
	else
		(void)*p;
	sigaction(SIGBUS, &old, NULL);
	return faulted;
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

/* ALLOC; returns 0 and the offset, or -1 with errno. */
static inline int ai_alloc(int fd, uint64_t length, int node, uint32_t flags,
			   uint64_t *offset)
{
	struct ai_mem_alloc a = {
		.size = sizeof(a), .flags = flags, .length = length,
		.node = node,
	};
	int ret = ioctl(fd, AI_MEM_IOC_ALLOC, &a);

	if (!ret && offset)
		*offset = a.offset;
	return ret;
}

static inline int ai_free(int fd, uint64_t offset)
{
	struct ai_mem_free f = { .size = sizeof(f), .offset = offset };

	return ioctl(fd, AI_MEM_IOC_FREE, &f);
}

static inline void *ai_map(int fd, uint64_t offset, size_t len)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    (off_t)offset);
}

static inline struct ai_mem_info ai_info(int fd)
{
	struct ai_mem_info info;

	memset(&info, 0xff, sizeof(info));
	info.size = sizeof(info);
	info.flags = 0;
	info.__reserved = 0;
	if (ioctl(fd, AI_MEM_IOC_INFO, &info))
		diag("INFO failed: %s", strerror(errno));
	return info;
}

/* The number after "KEY: " in /proc/ai_memory, or -1. */
static inline long long ai_proc_value(const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	long long v = -1;
	FILE *f = fopen(AI_PROC, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			v = strtoll(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* "Node N Blocks: T total, F free": F for node @nid, or -1. */
static inline long long ai_proc_node_free(int nid)
{
	char line[256];
	long long total, free = -1;
	int n;
	FILE *f = fopen(AI_PROC, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Node %d Blocks: %lld total, %lld free",
			   &n, &total, &free) == 3 && n == nid)
			break;
		else
			free = -1;
	fclose(f);
	return free;
}

static inline double ai_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Wait (up to @secs) for the pool to be entirely free again: blocks of a
 * dying process or of a released pin come back asynchronously.
 */
static inline int ai_wait_pool_full(double secs)
{
	double end = ai_now() + secs;
	long long total = ai_proc_value("Total Blocks");

	while (ai_proc_value("Free Blocks") != total) {
		if (ai_now() > end)
			return 0;
		usleep(20000);
	}
	return 1;
}

/* Exit status of a child, or -1 if it did not exit normally. */
static inline int reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static inline void ai_write_param(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, val, strlen(val)) < 0)
		diag("write %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

#endif /* AI_MEM_TEST_H */
