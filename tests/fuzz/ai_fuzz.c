// SPDX-License-Identifier: GPL-2.0
/*
 * ai_fuzz - an ABI-aware fuzzer for /dev/ai_mem and /dev/ai_sched.
 *
 *   ai_fuzz [-s SEED] [-n OPS] [-t SECONDS] [-p PROCS] [-j THREADS] [-d]
 *           [-u UID[:GID]] [-b BLOCKDEV|none] [-T TRACEFILE]
 *
 * PROCS worker processes of THREADS threads each run their share of OPS
 * random operations (ioctls with random, borderline and garbage arguments,
 * mmap family calls on ai_mem mappings, page touches, process_vm_readv,
 * vmsplice and O_DIRECT on the mappings (fuzz_gup.c; O_DIRECT on BLOCKDEV,
 * /dev/ram0 by default, skipped where it cannot be opened), fork + kill -9,
 * dup, SCM_RIGHTS, close racing an ioctl), each thread from its own generator
 * seeded from SEED, so a run's operation sequence per thread is reproducible
 * from the printed seed (their interleaving is not; -d -p 1 -j 1, with no
 * fork and no close race, repeats a whole run errno for errno). Any ioctl errno outside
 * the documented set of its command, an errno other than the one the ABI
 * prescribes for a defect, a SIGBUS on a live buffer or a non-zero first read
 * is a failure. At the end, TAP: the pool is whole again, nothing is charged
 * to the user any more, ai_sched holds no registration, and every process
 * alive before and after has its nice back.
 *
 * -u: the workers (and main, after its snapshot) run as UID:GID with no
 * capability, RLIMIT_MEMLOCK 8 MiB (Debian's default) and RLIMIT_NICE 25
 * (nice -5 at best); the errno oracles are then an unprivileged caller's:
 * SET_GPU_UTIL EPERM, REGISTER of init or PERSIST or below min_nice EPERM,
 * below the RLIMIT_NICE floor EACCES, no ALLOC over RLIMIT_MEMLOCK, INFO's
 * limit the rlimit. The case gives the device nodes to GID for the run.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <sched.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <linux/fs.h>
#include "proc_key.h"
#include "tap.h"
#include "fuzz.h"

struct fz_shared *fz;
long fz_pool_blocks;
int fz_nr_nodes = 1;
int fz_forks = 1;
int fz_unpriv;
long fz_memlock_blocks;
int fz_min_nice = -10;
int fz_nice_floor = -20;
int fz_dio_fd = -1;
uint64_t fz_dio_region;
__thread sigjmp_buf *fz_jmp;

/* -T: every counted result, in order, to find where two -d runs part */
static int trace_fd = -1;

static const char *const cmd_name[C_NR] = {
	"ALLOC", "FREE", "INFO", "mem-badcmd", "EXPORT", "BUF_INFO", "REGISTER", "UNREGISTER",
	"SET_GPU_UTIL", "QUERY", "sched-badcmd", "mmap", "munmap", "mremap",
	"mprotect", "madvise", "touch", "process_vm", "vmsplice", "O_DIRECT",
	"fork", "dup", "scm_rights",
	"close-race",
};

