// SPDX-License-Identifier: GPL-2.0
/*
 * ai_failunload - fail each allocation a module's unload makes, one at a
 * time, with live state for the exit path to tear down
 * (tests/cases/61-faultinj.sh, debug kernel).
 *
 *   ai_failunload sched AI_SCHED.ko   three processes registered PERSIST
 *                                     (two boosted, one of them with three
 *                                     threads; one on a GPU never reported),
 *                                     a GPU entry, and a second probe (an
 *                                     ftrace event) on each tracepoint ours
 *                                     use, so that tracepoint_probe_unregister
 *                                     must allocate the smaller probe array
 *   ai_failunload mem AI_MEM.ko       blocks pending (a pipe holds vmspliced
 *                                     pages of a freed buffer), dirty blocks
 *                                     for the zero worker, and those pending
 *                                     blocks charged to user 65534
 *
 * For N = 1, 2, ... (fail-nth, failnth.h; a kernel without it gets the
 * plain run only, which 61-faultinj does not ask for): load the module
 * and build the state unarmed, arm N, delete_module(), disarm; until an
 * unload completes with nothing injected. An unload cannot fail once the exit function
 * runs, so every injected failure must be absorbed: the module gone, and
 * nothing behind: every nice back (ai_sched), the pool's pages back in the
 * buddy allocator, the pipe still reading its own bytes after the unload,
 * the charge gone from the user's locked_vm (the next load lets user 65534
 * ALLOC its whole RLIMIT_MEMLOCK again; a process of that user lives
 * through the sweep so that its user_struct, and the count, does too).
 * An unload that is refused instead must leave the module working, and a
 * later one must succeed. kmemleak's scan at the end of the run
 * (tests/vm/init) then finds what an unwound path did not free.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/ai_mem.h>
#include <linux/ai_sched.h>
#include "proc_key.h"
#include "tap.h"
#include "failnth.h"

#define PG		4096UL
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct unload {
	const char *name;	/* the module */
	const char *what;	/* its live state, for the TAP line */
	int kofd;
	const char *params;
	/* Before each load (optional). */
	void (*pre_load)(struct unload *u);
	/* Builds the live state on a fresh load; NULL or why it could not. */
	const char *(*setup)(struct unload *u);
	/* An unload was refused: the module must still work; NULL or why not. */
	const char *(*check_loaded)(struct unload *u);
	/* After the unload: nothing may be left behind; NULL or why. */
	const char *(*check_gone)(struct unload *u);
	/* At least one allocation must be swept (the state makes exit allocate). */
	int must_alloc;
};

static int module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return !access(path, F_OK);
}

static int load(struct unload *u)
{
	return syscall(SYS_finit_module, u->kofd, u->params, 0) ? -errno : 0;
}

static int unload(struct unload *u)
{
	return syscall(SYS_delete_module, u->name, O_NONBLOCK) ? -errno : 0;
}

static void sweep_unload(struct unload *u)
{
	int n, rc, left, absorbed = 0, refused = 0, bad = 0;
	time_t t0 = time(NULL);
	const char *why;

	for (n = 1; n <= MAX_NTH; n++) {
		if (u->pre_load)
			u->pre_load(u);
		rc = load(u);
		if (rc) {
			diag("rmmod %s: load for run %d: %s", u->name, n, strerror(-rc));
			bad++;
			break;
		}
		why = u->setup(u);
		if (why) {
			diag("rmmod %s: run %d: setting up: %s", u->name, n, why);
			bad++;
			unload(u);
			break;
		}
		nth_arm(n);
		rc = unload(u);
		left = nth_disarm();
		if (rc) {
			refused++;
			why = !module_loaded(u->name) ? "the unload failed, yet the module is gone" :
			      u->check_loaded(u);
			if (why)
				diag("rmmod %s: allocation %d failed the unload (%s), then: %s",
				     u->name, n, strerror(-rc), why);
			bad += !!why;
			rc = unload(u);
			if (rc) {
				diag("rmmod %s: a later unload fails too: %s", u->name,
				     strerror(-rc));
				bad++;
				break;
			}
		} else if (!left) {
			absorbed++;
		}
		why = module_loaded(u->name) ? "the module is still loaded" : u->check_gone(u);
		if (why) {
			diag("rmmod %s: %s %d: %s", u->name,
			     left ? "with nothing injected, run" : "after allocation", n, why);
			bad++;
		}
		if (left)
			break;
	}
	if (n > MAX_NTH) {
		diag("rmmod %s: still injecting after %d allocations", u->name, MAX_NTH);
		bad++;
	}
	diag("rmmod %s: %d runs in %ld s", u->name, n, (long)(time(NULL) - t0));
	if (u->must_alloc && n == 1) {
		diag("rmmod %s: its exit allocated nothing: is the stack filter set?", u->name);
		bad++;
	}
	ok(!bad, "rmmod %s with %s: each of its %d allocations fails cleanly (%d absorbed, %d refused the unload and a later one worked)",
	   u->name, u->what, n - 1, absorbed, refused);
}

