// SPDX-License-Identifier: GPL-2.0
/*
 * hog: spin on the CPU until killed (stress-ng is not in the test VM).
 *   ai_sched_hog N      N processes; killing the first one kills all
 *   ai_sched_hog -t N   one process of N threads (a registered hog, which
 *                       the benchmark registers as one process)
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>

static void *spin(void *arg)
{
	volatile unsigned long x = 1;

	for (;;)
		x = x * 6364136223846793005UL + 1;
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = argc > 2 && !strcmp(argv[1], "-t");
	int n = argc > 1 ? atoi(argv[argc - 1]) : 1, i;
	pthread_t t;

	for (i = 1; i < n; i++) {
		if (threads) {
			if (pthread_create(&t, NULL, spin, NULL))
				return 1;
			continue;
		}
		if (fork() == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == 1)
				return 0;
			break;
		}
	}
	spin(NULL);
	return 0;
}