uint64_t fz_rand(struct fz_thread *t)
{
	/* splitmix64 */
	uint64_t z = (t->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

double fz_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void fz_fail(struct fz_thread *t, const char *fmt, ...)
{
	unsigned int i = __atomic_fetch_add(&fz->nmsg, 1, __ATOMIC_RELAXED);
	va_list ap;

	__atomic_fetch_add(&fz->failures, 1, __ATOMIC_RELAXED);
	if (i >= FZ_NMSG)
		return;
	/* vsnprintf does not allocate for these formats: safe after fork */
	va_start(ap, fmt);
	snprintf(fz->msg[i], FZ_MSGLEN, "thread %d%s: ", t->id,
		 t->child ? " (child)" : "");
	vsnprintf(fz->msg[i] + strlen(fz->msg[i]),
		  FZ_MSGLEN - strlen(fz->msg[i]), fmt, ap);
	va_end(ap);
}

int fz_count_(enum fz_cmd c, long rv, int err)
{
	int e = rv == -1 ? err : 0;

	if (trace_fd >= 0)
		dprintf(trace_fd, "%s %d\n", cmd_name[c], e);

	__atomic_fetch_add(&fz->count[c][e > 0 && e < FZ_NERR ? e : 0],
			   1, __ATOMIC_RELAXED);
	return e;
}

int fz_check_(struct fz_thread *t, enum fz_cmd c, long rv, int err,
	      const int *allowed, int want)
{
	int e = fz_count_(c, rv, err);
	const int *a;

	if (want != FZ_ANY && e != want) {
		fz_fail(t, "%s: errno %d (%s), the ABI says %d (%s)", cmd_name[c],
			e, e ? strerror(e) : "success", want,
			want ? strerror(want) : "success");
		return e;
	}
	if (!e || e == want)
		return e;
	for (a = allowed; *a; a++)
		if (*a == e)
			return e;
	fz_fail(t, "%s: errno %d (%s) is not documented for it", cmd_name[c],
		e, strerror(e));
	return e;
}

static void on_fault(int sig)
{
	if (fz_jmp)
		siglongjmp(*fz_jmp, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

void fz_thread_init(struct fz_thread *t)
{
	int i;

	for (i = 0; i < FZ_FDS; i++) {
		t->memfd[i] = -1;
		fz_open_mem(t, i);
	}
	t->schedfd = open("/dev/ai_sched", O_RDWR | O_CLOEXEC);
	t->petfd = t->deadfd = -1;
	t->splice.pipe[0] = t->splice.pipe[1] = -1;
	t->splice.alloc = t->splice.parent_alloc = -1;
}

void fz_run_ops(struct fz_thread *t)
{
	while (t->ops_left-- > 0 && fz_now() < t->deadline) {
		unsigned int r = fz_below(t, 100);

		/* a child killed between the two adds never makes a run exceed -n */
		if (t->child)
			__atomic_fetch_add(&fz->child_ops[t->id % FZ_MAXTHREADS], 1,
					   __ATOMIC_RELAXED);
		__atomic_fetch_add(&fz->ops, 1, __ATOMIC_RELAXED);
		if (r < 55)
			fz_mem_op(t);
		else if (r < 85)
			fz_sched_op(t);
		else
			fz_proc_op(t);
	}
}

static int nthreads = 2;
static uint64_t seed;

struct thr_arg {
	struct fz_thread t;
	pthread_t th;
};

static void *thread_main(void *p)
{
	struct fz_thread *t = &((struct thr_arg *)p)->t;

	fz_thread_init(t);
	fz_run_ops(t);
	fz_splice_drain(t);
	fz_thread_fini(t);
	return NULL;
}

static void worker(int w, long ops, double deadline)
{
	struct thr_arg *ta = calloc(nthreads, sizeof(*ta));
	int i;

	for (i = 0; i < nthreads; i++) {
		ta[i].t.id = w * nthreads + i;
		ta[i].t.rng = seed ^ (0x632be59bd9b4e019ULL * (ta[i].t.id + 1));
		ta[i].t.ops_left = ops;
		ta[i].t.deadline = deadline;
	}
	for (i = 1; i < nthreads; i++)
		pthread_create(&ta[i].th, NULL, thread_main, &ta[i]);
	thread_main(&ta[0]);
	for (i = 1; i < nthreads; i++)
		pthread_join(ta[i].th, NULL);
	_exit(0);
}

/* Rows of the /proc/ai_scheduler table (lines after the PID header). */
static int sched_rows(void)
{
	char line[512];
	int rows = -1;
	FILE *f = fopen("/proc/ai_scheduler", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (rows >= 0 && line[0] >= '0' && line[0] <= '9')
			rows++;
		else if (!strncmp(line, "PID", 3))
			rows = 0;
	}
	fclose(f);
	return rows < 0 ? 0 : rows;
}

#define MAX_SNAP 4096
struct nice_snap {
	int pid;
	int nice;
	int policy;
	unsigned long long start;
};

static unsigned long long start_time(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long long st = 0;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	if (p) {
		/* field 22 is starttime; p points at the end of field 2 */
		for (i = 2; i < 22 && p; i++)
			p = strchr(p + 1, ' ');
		if (p)
			st = strtoull(p + 1, NULL, 10);
	}
	fclose(f);
	return st;
}

/* Every task (threads too) with its nice and start time. */
static int snapshot(struct nice_snap *s)
{
	DIR *d = opendir("/proc"), *td;
	struct dirent *de, *te;
	char path[300];
	int n = 0;

	while (d && (de = readdir(d)) && n < MAX_SNAP) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task", de->d_name);
		td = opendir(path);
		while (td && (te = readdir(td)) && n < MAX_SNAP) {
			int tid = atoi(te->d_name);

			if (tid <= 0)
				continue;
			errno = 0;
			s[n].nice = getpriority(PRIO_PROCESS, tid);
			if (errno)
				continue;
			s[n].pid = tid;
			s[n].policy = sched_getscheduler(tid);
			s[n].start = start_time(tid);
			n++;
		}
		if (td)
			closedir(td);
	}
	if (d)
		closedir(d);
	return n;
}

#define FZ_MEMLOCK	(8UL << 20)	/* -u: RLIMIT_MEMLOCK, Debian's default */
#define FZ_RLIMIT_NICE	25		/* -u: nice -5 at best */
#define FZ_DIO_MAX	(128UL << 10)	/* O_DIRECT bytes per thread at most */

/* The O_DIRECT device, opened here so that -u's workers inherit it. */
static void open_dio(const char *path)
{
	uint64_t bytes = 0;
	char why[160];

	if (!strcmp(path, "none"))
		return;
	fz_dio_fd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (fz_dio_fd < 0 || ioctl(fz_dio_fd, BLKGETSIZE64, &bytes) ||
	    bytes / 32 < 4096) {
		snprintf(why, sizeof(why), "%s: %s (the case loads brd for it)", path,
			 fz_dio_fd < 0 ? strerror(errno) : "not a block device of 128 KiB or more");
		skip(why, "O_DIRECT into and out of ai_mem mappings");
		if (fz_dio_fd >= 0)
			close(fz_dio_fd);
		fz_dio_fd = -1;
		return;
	}
	fz_dio_region = bytes / 32 < FZ_DIO_MAX ? bytes / 32 & ~4095ULL : FZ_DIO_MAX;
	diag("O_DIRECT on %s: %llu KiB, %llu KiB per thread", path,
	     (unsigned long long)bytes >> 10, (unsigned long long)fz_dio_region >> 10);
}

/* CapEff of this process, or -1. */
static long long cap_eff(void)
{
	char line[256];
	long long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapEff:", 7))
			v = strtoll(line + 7, NULL, 16);
	if (f)
		fclose(f);
	return v;
}

/* -u: become UID:GID with the limits the oracles assume. 1: done. */
static int drop_privileges(uid_t uid, gid_t gid)
{
	struct rlimit lock = { FZ_MEMLOCK, FZ_MEMLOCK };
	struct rlimit nice = { FZ_RLIMIT_NICE, FZ_RLIMIT_NICE };
	long mn = proc_key("/sys/module/ai_sched/parameters/min_nice", "");
	int mem, sched;

	if (setrlimit(RLIMIT_MEMLOCK, &lock) || setrlimit(RLIMIT_NICE, &nice) ||
	    setgroups(0, NULL) || setgid(gid) || setuid(uid))
		return ok(0, "become uid %u gid %u: %s", uid, gid, strerror(errno));
	fz_memlock_blocks = FZ_MEMLOCK / 4096;
	fz_nice_floor = 20 - FZ_RLIMIT_NICE;
	if (mn >= -20 && mn <= 19)
		fz_min_nice = mn;
	if (!ok(getuid() == uid && geteuid() == uid && getgid() == gid && !cap_eff(),
		"running as uid %u gid %u, no capability (CapEff %llx), RLIMIT_MEMLOCK %lu KiB, RLIMIT_NICE %d, min_nice %d",
		uid, gid, cap_eff(), FZ_MEMLOCK >> 10, FZ_RLIMIT_NICE, fz_min_nice))
		return 0;
	mem = open("/dev/ai_mem", O_RDWR | O_CLOEXEC);
	sched = open("/dev/ai_sched", O_RDWR | O_CLOEXEC);
	if (!ok(mem >= 0 && sched >= 0, "uid %u opens /dev/ai_mem and /dev/ai_sched for writing (%s)",
		uid, mem >= 0 && sched >= 0 ? "through the nodes' group" : strerror(errno)))
		return 0;
	close(mem);
	close(sched);
	return 1;
}

static void report(double secs)
{
	int c, e;

	diag("%lu ops in %.1f s: %.0f ops/s; %lu SIGBUS on freed buffers",
	     fz->ops, secs, fz->ops / (secs > 0 ? secs : 1), fz->sigbus);
	for (c = 0; c < C_NR; c++) {
		char line[1024];
		int n = snprintf(line, sizeof(line), "%-12s", cmd_name[c]);

		for (e = 0; e < FZ_NERR; e++)
			if (fz->count[c][e])
				n += snprintf(line + n, sizeof(line) - n, " %s=%lu",
					      !e ? "ok" : c == C_TOUCH ?
					      sigabbrev_np(e) : strerrorname_np(e),
					      fz->count[c][e]);
		diag("%s", line);
	}
}

int main(int argc, char **argv)
{
	static struct nice_snap before[MAX_SNAP], after[MAX_SNAP];
	int procs = 3, nb, na, i, j, opt, changed = 0, rows, fd_info;
	long ops = 20000, total, free_b = -1;
	double secs = 0, t0, deadline;
	struct sigaction sa = { .sa_handler = on_fault };
	const char *dio_path = "/dev/ram0", *uopt = NULL;
	unsigned int uid = 0, gid = 0;
	struct ai_mem_info in;
	pid_t *pids;

	seed = (uint64_t)time(NULL);
	while ((opt = getopt(argc, argv, "s:n:t:p:j:du:b:T:")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			ops = atol(optarg);
			break;
		case 't':
			secs = atof(optarg);
			break;
		case 'p':
			procs = atoi(optarg);
			break;
		case 'j':
			nthreads = atoi(optarg);
			break;
		case 'd':
			fz_forks = 0;
			break;
		case 'u':
			uopt = optarg;
			fz_unpriv = sscanf(optarg, "%u:%u", &uid, &gid);
			if (fz_unpriv == 1)
				gid = uid;
			if (fz_unpriv < 1 || !uid)
				return 2;
			break;
		case 'b':
			dio_path = optarg;
			break;
		case 'T':
			trace_fd = open(optarg, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			break;
		default:
			fprintf(stderr, "usage: %s [-s SEED] [-n OPS] [-t SECONDS] [-p PROCS] [-j THREADS] [-d] [-u UID[:GID]] [-b BLOCKDEV|none] [-T TRACE]\n",
				argv[0]);
			return 2;
		}
	}
	if (procs < 1 || nthreads < 1 || ops < 0)
		return 2;
	diag("ai_fuzz -s %llu -n %ld -t %g -p %d -j %d%s%s%s -b %s", (unsigned long long)seed,
	     ops, secs, procs, nthreads, fz_forks ? "" : " -d", uopt ? " -u " : "",
	     uopt ? uopt : "", dio_path);
	if (secs > 0 && ops == 0)
		ops = 1L << 50;	/* -n 0 -t S: time only */
	/*
	 * -d: one CPU, so one NUMA node. AI_MEM_NODE_ANY starts at the
	 * caller's node, and which node's blocks a run took moves later
	 * STRICT_NODE ENOMEMs: two runs on different CPUs parted that way.
	 */
	if (!fz_forks) {
		cpu_set_t set;

		if (!sched_getaffinity(0, sizeof(set), &set)) {
			for (i = 0; i < CPU_SETSIZE && !CPU_ISSET(i, &set); i++)
				;
			CPU_ZERO(&set);
			CPU_SET(i, &set);
			sched_setaffinity(0, sizeof(set), &set);
		}
	}
	fz = mmap(NULL, sizeof(*fz), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fz == MAP_FAILED)
		return 1;
	fz_pool_blocks = proc_key("/proc/ai_memory", "Total Blocks:");
	if (!ok(fz_pool_blocks > 0, "ai_mem is loaded (%ld blocks)", fz_pool_blocks))
		return tap_done();
	{
		struct ai_mem_info in = { .size = sizeof(in) };
		int fd = open("/dev/ai_mem", O_RDONLY);

		if (fd >= 0 && !ioctl(fd, AI_MEM_IOC_INFO, &in))
			fz_nr_nodes = in.nr_nodes;
		if (fd >= 0)
			close(fd);
	}
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	nb = snapshot(before);
	open_dio(dio_path);
	if (fz_unpriv && !drop_privileges(uid, gid))
		return tap_done();

	t0 = fz_now();
	deadline = secs > 0 ? t0 + secs : 1e300;
	total = procs * nthreads;
	pids = calloc(procs, sizeof(*pids));
	for (i = 0; i < procs; i++) {
		pids[i] = fork();
		if (!pids[i])
			worker(i, (ops + total - 1) / total, deadline);
	}
	for (i = 0; i < procs; i++) {
		int st;

		waitpid(pids[i], &st, 0);
		if (!ok(WIFEXITED(st) && !WEXITSTATUS(st), "worker %d exits cleanly", i))
			diag("  wait status 0x%x", st);
	}
	/* Pets of killed children die of PDEATHSIG; reap them (subreaper). */
	while (waitpid(-1, NULL, 0) > 0)
		;
	report(fz_now() - t0);
	for (i = 0; i < (int)fz->nmsg && i < FZ_NMSG; i++)
		diag("FAIL %s", fz->msg[i]);
	ok(fz->failures == 0, "no errno outside the ABI, no oracle mismatch (%lu failures)",
	   fz->failures);
	/* A short run (the debug kernel's) may splice nothing: a visible skip. */
	if (!fz->spliced && !fz->splice_bad)
		skip("no vmsplice of a live buffer in this run's ops", "vmsplice");
	else
		ok(!fz->splice_bad,
		   "vmsplice: %lu pages read back from pipes (%lu after their buffer's FREE), every byte its buffer's, freed ones pending and charged meanwhile (%lu failures)",
		   fz->spliced, fz->spliced_freed, fz->splice_bad);
	if (fz_dio_fd >= 0 && !fz->dio_bytes && !fz->dio_bad)
		skip("no O_DIRECT of a live buffer in this run's ops", "O_DIRECT");
	else if (fz_dio_fd >= 0)
		ok(!fz->dio_bad,
		   "O_DIRECT: %lu KiB written from and read into mappings, every byte as expected (%lu failures)",
		   fz->dio_bytes >> 10, fz->dio_bad);

	/* Pending pages come back within the poll's back-off; allow 15 s. */
	for (i = 0; i < 150; i++) {
		free_b = proc_key("/proc/ai_memory", "Free Blocks:");
		if (free_b == fz_pool_blocks)
			break;
		usleep(100000);
	}
	is_int(free_b, fz_pool_blocks, "every block is back in the pool");
	fd_info = open("/dev/ai_mem", O_RDONLY | O_CLOEXEC);
	if (fd_info < 0 || fz_info(fd_info, &in))
		in.user_blocks = -1;
	is_int(in.user_blocks, 0, "nothing is charged to uid %u any more", getuid());
	if (fd_info >= 0)
		close(fd_info);
	for (i = 0; i < 50; i++) {
		rows = sched_rows();
		if (!rows && proc_key("/proc/ai_scheduler", "AI Tasks:") == 0)
			break;
		usleep(100000);
	}
	is_int(rows, 0, "/proc/ai_scheduler lists no process");
	is_int(proc_key("/proc/ai_scheduler", "AI Tasks:"), 0, "AI Tasks: 0");

	na = snapshot(after);
	for (i = 0; i < nb; i++)
		for (j = 0; j < na; j++)
			if (after[j].pid == before[i].pid &&
			    after[j].start == before[i].start &&
			    (after[j].nice != before[i].nice ||
			     after[j].policy != before[i].policy)) {
				diag("  task %d: nice %d policy %d before, %d %d after",
				     before[i].pid, before[i].nice, before[i].policy,
				     after[j].nice, after[j].policy);
				changed++;
			}
	ok(!changed, "every task alive before and after has its nice and policy back (%d tasks)",
	   nb);
	diag("seed %llu", (unsigned long long)seed);
	return tap_done();
}