/* ---- ai_sched ------------------------------------------------------- */

#define OWN_NICE	3
#define NR_PETS		3

static const char *const tp_events[] = {
	"task/task_newtask", "sched/sched_process_exit", "sched/sched_process_exec",
};

static int tp_events_set(int on)
{
	char path[128];
	unsigned int i;
	int done = 0, fd;

	for (i = 0; i < ARRAY_SIZE(tp_events); i++) {
		snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s/enable",
			 tp_events[i]);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0 && write(fd, on ? "1" : "0", 1) == 1)
			done++;
		if (fd >= 0)
			close(fd);
	}
	return done;
}

struct sched_state {
	pid_t pet[NR_PETS];
	int nice[NR_PETS];	/* boost asked for; 0: GPU 1, never reported */
};

static struct sched_state ss;

static void *idle_thread(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

/* pet 1 has two threads more: each of them is boosted and restored */
static pid_t make_pet(int threads)
{
	pthread_t th;
	pid_t pid = fork();
	int i;

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	setpriority(PRIO_PROCESS, 0, OWN_NICE);
	for (i = 0; i < threads; i++)
		pthread_create(&th, NULL, idle_thread, NULL);
	for (;;)
		pause();
}

/* Each thread of @pid at nice @want? NULL or what differs. */
static const char *threads_at(pid_t pid, int want)
{
	static char why[128];
	struct dirent *de;
	char path[64];
	DIR *d;
	int n = 0, bad = 0, nice = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	while (d && (de = readdir(d))) {
		int tid = atoi(de->d_name);

		if (tid <= 0)
			continue;
		errno = 0;
		nice = getpriority(PRIO_PROCESS, tid);
		n++;
		if (errno || nice != want) {
			bad++;
			break;
		}
	}
	if (d)
		closedir(d);
	if (!n || bad) {
		snprintf(why, sizeof(why), "pet %d: %s nice %d, want %d", pid,
			 n ? "a thread at" : "no thread,", nice, want);
		return why;
	}
	return NULL;
}

static const char *sched_setup(struct unload *u)
{
	struct ai_sched_gpu_util g = { .size = sizeof(g), .gpu = 0, .util = 10 };
	const char *why = NULL;
	int fd, i, tries;

	fd = open("/dev/ai_sched", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return "open /dev/ai_sched fails";
	if (ioctl(fd, AI_SCHED_IOC_SET_GPU_UTIL, &g))
		why = "SET_GPU_UTIL fails";
	for (i = 0; i < NR_PETS && !why; i++) {
		struct ai_sched_register r = {
			.size = sizeof(r), .flags = AI_SCHED_REG_PERSIST,
			.pid = ss.pet[i], .nice = ss.nice[i] ? ss.nice[i] : -3,
			.gpu = ss.nice[i] ? 0 : 1,
		};

		if (ioctl(fd, AI_SCHED_IOC_REGISTER, &r))
			why = "REGISTER PERSIST fails";
	}
	/* The registrations outlive the descriptor: no module reference left. */
	close(fd);
	for (tries = 0; tries < 100 && !why; tries++) {
		for (i = 0; i < NR_PETS; i++)
			if (threads_at(ss.pet[i], ss.nice[i] ? ss.nice[i] : OWN_NICE))
				break;
		if (i == NR_PETS)
			return NULL;
		usleep(10000);
	}
	return why ? why : "the boosts did not apply";
}

static const char *sched_check_loaded(struct unload *u)
{
	long rows = proc_key("/proc/ai_scheduler", "AI Tasks:");

	if (rows != NR_PETS)
		return "AI Tasks is not 3 any more";
	return threads_at(ss.pet[0], ss.nice[0]);
}

static const char *sched_check_gone(struct unload *u)
{
	const char *why;
	int i;

	if (!access("/proc/ai_scheduler", F_OK) || !access("/dev/ai_sched", F_OK))
		return "/proc/ai_scheduler or /dev/ai_sched is left behind";
	for (i = 0; i < NR_PETS; i++) {
		why = threads_at(ss.pet[i], OWN_NICE);
		if (why)
			return why;
	}
	return NULL;
}

static int run_sched(int kofd)
{
	struct unload u = {
		.name = "ai_sched", .kofd = kofd, .params = "",
		.what = "3 processes registered PERSIST (4 threads boosted), a GPU reported",
		.setup = sched_setup, .check_loaded = sched_check_loaded,
		.check_gone = sched_check_gone,
	};
	int i, probes;

	if (module_loaded(u.name)) {
		printf("Bail out! %s is loaded already\n", u.name);
		return 1;
	}
	ss.pet[0] = make_pet(0);
	ss.nice[0] = -5;
	ss.pet[1] = make_pet(2);
	ss.nice[1] = -7;
	ss.pet[2] = make_pet(0);
	ss.nice[2] = 0;		/* GPU 1: unknown, so not boosted */
	usleep(100000);		/* their own nices are set */
	probes = tp_events_set(1);
	if (probes == 3) {
		u.must_alloc = nth_fd >= 0;
		u.what = "3 processes registered PERSIST (4 threads boosted), a GPU reported, a second probe on each tracepoint";
	} else {
		diag("ftrace events of our tracepoints: %d of 3 enabled; unregistering may allocate nothing",
		     probes);
	}
	sweep_unload(&u);
	tp_events_set(0);
	for (i = 0; i < NR_PETS; i++) {
		kill(ss.pet[i], SIGKILL);
		waitpid(ss.pet[i], NULL, 0);
	}
	return tap_done();
}

/* ---- ai_mem -------------------------------------------------------- */

#define MEM_UID		65534
#define LIMIT_BLOCKS	16	/* the user's RLIMIT_MEMLOCK */
#define SPLICED		4	/* pages the pipe holds */

struct mem_state {
	long free_before;	/* free pages before the load */
	pid_t holder;		/* the child holding the pipe */
	int to_holder;		/* "unloaded": read the pipe now */
	int from_holder;	/* "ready" */
	pid_t keeper;		/* keeps uid 65534's user_struct alive */
};

static struct mem_state ms;
static long max_drop;	/* the largest drop of free pages over a load+unload */

/* Free pages: the buddy lists and the per-CPU lists, as 20-ai_mem-load counts. */
static long free_pages(void)
{
	char line[256];
	long n = 0, v;
	FILE *f = fopen("/proc/zoneinfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, " nr_free_pages %ld", &v) == 1 ||
		    sscanf(line, " count: %ld", &v) == 1)
			n += v;
	if (f)
		fclose(f);
	return n;
}

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 13 + 7 + (i >> 12));
}

