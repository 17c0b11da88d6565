// SPDX-License-Identifier: GPL-2.0
/*
 * Bounded work: no ioctl waits behind work that grows with another
 * buffer's size, and no fault is one. Needs a pool of 2 GiB or more (twice
 * the buffer: argv[1] MiB for a smaller one, as the debug kernel runs it).
 *  1. Nothing we do in the kernel for a 1 GiB buffer keeps a CPU from
 *     rescheduling for long. A SCHED_FIFO thread on the same CPU is due
 *     to call INFO every 200 us (it sleeps in between); the latency of
 *     its INFO, from the moment it was due to its return, includes the
 *     longest stretch the other thread's kernel work ran without a chance
 *     to reschedule or held our spinlock (cyclictest's measure, plus the
 *     call). Its worst value while a 1 GiB buffer is freed, and while a
 *     process holding one is killed, must stay within 10x of the same on a
 *     CPU kept busy in user space (median of three trials each; all
 *     figures in the output). Everything runs on CPU 0: under
 *     single-threaded TCG two vCPUs never run at once.
 *     Under TCG the busy-CPU worst is already 3-5 ms (a timer tick and
 *     the emulator), so this catches a stretch of tens of milliseconds;
 *     a free that holds the pool lock over all 262144 pages measured
 *     2.5-2.8x here, the batched one 0.5-1.1x (docs/ai_mem.md).
 *  2. kill -9 during the first touch (MADV_POPULATE_WRITE) of a 1 GiB
 *     mapping ends the process in a small fraction of the full populate
 *     time.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>

#include "ai_mem_test.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define GIB		(1ULL << 30)
/* The buffer freed, killed and populated: 1 GiB unless argv[1] (MiB) says. */
static uint64_t buf = GIB;
static char buf_name[32] = "1 GiB";
#define TRIALS		3

/*
 * The phase being measured: [ph_start, ph_end], ph_end 0 while it lasts.
 * A probe call counts when it overlaps the phase (in_phase()), even if it
 * only returned after it: a FREE that never lets the probe run delays that
 * call past its end, and its whole wait must count.
 */
static volatile double ph_start, ph_end;
static volatile long probe_seq;
static volatile int probe_stop;
static double max_info, max_alloc;
static long samples;	/* INFO calls that overlapped the phase */

/*
 * Whether a call due at @due that returned at @t overlapped the phase, and
 * if so how long of it the phase saw: a call due just before the phase
 * whose wake-up a FREE then held back counts too.
 */
static int in_phase(double due, double t, double *lat)
{
	double s = ph_start, e = ph_end;

	if (s <= 0 || t < s || (e != 0 && due > e))
		return 0;
	*lat = t - (due > s ? due : s);
	return 1;
}

static void worst(double *max, double v)
{
	if (v > *max)
		*max = v;
}

static void *probe(void *arg)
{
	int fd = *(int *)arg;
	struct ai_mem_info info;
	double due, woke, t, lat, sleep_s = 200e-6;
	uint64_t off;
	int in;

	while (!probe_stop) {
		due = ai_now() + sleep_s;
		usleep((useconds_t)(sleep_s * 1e6));
		woke = ai_now();
		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		ioctl(fd, AI_MEM_IOC_INFO, &info);
		t = ai_now();
		in = in_phase(due, t, &lat);
		if (in) {
			worst(&max_info, lat);
			samples++;
		}
		if (!ai_alloc(fd, PG, -1, 0, &off))
			ai_free(fd, off);
		if (in)
			worst(&max_alloc, ai_now() - t);
		/*
		 * A SCHED_FIFO thread on the CPU everything else is pinned to
		 * must leave it most of the time: where its own calls are slow
		 * (milliseconds on the debug kernel) it sleeps four times as
		 * long as they took from its wake-up (at most 50 ms, to keep
		 * sampling), or it starved the rest (RT throttling leaves 5%)
		 * and the populate below never ended.
		 */
		sleep_s = 4 * (ai_now() - woke);
		if (sleep_s < 200e-6)
			sleep_s = 200e-6;
		if (sleep_s > 50e-3)
			sleep_s = 50e-3;
		probe_seq++;
	}
	return NULL;
}

static void pin_cpu(pthread_t th, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(th, sizeof(set), &set))
		diag("cannot pin to CPU %d", cpu);
}

static void spin(double secs)
{
	double end = ai_now() + secs;

	while (ai_now() < end)
		;
}

/*
 * The buffer on @fd, every page of it faulted in writable, then
 * unmapped: used, as far as FREE and exit can tell (it goes back dirty, to
 * be zeroed). MADV_POPULATE_WRITE makes the same faults as writing every
 * page, without a memset of it all that TCG emulates a byte at a time.
 */
static int dirty_buf(int fd, uint64_t *off)
{
	char *p;

	if (ai_alloc(fd, buf, -1, 0, off))
		return -1;
	p = ai_map(fd, *off, buf);
	if (p == MAP_FAILED)
		return -1;
	if (madvise(p, buf, MADV_POPULATE_WRITE))
		memset(p, 0x77, buf);
	munmap(p, buf);
	return 0;
}

enum { BASE, FREE_BUF, KILL_OWNER, NR_PHASES };
static const char *const phase_name[] = {
	"busy machine", "FREE of the buffer", "kill -9 of the buffer's owner",
};

