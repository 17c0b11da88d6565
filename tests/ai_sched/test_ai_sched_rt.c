// SPDX-License-Identifier: GPL-2.0
/*
 * RT threads are never touched: a thread of a registered process that
 * switches itself between SCHED_FIFO and SCHED_OTHER in a tight loop while
 * the GPU flips between available and saturated is never demoted (ABI v1
 * passed a policy read outside the runqueue lock to sched_setattr_nocheck()
 * and demoted it, a few times in ~240k cycles); a thread that stays FIFO
 * keeps its policy and RT priority through every boost; all nices come back.
 */
#include <stdatomic.h>
#include "ai_sched_test.h"

static atomic_int stop, quit, parked, demoted, switches;
static atomic_int fifo_tid, flip_tid;

/* Stays SCHED_FIFO 2; checks it never loses it. */
static void *fifo_steady(void *arg)
{
	struct sched_param sp = { .sched_priority = 2 };

	fifo_tid = syscall(SYS_gettid);
	if (sched_setscheduler(0, SCHED_FIFO, &sp))
		return NULL;
	while (!stop) {
		if (sched_getscheduler(0) != SCHED_FIFO)
			demoted++;
		usleep(200);
	}
	parked++;
	while (!quit)
		usleep(1000);
	return NULL;
}

/* Switches itself to FIFO and back, as chrt or rtkit would. */
static void *fifo_flipper(void *arg)
{
	struct sched_param rt = { .sched_priority = 1 }, fair = { 0 };
	int i;

	flip_tid = syscall(SYS_gettid);
	while (!stop) {
		if (sched_setscheduler(0, SCHED_FIFO, &rt))
			return NULL;
		for (i = 0; i < 50; i++)
			if (sched_getscheduler(0) != SCHED_FIFO)
				demoted++;
		sched_setscheduler(0, SCHED_OTHER, &fair);
		switches++;
		sched_yield();
	}
	parked++;
	while (!quit)
		usleep(1000);
	return NULL;
}

int main(void)
{
	struct sched_param sp;
	pthread_t a, b;
	int fd = ai_open(), i, cycles = 0, bad_nice = 0;
	struct timespec t0, t;

	setpriority(PRIO_PROCESS, 0, 2);
	if (pthread_create(&a, NULL, fifo_steady, NULL) ||
	    pthread_create(&b, NULL, fifo_flipper, NULL)) {
		printf("Bail out! threads\n");
		return 1;
	}
	while (!fifo_tid || !flip_tid)
		usleep(1000);
	ok(ai_register(fd, 0, -7, 0) == 0, "REGISTER itself (3 threads: fair, FIFO, flipping)");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (i = 0; i < 50; i++) {
			ai_util(fd, 0, 10);
			ai_util(fd, 0, 99);
			cycles++;
		}
		if (nice_of(0) != 2)
			bad_nice++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < 4000);
	stop = 1;
	/* Both threads done switching: what follows must not race them. */
	while (parked < 2)
		usleep(1000);
	diag("%d boost/relax cycles, %d FIFO switches", cycles, switches);
	ok(cycles > 100 && switches > 100, "ran %d boost/relax cycles against %d FIFO switches",
	   cycles, switches);
	is_int(demoted, 0, "no FIFO thread was ever demoted");
	is_int(bad_nice, 0, "relaxed: the main thread is at its own nice every time");
	ai_util(fd, 0, 10);
	is_int(nice_of(0), -7, "boosted: the fair thread is at -7");
	ok(sched_getscheduler(fifo_tid) == SCHED_FIFO, "the FIFO thread is still FIFO");
	sched_getparam(fifo_tid, &sp);
	is_int(sp.sched_priority, 2, "with its RT priority 2");
	is_int(nice_of(fifo_tid), 2, "an RT thread's nice is never boosted");
	ok(ai_unregister(fd, 0) == 0, "UNREGISTER");
	is_int(nice_of(0), 2, "main thread back at 2");
	is_int(nice_of(flip_tid), 2, "the flipping thread back at 2");
	is_int(nice_of(fifo_tid), 2, "the FIFO thread at 2");
	quit = 1;
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	close(fd);
	return tap_done();
}