/* Exit codes of the holder, for the parent's diagnostics. */
enum { H_OK, H_SETUP, H_EDQUOT, H_SPLICE, H_SYNC, H_DATA };

static const char *const holder_why[] = {
	[H_SETUP] = "open, setuid or mmap fails",
	[H_EDQUOT] = "user 65534 cannot ALLOC its whole RLIMIT_MEMLOCK: the last unload left a charge in locked_vm",
	[H_SPLICE] = "vmsplice fails",
	[H_SYNC] = "the parent went away",
	[H_DATA] = "the pipe read back bytes that are not the buffer's after the unload",
};

/*
 * The holder: as user 65534 with RLIMIT_MEMLOCK of LIMIT_BLOCKS, ALLOC all
 * of it, write it, vmsplice SPLICED pages into a pipe, unmap, FREE (SPLICED
 * pending and charged, the rest dirty), close; then, once the parent has
 * unloaded the module, read the pipe back. @check_only: ALLOC and go.
 */
static void holder(int in, int out, int check_only)
{
	struct rlimit lim = { LIMIT_BLOCKS * PG, LIMIT_BLOCKS * PG };
	struct ai_mem_alloc a = { .size = sizeof(a), .length = LIMIT_BLOCKS * PG,
				  .node = AI_MEM_NODE_ANY };
	struct ai_mem_free f = { .size = sizeof(f) };
	unsigned char *p, buf[SPLICED * PG];
	struct iovec iov;
	int fd, pfd[2];
	size_t i, got;
	ssize_t n;
	char c = 'r';

	fd = open("/dev/ai_mem", O_RDWR | O_CLOEXEC);
	if (fd < 0 || setrlimit(RLIMIT_MEMLOCK, &lim) || setgroups(0, NULL) ||
	    setgid(MEM_UID) || setuid(MEM_UID))
		_exit(H_SETUP);
	if (ioctl(fd, AI_MEM_IOC_ALLOC, &a))
		_exit(errno == EDQUOT ? H_EDQUOT : H_SETUP);
	f.offset = a.offset;
	if (check_only) {
		ioctl(fd, AI_MEM_IOC_FREE, &f);
		_exit(H_OK);
	}
	p = mmap(NULL, a.length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, a.offset);
	if (p == MAP_FAILED || pipe(pfd))
		_exit(H_SETUP);
	for (i = 0; i < a.length; i++)
		p[i] = pattern(i);
	iov.iov_base = p;
	iov.iov_len = SPLICED * PG;
	if (vmsplice(pfd[1], &iov, 1, SPLICE_F_NONBLOCK) != SPLICED * PG)
		_exit(H_SPLICE);
	munmap(p, a.length);
	if (ioctl(fd, AI_MEM_IOC_FREE, &f))
		_exit(H_SETUP);
	close(fd);
	if (write(out, &c, 1) != 1 || read(in, &c, 1) != 1)
		_exit(H_SYNC);
	for (got = 0; got < sizeof(buf); got += n) {
		n = read(pfd[0], buf + got, sizeof(buf) - got);
		if (n <= 0)
			_exit(H_DATA);
	}
	for (i = 0; i < sizeof(buf); i++)
		if (buf[i] != pattern(i))
			_exit(H_DATA);
	_exit(H_OK);
}

