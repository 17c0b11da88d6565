// SPDX-License-Identifier: GPL-2.0
/*
 * ai_failnth - fail each allocation our modules make, one at a time, and
 * check that every failure unwinds cleanly (tests/cases/61-faultinj.sh).
 *
 *   ai_failnth load MODULE.ko [PARAMS]   the module's init
 *   ai_failnth mem                       open, ALLOC (3 sizes), mmap + fault
 *   ai_failnth sched                     open, REGISTER (self, by pidfd),
 *                                        SET_GPU_UTIL, fork while boosted
 *
 * The kernel's fail-nth (Documentation/fault-injection): writing N to
 * /proc/thread-self/fail-nth makes the Nth allocation of this thread fail,
 * counting only the allocations that failslab and fail_page_alloc let
 * through their filters. The case points those filters at the module area
 * (require-start/-end), so N walks our modules' own call sites: N = 1, 2,
 * ... until an operation completes with the counter not yet run down, i.e.
 * with no failure injected. After each injected failure the operation must
 * have failed with a clear errno (or succeeded through a fallback), and
 * the pool must be whole, nothing registered, every nice back.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/ai_mem.h>
#include <linux/ai_sched.h>
#include "tap.h"
#include "failnth.h"

#define BOOST_NICE	(-5)

struct sweep {
	const char *name;
	/* Runs with the fault armed; 0 or -errno. */
	int (*op)(void *ctx);
	/* Undoes a success, unarmed. */
	void (*undo)(void *ctx);
	/* The state must be back where it started; 0 or why not. */
	const char *(*check)(void *ctx);
	/* errnos an injected failure may give, besides ENOMEM */
	int also_ok[3];
	/* At least one injected failure must fail the call (not be absorbed). */
	int must_fail;
	void *ctx;
};

static int errno_ok(const struct sweep *s, int err)
{
	unsigned int i;

	if (err == ENOMEM)
		return 1;
	for (i = 0; i < sizeof(s->also_ok) / sizeof(s->also_ok[0]); i++)
		if (s->also_ok[i] && err == s->also_ok[i])
			return 1;
	return 0;
}

/*
 * One check per sweep: every injection point unwound, and the operation
 * works once nothing is injected. Diagnostics name the first bad N.
 */
static void sweep(const struct sweep *s)
{
	int n, rc, left, failed = 0, tolerated = 0, bad = 0;
	time_t t0 = time(NULL);
	const char *why;

	for (n = 1; n <= MAX_NTH; n++) {
		nth_arm(n);
		rc = s->op(s->ctx);
		left = nth_disarm();
		if (left) {
			/* Nothing injected: this is the plain run. */
			if (rc) {
				diag("%s: fails with nothing injected: %s", s->name, strerror(-rc));
				bad++;
			} else {
				s->undo(s->ctx);
			}
			break;
		}
		if (rc) {
			failed++;
			if (!errno_ok(s, -rc)) {
				diag("%s: allocation %d failed: errno %s", s->name, n, strerror(-rc));
				bad++;
			}
		} else {
			tolerated++;
			s->undo(s->ctx);
		}
		why = s->check(s->ctx);
		if (why) {
			diag("%s: after allocation %d failed: %s", s->name, n, why);
			bad++;
		}
	}
	if (n > MAX_NTH) {
		diag("%s: still injecting after %d allocations", s->name, MAX_NTH);
		bad++;
	}
	diag("%s: %d runs in %ld s", s->name, n, (long)(time(NULL) - t0));
	if (s->must_fail && !failed) {
		diag("%s: every injected failure was absorbed: one must reach the caller", s->name);
		bad++;
	}
	ok(!bad && n > 1, "%s: each of its %d allocations fails cleanly (%d failed the call, %d were absorbed)",
	   s->name, n - 1, failed, tolerated);
	if (n == 1)
		diag("%s: no allocation was injected: is the stack filter set?", s->name);
}

/* ---- open, of either device ------------------------------------------- */

struct open_ctx {
	const char *path;
	int fd;
	/* the device's own check, on its own context */
	const char *(*check)(void *ctx);
	void *check_ctx;
};

static int open_op(void *ctx)
{
	struct open_ctx *o = ctx;

	o->fd = open(o->path, O_RDWR | O_CLOEXEC);
	return o->fd < 0 ? -errno : 0;
}

static void open_undo(void *ctx)
{
	close(((struct open_ctx *)ctx)->fd);
}

static const char *open_check(void *ctx)
{
	struct open_ctx *o = ctx;

	return o->check(o->check_ctx);
}

