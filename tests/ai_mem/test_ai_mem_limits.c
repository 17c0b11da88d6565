// SPDX-License-Identifier: GPL-2.0
/*
 * Who pays and who sees: ALLOC is charged per user against RLIMIT_MEMLOCK
 * (unless CAP_IPC_LOCK), however many files or processes the user has;
 * blocks still pinned after FREE stay charged until they return;
 * /proc/ai_memory shows other users' rows only to CAP_SYS_ADMIN, and PIDs
 * in the reader's pid namespace. Run as root with /dev/ai_mem mode 0666
 * (the case makes it so) and nothing allocated.
 */
#include <grp.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "ai_mem_test.h"

#define NOBODY	65534

static void become(uid_t uid)
{
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
	    setresuid(uid, uid, uid)) {
		printf("Bail out! setresuid(%u): %s\n", uid, strerror(errno));
		exit(1);
	}
}

static void set_memlock(rlim_t bytes)
{
	struct rlimit rl = { bytes, bytes };

	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		diag("setrlimit: %s", strerror(errno));
}

/* The child's TAP lines go to our stdout; its exit status is its verdict. */
static void child_memlock(void)
{
	int fd, fd2;
	uint64_t a, b;
	pid_t pid;

	set_memlock(1 << 20);
	become(NOBODY);
	fd = ai_open();
	fd2 = ai_open();
	ok(!ai_alloc(fd, 256 * PG, -1, 0, &a),
	   "nobody, RLIMIT_MEMLOCK 1 MiB: ALLOC 1 MiB");
	is_int(ai_info(fd).user_blocks, 256, "  INFO: 256 blocks charged");
	is_int(ai_info(fd).limit_blocks, 256, "  INFO: limit 256 blocks");
	is_errno(ai_alloc(fd, PG, -1, 0, &b), EDQUOT,
		 "  one more block: EDQUOT");
	is_errno(ai_alloc(fd2, PG, -1, 0, &b), EDQUOT,
		 "  through a second open file: EDQUOT (per user, not per file)");
	pid = fork();
	if (!pid) {
		int fd3 = ai_open();

		_exit(ai_alloc(fd3, PG, -1, 0, &b) == -1 && errno == EDQUOT ?
		      0 : 1);
	}
	is_int(reap(pid), 0, "  from a child process with its own file: EDQUOT");
	ok(!ai_free(fd, a) && !ai_alloc(fd2, 256 * PG, -1, 0, &b),
	   "  FREE gives the room back");
	close(fd);
	close(fd2);
	_exit(tap_failed);
}

static void test_memlock(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (!pid)
		child_memlock();
	is_int(reap(pid), 0, "unprivileged user's checks passed");
	ok(ai_wait_pool_full(5), "  and its blocks are back");
}

/* Root keeps CAP_IPC_LOCK: RLIMIT_MEMLOCK does not bind it. */
static void test_cap_ipc_lock(void)
{
	uint64_t a;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (!pid) {
		int fd = ai_open();

		set_memlock(1 << 20);
		_exit(!ai_alloc(fd, 1024 * PG, -1, 0, &a) &&
		      ai_info(fd).user_blocks == 1024 ? 0 : 1);
	}
	is_int(reap(pid), 0,
	       "root (CAP_IPC_LOCK), RLIMIT_MEMLOCK 1 MiB: ALLOC 4 MiB works");
}

/* A pipe keeps pages of a freed buffer: they stay charged until it lets go. */
static void test_pending_charged(int fd)
{
	struct iovec iov;
	uint64_t off;
	int pfd[2];
	char *p;

	if (pipe(pfd) || ai_alloc(fd, 4 * PG, -1, 0, &off))
		return;
	p = ai_map(fd, off, 4 * PG);
	memset(p, 0x33, 4 * PG);
	iov.iov_base = p;
	iov.iov_len = 4 * PG;
	ok(vmsplice(pfd[1], &iov, 1, 0) == 4 * PG, "vmsplice 4 blocks into a pipe");
	munmap(p, 4 * PG);
	ai_free(fd, off);
	is_int(ai_info(fd).pending_blocks, 4, "FREE: 4 blocks pending");
	is_int(ai_info(fd).user_blocks, 4, "  still charged to us");
	close(pfd[0]);
	close(pfd[1]);
	ok(ai_wait_pool_full(5), "pipe closed: blocks back");
	is_int(ai_info(fd).user_blocks, 0, "  and no longer charged");
}

/* Rows of /proc/ai_memory that a reader sees: PIDs of "PID\t" rows. */
static int proc_rows(const char *path, int *pids, int max)
{
	char line[256];
	int n = 0, pid;
	unsigned long long b, by, m;
	char comm[64];
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%d\t%63s\t%llu\t%llu\t%llu", &pid, comm, &b,
			   &by, &m) == 5 && n < max)
			pids[n++] = pid;
	fclose(f);
	return n;
}

static int has(const int *v, int n, int x)
{
	while (n-- > 0)
		if (v[n] == x)
			return 1;
	return 0;
}

static void test_proc_visibility(int fd)
{
	int pids[16], n, cfd[2], go[2];
	uint64_t off;
	pid_t pid;
	char c;

	ai_alloc(fd, PG, -1, 0, &off);
	n = proc_rows(AI_PROC, pids, 16);
	ok(has(pids, n, getpid()), "root sees its own row");
	if (pipe(cfd) || pipe(go))
		return;
	fflush(stdout);
	pid = fork();
	if (!pid) {
		int myfd, r;
		uint64_t o;

		become(NOBODY);
		myfd = ai_open();
		ai_alloc(myfd, PG, -1, 0, &o);
		n = proc_rows(AI_PROC, pids, 16);
		r = (has(pids, n, getpid()) ? 1 : 0) |
		    (has(pids, n, getppid()) ? 2 : 0);
		c = r;
		if (write(cfd[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	if (read(cfd[0], &c, 1) != 1)
		c = -1;
	ok(c == 1, "nobody sees its own row and not root's (got %d)", c);
	n = proc_rows(AI_PROC, pids, 16);
	ok(has(pids, n, pid), "root sees nobody's row");
	if (write(go[1], "x", 1) != 1)
		diag("write: %s", strerror(errno));
	reap(pid);

	/* A new pid namespace with its own procfs instance. */
	fflush(stdout);
	pid = fork();
	if (!pid) {
		if (unshare(CLONE_NEWPID | CLONE_NEWNS))
			_exit(2);
		pid = fork();
		if (!pid) {
			int myfd = ai_open();
			uint64_t o;

			mkdir("/tmp/nsproc", 0755);
			if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
			    mount("proc", "/tmp/nsproc", "proc", 0, NULL))
				_exit(3);
			ai_alloc(myfd, PG, -1, 0, &o);
			n = proc_rows("/tmp/nsproc/ai_memory", pids, 16);
			_exit(n == 1 && pids[0] == 1 ? 0 : 4);
		}
		_exit(reap(pid));
	}
	is_int(reap(pid), 0,
	       "in a new pid namespace: only its own row, as PID 1");
	ai_free(fd, off);
}

int main(void)
{
	int fd = ai_open();

	test_memlock();
	test_cap_ipc_lock();
	test_pending_charged(fd);
	test_proc_visibility(fd);
	close(fd);
	ok(ai_wait_pool_full(5), "pool full at the end");
	return tap_done();
}