static pid_t start_holder(int check_only, int *to, int *from)
{
	int down[2], up[2];
	pid_t pid;

	if (pipe(down) || pipe(up))
		return -1;
	pid = fork();
	if (!pid) {
		close(down[1]);
		close(up[0]);
		holder(down[0], up[1], check_only);
	}
	close(down[0]);
	close(up[1]);
	*to = down[1];
	*from = up[0];
	return pid;
}

/* The holder's verdict; NULL: it exited 0. */
static const char *holder_done(pid_t pid)
{
	static char why[64];
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return "the holder is lost";
	if (WIFEXITED(st) && WEXITSTATUS(st) < ARRAY_SIZE(holder_why))
		return WEXITSTATUS(st) ? holder_why[WEXITSTATUS(st)] : NULL;
	snprintf(why, sizeof(why), "the holder died: wait status %#x", st);
	return why;
}

static const char *mem_setup(struct unload *u)
{
	const char *why;
	char c;

	ms.holder = start_holder(0, &ms.to_holder, &ms.from_holder);
	if (ms.holder < 0)
		return "fork fails";
	if (read(ms.from_holder, &c, 1) == 1) {
		if (proc_key("/proc/ai_memory", "Pending Blocks:") == SPLICED)
			return NULL;
		why = "the pipe's pages are not pending";
	} else {
		why = holder_done(ms.holder);
		ms.holder = 0;
	}
	close(ms.to_holder);
	close(ms.from_holder);
	if (ms.holder)
		holder_done(ms.holder);
	return why ? why : "the holder failed";
}