static void sweep_open(const char *path, const char *(*check)(void *ctx), void *check_ctx)
{
	struct open_ctx o = { .path = path, .check = check, .check_ctx = check_ctx };
	char name[64];
	struct sweep s = {
		.name = name, .op = open_op, .undo = open_undo, .check = open_check, .ctx = &o,
	};

	snprintf(name, sizeof(name), "open %s", path);
	sweep(&s);
}

/* ---- load ------------------------------------------------------------ */

struct load_ctx {
	int fd;
	const char *params;
	char name[64];
};

static int load_op(void *ctx)
{
	struct load_ctx *c = ctx;

	return syscall(SYS_finit_module, c->fd, c->params, 0) ? -errno : 0;
}

static void load_undo(void *ctx)
{
	struct load_ctx *c = ctx;

	if (syscall(SYS_delete_module, c->name, O_NONBLOCK))
		diag("rmmod %s: %s", c->name, strerror(errno));
}

static const char *load_check(void *ctx)
{
	struct load_ctx *c = ctx;
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", c->name);
	return access(path, F_OK) ? NULL : "the module is still loaded";
}

static int run_load(const char *ko, const char *params)
{
	struct load_ctx c = { .params = params };
	const char *base = strrchr(ko, '/');
	struct sweep s = {
		.op = load_op, .undo = load_undo, .check = load_check, .ctx = &c,
		/* An init that fails its tracepoint or misc registration. */
		.also_ok = { EBUSY, EINVAL },
	};
	char name[96];

	c.fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (c.fd < 0) {
		printf("Bail out! %s: %s\n", ko, strerror(errno));
		return 1;
	}
	snprintf(c.name, sizeof(c.name), "%s", base ? base + 1 : ko);
	c.name[strcspn(c.name, ".")] = 0;
	snprintf(name, sizeof(name), "insmod %s %s", c.name, params);
	s.name = name;
	sweep(&s);
	close(c.fd);
	return tap_done();
}

/* ---- ai_mem ------------------------------------------------------------ */

struct mem_ctx {
	int fd;
	__u64 length;
	__u64 offset;
	int export_fd;
};

static int mem_info(int fd, struct ai_mem_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(fd, AI_MEM_IOC_INFO, info);
}

static const char *mem_check(void *ctx)
{
	struct mem_ctx *c = ctx;
	struct ai_mem_info info;

	if (mem_info(c->fd, &info))
		return "INFO fails";
	if (info.free_blocks != info.total_blocks || info.pending_blocks)
		return "the pool is not whole";
	if (info.user_blocks || info.file_blocks)
		return "blocks are still charged";
	return NULL;
}

static int mem_alloc_op(void *ctx)
{
	struct mem_ctx *c = ctx;
	struct ai_mem_alloc a = {
		.size = sizeof(a), .length = c->length, .node = AI_MEM_NODE_ANY,
	};

	if (ioctl(c->fd, AI_MEM_IOC_ALLOC, &a))
		return -errno;
	c->offset = a.offset;
	return 0;
}

static void mem_free(struct mem_ctx *c)
{
	struct ai_mem_free f = { .size = sizeof(f), .offset = c->offset };

	if (ioctl(c->fd, AI_MEM_IOC_FREE, &f))
		diag("FREE: %s", strerror(errno));
}

static void mem_alloc_undo(void *ctx)
{
	mem_free(ctx);
}

/*
 * mmap and the first touch of every 2 MiB window, in a child so that a
 * fault that cannot be served (SIGBUS) ends only the child. A fault that
 * returns VM_FAULT_OOM is retried by the kernel, and the retry succeeds.
 */
static int mem_fault_op(void *ctx)
{
	struct mem_ctx *c = ctx;
	volatile char *p;
	int status;
	__u64 i;
	pid_t pid;

	nth_arm(0);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
		/* The parent armed N for itself; the child arms its own. */
		nth_arm(atoi(getenv("AI_FAILNTH_N")));
		p = mmap(NULL, c->length, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, c->offset);
		if (p == MAP_FAILED)
			_exit(errno);
		for (i = 0; i < c->length; i += 4096)
			p[i] = 1;
		_exit(nth_disarm() ? 0 : 200);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	if (WIFSIGNALED(status))
		return WTERMSIG(status) == SIGBUS ? -EFAULT : -EINTR;
	switch (WEXITSTATUS(status)) {
	case 0:
		return 1;	/* nothing injected: tells the caller */
	case 200:
		return 0;	/* injected and absorbed */
	default:
		return -WEXITSTATUS(status);
	}
}

/*
 * The child counts allocations, so the sweep's own counter cannot tell
 * when it ran out; this wrapper runs the child per N and stops the sweep.
 */
