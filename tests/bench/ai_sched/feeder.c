// SPDX-License-Identifier: GPL-2.0
/*
 * feeder: mimics an inference process that keeps a GPU fed. Each iteration
 * waits for a simulated GPU step (a sleep), then does a short CPU burst
 * (a fixed amount of its own CPU time) to prepare the next launch. The
 * latency of an iteration is the time from the end of the GPU step to the
 * end of the burst: how long the GPU would sit idle waiting for this CPU.
 *
 *   ai_sched_feeder [-n ITER] [-s STEP_US] [-c BURST_US] [-b NICE] [-w MS]
 *                   [-f PRIO] [-r SLICE_US] [-l LABEL] [-o FILE]
 *
 * -b NICE registers the process with /dev/ai_sched at that boost nice first
 * (the agent's job in real life); -w MS waits that long after it before
 * measuring (the agent's group lever acts within one of its intervals).
 * -f PRIO runs the feeder at SCHED_FIFO PRIO (what an RT lever would give),
 * -r SLICE_US asks for that custom slice (sched_attr.sched_runtime, 6.12's
 * EEVDF: a short slice preempts on wake-up); both for comparison only.
 * -o appends every latency (us, one a line)
 * to FILE, so that interleaved runs can be pooled. Prints one line:
 *   LABEL n=N p50_us=.. p99_us=.. mean_us=.. max_us=..
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <linux/ai_sched.h>
#include "../../ai_sched/sched_attr.h"

static long long ns_of(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void burn(long long cpu_ns)
{
	long long end = ns_of(CLOCK_THREAD_CPUTIME_ID) + cpu_ns;
	volatile unsigned long x = 1;
	int i;

	do {
		for (i = 0; i < 2000; i++)
			x = x * 2862933555777941757UL + 3037000493UL;
	} while (ns_of(CLOCK_THREAD_CPUTIME_ID) < end);
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	long long step_us = 3000, burst_us = 1000, *lat, sum = 0;
	int n = 1000, boost = 100, wait_ms = 0, fifo = 0, opt, i;
	long long slice_us = 0;
	const char *label = "feeder", *raw = NULL;

	while ((opt = getopt(argc, argv, "n:s:c:b:w:f:r:l:o:")) != -1) {
		switch (opt) {
		case 'n':
			n = atoi(optarg);
			break;
		case 's':
			step_us = atoll(optarg);
			break;
		case 'c':
			burst_us = atoll(optarg);
			break;
		case 'b':
			boost = atoi(optarg);
			break;
		case 'w':
			wait_ms = atoi(optarg);
			break;
		case 'f':
			fifo = atoi(optarg);
			break;
		case 'r':
			slice_us = atoll(optarg);
			break;
		case 'l':
			label = optarg;
			break;
		case 'o':
			raw = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-n ITER] [-s STEP_US] [-c BURST_US] [-b NICE] [-w MS] [-f PRIO] [-r SLICE_US] [-l LABEL] [-o FILE]\n",
				argv[0]);
			return 2;
		}
	}
	if (n < 1)
		return 2;
	if (fifo) {
		struct sched_param sp = { .sched_priority = fifo };

		if (sched_setscheduler(0, SCHED_FIFO, &sp)) {
			perror("feeder: SCHED_FIFO");
			return 1;
		}
	}
	if (slice_us && sched_set_slice(0, 0, slice_us * 1000)) {
		perror("feeder: sched_runtime");
		return 1;
	}
	if (boost != 100) {
		struct ai_sched_register t = { .size = sizeof(t), .nice = boost };
		int fd = open("/dev/ai_sched", O_RDWR | O_CLOEXEC);

		if (fd < 0 || ioctl(fd, AI_SCHED_IOC_REGISTER, &t)) {
			fprintf(stderr, "feeder: register: %s\n", strerror(errno));
			return 1;
		}
		/* Kept open: the registration lasts as long as the descriptor. */
		usleep(wait_ms * 1000);
	}
	lat = calloc(n, sizeof(*lat));
	if (!lat)
		return 1;
	for (i = 0; i < n; i++) {
		long long start = ns_of(CLOCK_MONOTONIC);
		struct timespec ts = { step_us / 1000000, (step_us % 1000000) * 1000 };

		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
		burn(burst_us * 1000);
		lat[i] = ns_of(CLOCK_MONOTONIC) - (start + step_us * 1000);
		sum += lat[i];
	}
	if (raw) {
		FILE *f = fopen(raw, "a");

		if (!f) {
			perror(raw);
			return 1;
		}
		for (i = 0; i < n; i++)
			fprintf(f, "%lld\n", lat[i] / 1000);
		fclose(f);
	}
	qsort(lat, n, sizeof(*lat), cmp);
	printf("%s n=%d p50_us=%lld p99_us=%lld mean_us=%lld max_us=%lld\n", label, n,
	       lat[n / 2] / 1000, lat[(n * 99) / 100] / 1000, sum / n / 1000,
	       lat[n - 1] / 1000);
	free(lat);
	return 0;
}
