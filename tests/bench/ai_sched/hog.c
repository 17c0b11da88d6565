// SPDX-License-Identifier: GPL-2.0
/*
 * hog: N processes that spin on the CPU until killed (stress-ng is not in
 * the test VM). Usage: ai_sched_hog N. Killing the first one kills all.
 */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/prctl.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1, i;
	volatile unsigned long x = 1;

	for (i = 1; i < n; i++)
		if (fork() == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == 1)
				return 0;
			break;
		}
	for (;;)
		x = x * 6364136223846793005UL + 1;
	return 0;
}