static void mem_fault_sweep(struct mem_ctx *c)
{
	int n, rc, bad = 0, failed = 0, tolerated = 0;
	char env[16];
	const char *why;

	for (n = 1; n <= MAX_NTH; n++) {
		snprintf(env, sizeof(env), "%d", n);
		setenv("AI_FAILNTH_N", env, 1);
		if (mem_alloc_op(c)) {
			diag("ALLOC for the fault sweep: %s", strerror(errno));
			bad++;
			break;
		}
		rc = mem_fault_op(c);
		mem_free(c);
		if (rc == 1)
			break;
		if (rc == 0)
			tolerated++;
		else if (rc == -EFAULT || rc == -ENOMEM)
			failed++;
		else {
			diag("mmap+fault: allocation %d: %s", n, strerror(-rc));
			bad++;
		}
		why = mem_check(c);
		if (why) {
			diag("mmap+fault: after allocation %d failed: %s", n, why);
			bad++;
		}
	}
	ok(!bad && n > 1 && n <= MAX_NTH,
	   "mmap+fault of %llu KiB: each of its %d allocations fails cleanly (%d SIGBUS/ENOMEM, %d absorbed)",
	   (unsigned long long)c->length >> 10, n - 1, failed, tolerated);
}

/* EXPORT of a live allocation (c->offset), its dma-buf closed on undo. */
static int mem_export_op(void *ctx)
{
	struct mem_ctx *c = ctx;
	struct ai_mem_export e = {
		.size = sizeof(e), .flags = AI_MEM_EXPORT_RDWR | AI_MEM_EXPORT_CLOEXEC,
		.offset = c->offset, .fd = -1,
	};

	if (ioctl(c->fd, AI_MEM_IOC_EXPORT, &e))
		return -errno;
	c->export_fd = e.fd;
	return 0;
}

static void mem_export_undo(void *ctx)
{
	struct mem_ctx *c = ctx;

	close(c->export_fd);
}

/* The allocation alone holds its blocks again, and nothing is exported. */
static const char *mem_export_check(void *ctx)
{
	struct mem_ctx *c = ctx;
	struct ai_mem_buf_info bi = { .size = sizeof(bi), .offset = c->offset };
	struct ai_mem_info info;

	if (ioctl(c->fd, AI_MEM_IOC_BUF_INFO, &bi) || mem_info(c->fd, &info))
		return "BUF_INFO or INFO fails";
	if (bi.nr_exports)
		return "an export is left behind";
	if (info.total_blocks - info.free_blocks != c->length / 4096 ||
	    info.user_blocks != c->length / 4096)
		return "the pool or the charge is not what the allocation holds";
	return NULL;
}

static void mem_export_sweep(struct mem_ctx *c)
{
	struct sweep s = {
		.name = "EXPORT of 3 MiB", .op = mem_export_op,
		.undo = mem_export_undo, .check = mem_export_check,
		.also_ok = { EMFILE }, .must_fail = 1, .ctx = c,
	};

	c->length = 3 << 20;
	if (!ok(!mem_alloc_op(c), "ALLOC 3 MiB for the EXPORT sweep"))
		return;
	sweep(&s);
	mem_free(c);
}

static int run_mem(void)
{
	static const __u64 lengths[] = { 4096, 3 << 20, 16 << 20 };
	struct mem_ctx c = { 0 };
	struct sweep s = { .check = mem_check, .ctx = &c };
	char name[64];
	unsigned int i;

	c.fd = open("/dev/ai_mem", O_RDWR | O_CLOEXEC);
	if (c.fd < 0) {
		printf("Bail out! /dev/ai_mem: %s\n", strerror(errno));
		return 1;
	}
	sweep_open("/dev/ai_mem", mem_check, &c);

	s.op = mem_alloc_op;
	s.undo = mem_alloc_undo;
	for (i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		c.length = lengths[i];
		snprintf(name, sizeof(name), "ALLOC %llu KiB", (unsigned long long)c.length >> 10);
		s.name = name;
		sweep(&s);
	}
	mem_export_sweep(&c);
	c.length = 4 << 20;
	mem_fault_sweep(&c);
	close(c.fd);
	return tap_done();
}

/* ---- ai_sched -------------------------------------------------------- */

struct sched_ctl {
	int fd;
	pid_t pid;	/* 0: self */
	int pidfd;
	int own_nice;
};

static int nice_of(pid_t pid)
{
	int n;

	errno = 0;
	n = getpriority(PRIO_PROCESS, pid);
	return errno ? 99 : n;
}

static const char *sched_check(void *ctx)
{
	struct sched_ctl *c = ctx;
	struct ai_sched_query q = { .size = sizeof(q), .pid = c->pid };

	if (nice_of(c->pid) != c->own_nice)
		return "the nice is not back";
	if (!ioctl(c->fd, AI_SCHED_IOC_QUERY, &q) || errno != ENOENT)
		return "the process is still registered";
	return NULL;
}

