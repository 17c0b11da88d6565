// SPDX-License-Identifier: GPL-2.0
/*
 * demo_infer - a stand-in for an inference server, for the demo and the
 * ai_monitor cases: it registers itself with ai_sched, keeps its buffers in
 * pinned memory from ai_mem (libai) and "runs" batches through libcuda.so.1
 * (the fixture library in the VM): each batch is some CPU work to prepare
 * the inputs, a few kernel launches and a stream synchronize.
 *
 * Every part is optional and degrades with a message, so the same binary
 * shows what happens with a module missing.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <linux/ai_sched.h>

#include "libai/libai.h"

/* The few driver API entry points we call, as cuda.h declares them. */
typedef int CUresult;
CUresult cuInit(unsigned int flags);
CUresult cuLaunchKernel(void *f, unsigned int gx, unsigned int gy, unsigned int gz,
			unsigned int bx, unsigned int by, unsigned int bz,
			unsigned int shmem, void *stream, void **params, void **extra);
CUresult cuStreamSynchronize(void *stream);

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: demo_infer [-r] [-N NICE] [-g GPU] [-m MB] [-b BATCHES/s] [-k K] [-t SEC] [-C NAME]\n"
		"  -r          register with ai_sched (AI_SCHED_IOC_REGISTER)\n"
		"  -N NICE     boost nice asked for (-5)\n"
		"  -g GPU      GPU index it feeds (0)\n"
		"  -m MB       pinned input/output buffers from ai_mem, in MiB (0: none)\n"
		"  -b RATE     batches per second (10; 0: no CUDA calls at all)\n"
		"  -k K        kernel launches per batch (4)\n"
		"  -t SEC      run this long (0: until SIGTERM/SIGINT)\n"
		"  -C NAME     process name\n");
}

static void sleep_until(struct timespec *t, long period_ns)
{
	t->tv_nsec += period_ns;
	while (t->tv_nsec >= 1000000000L) {
		t->tv_nsec -= 1000000000L;
		t->tv_sec++;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, t, NULL) == EINTR && !stop)
		;
}

int main(int argc, char **argv)
{
	struct ai_sched_register reg = { .size = sizeof(reg), .nice = -5 };
	long mb = 0, rate = 10, per_batch = 4, secs = 0, batches = 0, i;
	struct sigaction sa = { .sa_handler = on_signal };
	struct timespec next, end;
	unsigned char *buf = NULL;
	int do_register = 0, c, fd;

	while ((c = getopt(argc, argv, "rN:g:m:b:k:t:C:h")) != -1) {
		switch (c) {
		case 'r':
			do_register = 1;
			break;
		case 'N':
			reg.nice = atoi(optarg);
			break;
		case 'g':
			reg.gpu = atoi(optarg);
			break;
		case 'm':
			mb = atol(optarg);
			break;
		case 'b':
			rate = atol(optarg);
			break;
		case 'k':
			per_batch = atol(optarg);
			break;
		case 't':
			secs = atol(optarg);
			break;
		case 'C':
			prctl(PR_SET_NAME, optarg, 0, 0, 0);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || mb < 0 || rate < 0 || rate > 100000 || per_batch < 1 || secs < 0) {
		usage(stderr);
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	if (do_register) {
		fd = open("/dev/ai_sched", O_RDWR | O_CLOEXEC);
		if (fd < 0 || ioctl(fd, AI_SCHED_IOC_REGISTER, &reg))
			printf("demo_infer: not registered with ai_sched: %s\n", strerror(errno));
		else
			printf("demo_infer: pid %d registered with ai_sched (nice %d, GPU %u)\n",
			       getpid(), reg.nice, reg.gpu);
		/*
		 * The registration lasts as long as this descriptor: kept open
		 * (O_CLOEXEC) until the process exits.
		 */
	}
	if (mb) {
		buf = ai_alloc_pinned(mb << 20);
		if (!buf) {
			printf("demo_infer: no pinned buffers: %s\n", strerror(errno));
		} else {
			memset(buf, 0x5a, mb << 20);
			printf("demo_infer: %ld MiB of pinned buffers from ai_mem at %p\n", mb, (void *)buf);
		}
	}
	if (rate && cuInit(0)) {
		printf("demo_infer: cuInit failed, no launches\n");
		rate = 0;
	}
	fflush(stdout);

	clock_gettime(CLOCK_MONOTONIC, &next);
	end = next;
	end.tv_sec += secs;
	while (!stop) {
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (secs && (now.tv_sec > end.tv_sec ||
			     (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec)))
			break;
		if (!rate) {
			sleep_until(&next, 100000000L);
			continue;
		}
		/* "Preprocessing": touch the input buffer, as a tokenizer would. */
		if (buf)
			for (i = 0; i < (mb << 20); i += 4096)
				buf[i]++;
		for (i = 0; i < per_batch; i++)
			cuLaunchKernel(NULL, 1, 1, 1, 32, 1, 1, 0, NULL, NULL, NULL);
		cuStreamSynchronize(NULL);
		batches++;
		sleep_until(&next, 1000000000L / rate);
	}
	ai_free_pinned(buf);
	printf("demo_infer: pid %d done, %ld batches\n", getpid(), batches);
	return 0;
}
