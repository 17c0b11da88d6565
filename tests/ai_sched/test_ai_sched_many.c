// SPDX-License-Identifier: GPL-2.0
/*
 * A full table: max_tasks (1024; the debug kernel's run loads 256) processes
 * registered, the next one refused
 * with ENOSPC, all of them boosted and relaxed together, no periodic work
 * with a full table (no tick; a report that changes nothing walks nothing),
 * and the table emptied by their death alone.
 */
#include "ai_sched_test.h"

#define MAX_N 1024

static pid_t kids[MAX_N + 1];
static int N;

static int count_nice(int n, int want)
{
	int i, c = 0;

	for (i = 0; i < n; i++)
		c += nice_of(kids[i]) == want;
	return c;
}

int main(void)
{
	int fd = ai_open(), i, fails = 0;
	struct timespec t0, t1;
	char v[256];
	double ms;

	N = ai_param("max_tasks");
	/* kids[7] is re-registered below. */
	if (N < 8 || N > MAX_N) {
		printf("Bail out! needs max_tasks between 8 and %d, not %d\n", MAX_N, N);
		return 1;
	}
	for (i = 0; i <= N; i++) {
		kids[i] = fork();
		if (kids[i] < 0) {
			printf("Bail out! fork %d: %s\n", i, strerror(errno));
			return 1;
		}
		if (!kids[i]) {
			for (;;)
				pause();
		}
	}
	ok(ai_util(fd, 0, 40) == 0, "util 40%%");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < N; i++)
		fails += ai_register(fd, kids[i], -5, 0) != 0;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	is_int(fails, 0, "REGISTER %d processes (%.1f ms, %.1f us each)", N, ms, ms * 1e3 / N);
	ok(ai_proc_value("AI Tasks", v, sizeof(v)) && atoi(v) == N, "AI Tasks: %d", N);
	is_errno(ai_register(fd, kids[N], -5, 0), ENOSPC, "REGISTER number %d: ENOSPC", N + 1);
	ok(ai_register(fd, kids[7], -6, 0) == 0, "re-REGISTER in a full table updates in place");
	is_int(count_nice(N, -5), N - 1, "%d processes at the boost", N - 1);
	is_int(nice_of(kids[N]), 0, "the refused one is untouched");

	{
		char before[256] = "", after[256] = "";
		long long r0 = -1, r1 = -2;

		ai_proc_value("Events", before, sizeof(before));
		msleep(1000);
		ai_proc_value("Events", after, sizeof(after));
		ok(before[0] && !strcmp(before, after),
		   "no work at all for 1 s with %d registered (Events: %s)", N, after);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (i = 0; i < 100; i++)
			fails += ai_util(fd, 0, 40) != 0;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
		is_int(fails, 0, "100 reports that change nothing");
		ok(ms < 100 * 2.0, "they cost %.1f us each with %d registered (no walk)",
		   ms * 10, N);
		ai_proc_value("Events", after, sizeof(after));
		ok(sscanf(before, "runs %lld", &r0) == 1 &&
		   sscanf(after, "runs %lld", &r1) == 1 && r0 == r1,
		   "and queue no event work (Events: %s)", after);
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ok(ai_util(fd, 0, 95) == 0, "util 95%%: relax all");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	diag("relaxing %d processes took %.1f ms", N, ms);
	is_int(count_nice(N, 0), N, "all %d back at 0", N);
	ok(ai_util(fd, 0, 10) == 0, "util 10%%: boost all");
	is_int(count_nice(N, -5), N - 1, "all boosted again");

	for (i = 0; i <= N; i++)
		kill(kids[i], SIGKILL);
	for (i = 0; i <= N; i++)
		waitpid(kids[i], NULL, 0);
	wait_events(5);
	ok(ai_proc_value("AI Tasks", v, sizeof(v)) && atoi(v) == 0,
	   "all %d dropped by their exit events after SIGKILL (AI Tasks: %s)", N, v);
	close(fd);
	return tap_done();
}