static int sched_register_op(void *ctx)
{
	struct sched_ctl *c = ctx;
	struct ai_sched_register r = {
		.size = sizeof(r), .pid = c->pid, .nice = BOOST_NICE,
		.flags = c->pidfd >= 0 ? AI_SCHED_REG_PIDFD : 0,
		.pidfd = c->pidfd >= 0 ? c->pidfd : 0,
	};

	return ioctl(c->fd, AI_SCHED_IOC_REGISTER, &r) ? -errno : 0;
}

static void sched_unregister(struct sched_ctl *c)
{
	struct ai_sched_unregister u = { .size = sizeof(u), .pid = c->pid };

	if (ioctl(c->fd, AI_SCHED_IOC_UNREGISTER, &u))
		diag("UNREGISTER: %s", strerror(errno));
}

static void sched_register_undo(void *ctx)
{
	sched_unregister(ctx);
}

static int sched_util_op(void *ctx)
{
	struct sched_ctl *c = ctx;
	/* GPU 1: no REGISTER named it yet, so its record is made here. */
	struct ai_sched_gpu_util u = { .size = sizeof(u), .gpu = 1, .util = 10 };

	return ioctl(c->fd, AI_SCHED_IOC_SET_GPU_UTIL, &u) ? -errno : 0;
}

static void nothing(void *ctx)
{
}

/*
 * A fork while boosted: the child must start at the nice it would have had
 * without ai_sched, whichever allocation of the fork-time probe failed.
 */
static int sched_fork_op(void *ctx)
{
	struct sched_ctl *c = ctx;
	int status, child_nice;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		child_nice = nice_of(0);
		_exit(child_nice == c->own_nice ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EPERM;
}

/* The child counts nothing: the parent's fork-time probe is what fails. */
static void sched_fork_sweep(struct sched_ctl *c)
{
	int n, rc, left, bad = 0;

	for (n = 1; n <= MAX_NTH; n++) {
		nth_arm(n);
		rc = sched_fork_op(c);
		left = nth_disarm();
		if (rc == -EPERM) {
			diag("fork while boosted: allocation %d: the child started boosted", n);
			bad++;
		} else if (rc && rc != -EAGAIN && rc != -ENOMEM) {
			diag("fork while boosted: allocation %d: %s", n, strerror(-rc));
			bad++;
		}
		if (left)
			break;
	}
	if (n == 1)
		ok(!bad, "fork while boosted: the fork-time probe allocates nothing; the child starts at its own nice");
	else
		ok(!bad && n <= MAX_NTH,
		   "fork while boosted: each of %d allocations leaves the child at its own nice", n - 1);
}

static int run_sched(void)
{
	struct sched_ctl c = { .pidfd = -1 };
	struct sweep s = { .check = sched_check, .ctx = &c };
	pid_t child;

	c.fd = open("/dev/ai_sched", O_RDWR | O_CLOEXEC);
	if (c.fd < 0) {
		printf("Bail out! /dev/ai_sched: %s\n", strerror(errno));
		return 1;
	}
	c.own_nice = nice_of(0);

	sweep_open("/dev/ai_sched", sched_check, &c);

	s.name = "REGISTER self";
	s.op = sched_register_op;
	s.undo = sched_register_undo;
	sweep(&s);

	child = fork();
	if (!child) {
		pause();
		_exit(0);
	}
	c.pid = child;
	c.pidfd = syscall(SYS_pidfd_open, child, 0);
	s.name = "REGISTER a child by pidfd";
	sweep(&s);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	close(c.pidfd);
	c.pidfd = -1;
	c.pid = 0;

	s.name = "SET_GPU_UTIL";
	s.op = sched_util_op;
	s.undo = nothing;
	/* Its entry is the one allocation: failing it must fail the call. */
	s.must_fail = 1;
	sweep(&s);

	/* Boosted for the fork sweep: GPU 0 idle, so the boost applies. */
	if (sched_register_op(&c))
		diag("REGISTER for the fork sweep: %s", strerror(errno));
	sched_fork_sweep(&c);
	sched_unregister(&c);
	ok(!sched_check(&c), "nothing registered and the nice is back at the end");
	close(c.fd);
	return tap_done();
}

int main(int argc, char **argv)
{
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (nth_fd < 0) {
		printf("1..0 # SKIP no /proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION): %s\n",
		       strerror(errno));
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "load"))
		return run_load(argv[2], argc > 3 ? argv[3] : "");
	if (argc == 2 && !strcmp(argv[1], "mem"))
		return run_mem();
	if (argc == 2 && !strcmp(argv[1], "sched"))
		return run_sched();
	fprintf(stderr, "usage: ai_failnth load MODULE.ko [PARAMS] | mem | sched\n");
	return 2;
}