static void run_phase(int phase, int fd, double *res)
{
	int pfd[2];
	uint64_t off = 0;
	pid_t pid = 0;
	long seq;
	int i;
	char c;

	if (phase == FREE_BUF && dirty_buf(fd, &off))
		diag("cannot set up %s: %s", buf_name, strerror(errno));
	if (phase == KILL_OWNER) {
		if (pipe(pfd))
			return;
		pid = fork();
		if (!pid) {
			int cfd = ai_open();

			c = dirty_buf(cfd, &off) ? 'n' : 'y';
			if (write(pfd[1], &c, 1) != 1)
				_exit(1);
			pause();
			_exit(0);
		}
		if (read(pfd[0], &c, 1) != 1 || c != 'y')
			diag("owner could not set up %s", buf_name);
		close(pfd[0]);
		close(pfd[1]);
	}
	max_info = max_alloc = 0;
	samples = 0;
	ph_end = 0;
	ph_start = ai_now();
	switch (phase) {
	case BASE:
		spin(0.3);
		break;
	case FREE_BUF:
		ai_free(fd, off);
		break;
	case KILL_OWNER:
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		ai_wait_pool_full(30);
		break;
	}
	ph_end = ai_now();
	/* The call due last in the phase may still be on its way (1 s at most). */
	seq = probe_seq;
	for (i = 0; probe_seq < seq + 2 && i < 1000; i++)
		usleep(1000);
	ph_start = 0;
	res[0] = max_info;
	res[1] = max_alloc;
	res[2] = samples;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median3(double *v)
{
	qsort(v, TRIALS, sizeof(*v), cmp_double);
	return v[TRIALS / 2];
}

static void test_latency(void)
{
	double res[NR_PHASES][TRIALS][3], info[NR_PHASES][TRIALS];
	struct sched_param sp = { .sched_priority = 10 };
	int fd = ai_open(), pfd = ai_open(), t, ph, unsampled;
	double base;
	pthread_t th;

	pin_cpu(pthread_self(), 0);
	if (pthread_create(&th, NULL, probe, &pfd)) {
		skip("cannot start the probe thread", "INFO latency checks");
		return;
	}
	pin_cpu(th, 0);
	if (pthread_setschedparam(th, SCHED_FIFO, &sp))
		diag("cannot make the probe SCHED_FIFO");
	for (t = 0; t < TRIALS; t++) {
		for (ph = 0; ph < NR_PHASES; ph++) {
			run_phase(ph, fd, res[ph][t]);
			info[ph][t] = res[ph][t][0];
			diag("trial %d, %s: worst INFO latency from due time %.0f us; worst ALLOC+FREE %.0f us (%.0f INFO calls)",
			     t + 1, phase_name[ph], res[ph][t][0] * 1e6,
			     res[ph][t][1] * 1e6, res[ph][t][2]);
		}
	}
	probe_stop = 1;
	pthread_join(th, NULL);
	base = median3(info[BASE]);
	for (ph = 1; ph < NR_PHASES; ph++) {
		double m = median3(info[ph]);

		/* A phase no probe call overlapped measured nothing. */
		for (t = unsampled = 0; t < TRIALS; t++)
			unsampled += !res[ph][t][2];
		if (unsampled) {
			skip("in some trial no INFO call overlapped it (it was shorter than the probe's period)",
			     "INFO latency during %s (%s)", phase_name[ph], buf_name);
			continue;
		}
		ok(base > 0 && m <= 10 * base,
		   "INFO latency during %s (%s): %.0f us, %.2fx the busy CPU's %.0f us",
		   phase_name[ph], buf_name, m * 1e6, base > 0 ? m / base : 0, base * 1e6);
	}
	close(fd);
	close(pfd);
}

/*
 * A child maps our buffer and populates it; returns how long the
 * populate took (kill_after < 0) or how long the child took to die after a
 * SIGKILL sent kill_after seconds into it.
 */
static double populate_child(int fd, uint64_t off, double kill_after)
{
	int pfd[2];
	double t;
	pid_t pid;
	char c;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (!pid) {
		char *p = ai_map(fd, off, buf);

		if (p == MAP_FAILED || write(pfd[1], "s", 1) != 1)
			_exit(1);
		_exit(madvise(p, buf, MADV_POPULATE_WRITE) ? 2 : 0);
	}
	if (read(pfd[0], &c, 1) != 1)
		return -1;
	t = ai_now();
	if (kill_after >= 0) {
		usleep((useconds_t)(kill_after * 1e6));
		t = ai_now();
		kill(pid, SIGKILL);
	}
	waitpid(pid, NULL, 0);
	close(pfd[0]);
	close(pfd[1]);
	return ai_now() - t;
}

static void test_kill_populate(void)
{
	int fd = ai_open();
	double full, died;
	uint64_t off = 0;

	if (!ok(!ai_alloc(fd, buf, -1, 0, &off), "ALLOC %s", buf_name))
		return;
	full = populate_child(fd, off, -1);
	diag("populating %s takes %.3f s", buf_name, full);
	died = populate_child(fd, off, full / 10);
	ok(full > 0 && died < full / 2,
	   "kill -9 %.0f%% into the first touch: dead after %.3f s (%.2fx of a full populate)",
	   10.0, died, died / full);
	ai_free(fd, off);
	close(fd);
}

int main(int argc, char **argv)
{
	int fd = ai_open();
	struct ai_mem_info info = ai_info(fd);

	close(fd);
	if (argc > 1) {
		buf = strtoull(argv[1], NULL, 0) << 20;
		snprintf(buf_name, sizeof(buf_name), "%s MiB", argv[1]);
	}
	if (!buf || info.pool_bytes < 2 * buf) {
		skip("pool smaller than twice the buffer", "bounded-work checks");
		return tap_done();
	}
	test_latency();
	test_kill_populate();
	ok(ai_wait_pool_full(30), "pool full at the end");
	return tap_done();
}