static const char *mem_check_loaded(struct unload *u)
{
	if (proc_key("/proc/ai_memory", "Pending Blocks:") != SPLICED)
		return "the pending blocks are gone while the module stays";
	return NULL;
}

static const char *mem_check_gone(struct unload *u)
{
	static char why[160];
	const char *w;
	char c = 'u';
	long after;

	if (!access("/proc/ai_memory", F_OK) || !access("/dev/ai_mem", F_OK))
		return "/proc/ai_memory or /dev/ai_mem is left behind";
	/* After the unload, the pipe reads its own bytes; then it is closed. */
	w = write(ms.to_holder, &c, 1) == 1 ? holder_done(ms.holder) : "the holder is gone";
	close(ms.to_holder);
	close(ms.from_holder);
	if (w)
		return w;
	after = free_pages();
	if (ms.free_before - after > max_drop)
		max_drop = ms.free_before - after;
	if (ms.free_before - after >= 512) {
		snprintf(why, sizeof(why), "the pool's pages are not back: %ld pages free before the load, %ld after",
			 ms.free_before, after);
		return why;
	}
	return NULL;
}

static void mem_pre_load(struct unload *u)
{
	ms.free_before = free_pages();
}

static int run_mem(int kofd)
{
	struct unload u = {
		.name = "ai_mem", .kofd = kofd, .params = "pool_mb=4",
		.what = "4 blocks pending in a pipe and charged to user 65534, 12 dirty",
		.pre_load = mem_pre_load, .setup = mem_setup,
		.check_loaded = mem_check_loaded, .check_gone = mem_check_gone,
	};
	const char *why;
	int to, from;
	pid_t pid;

	if (module_loaded(u.name)) {
		printf("Bail out! %s is loaded already\n", u.name);
		return 1;
	}
	ms.keeper = fork();
	if (!ms.keeper) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (setgid(MEM_UID) || setuid(MEM_UID))
			_exit(1);
		for (;;)
			pause();
	}
	sweep_unload(&u);
	diag("free pages dropped by %ld at most over a load and unload (the pool: %lu pages)",
	     max_drop, 4UL << 20 >> 12);
	/* The last unload's uncharge, seen by a fresh load. */
	if (load(&u)) {
		ok(0, "ai_mem loads again after the sweep: %s", strerror(errno));
	} else {
		pid = start_holder(1, &to, &from);
		why = pid > 0 ? holder_done(pid) : "fork fails";
		close(to);
		close(from);
		ok(!why && !unload(&u),
		   "after the sweep, user 65534 ALLOCs its whole RLIMIT_MEMLOCK again (%d blocks): no charge left behind%s%s",
		   LIMIT_BLOCKS, why ? ": " : "", why ? why : "");
	}
	kill(ms.keeper, SIGKILL);
	waitpid(ms.keeper, NULL, 0);
	return tap_done();
}

int main(int argc, char **argv)
{
	int kofd;

	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (nth_fd < 0)
		diag("no /proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION): %s; one plain unload only",
		     strerror(errno));
	if (argc != 3 || (strcmp(argv[1], "sched") && strcmp(argv[1], "mem"))) {
		fprintf(stderr, "usage: ai_failunload sched AI_SCHED.ko | mem AI_MEM.ko\n");
		return 2;
	}
	kofd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (kofd < 0) {
		printf("Bail out! %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	return !strcmp(argv[1], "sched") ? run_sched(kofd) : run_mem(kofd);
}
