/* SPDX-License-Identifier: GPL-2.0 */
/*
 * failnth.h - the kernel's fail-nth for the fault-injection sweeps
 * (ai_failnth.c, ai_failunload.c): writing N to /proc/thread-self/fail-nth
 * fails the Nth allocation of this thread that failslab and
 * fail_page_alloc let through their filters (tests/cases/61-faultinj.sh
 * points them at the module area).
 */
#ifndef AI_FAILNTH_H
#define AI_FAILNTH_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Far more than any of our operations makes; reaching it is a failure. */
#define MAX_NTH		4096

/* -1: no fail-nth; nothing is ever injected (a plain run) */
static int nth_fd = -1;

static inline void nth_arm(int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", n);

	if (nth_fd >= 0 && pwrite(nth_fd, buf, len, 0) != len) {
		printf("Bail out! fail-nth: %s\n", strerror(errno));
		exit(1);
	}
}

/* Disarms; returns what was left of the count (0: a failure was injected). */
static inline int nth_disarm(void)
{
	char buf[16] = "";
	int left;

	if (nth_fd < 0)
		return 1;
	if (pread(nth_fd, buf, sizeof(buf) - 1, 0) < 0) {
		printf("Bail out! fail-nth: %s\n", strerror(errno));
		exit(1);
	}
	left = atoi(buf);
	nth_arm(0);
	return left;
}

#endif /* AI_FAILNTH_H */
