// SPDX-License-Identifier: GPL-2.0
/*
 * Allocations belong to the open file: kill -9 of holders frees them; fork
 * and SCM_RIGHTS share the file and therefore the allocations (as defined in
 * docs/ai_mem.md); a FREE reaches every process's mappings; the 0660 node
 * keeps out a user without access.
 */
#include <grp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "ai_mem_test.h"

static void test_kill9(uint64_t total)
{
	pid_t pids[3];
	int i, pfd[2], ready = 0;
	char c;

	if (pipe(pfd))
		return;
	for (i = 0; i < 3; i++) {
		pids[i] = fork();
		if (!pids[i]) {
			int fd = ai_open();
			uint64_t off;
			char *p;
			int k;

			/* A quarter of the pool each, mapped and touched. */
			ai_alloc(fd, total / 4 * PG, -1, 0, &off);
			p = ai_map(fd, off, total / 4 * PG);
			if (p != MAP_FAILED)
				memset(p, 0x11, total / 4 * PG);
			for (k = 0; k < 8; k++)
				ai_alloc(fd, PG, -1, 0, &off);
			/* The last one keeps allocating and freeing. */
			if (write(pfd[1], "r", 1) != 1)
				_exit(1);
			for (;;)
				if (i == 2 && !ai_alloc(fd, 2 * PG, -1, 0, &off))
					ai_free(fd, off);
				else if (i != 2)
					pause();
		}
	}
	for (i = 0; i < 3; i++)
		ready += read(pfd[0], &c, 1) == 1;
	is_int(ready, 3, "3 holders running");
	ok(ai_proc_value("Free Blocks") <= (long long)(total - 3 * (total / 4)),
	   "they hold 3/4 of the pool");
	for (i = 0; i < 3; i++)
		kill(pids[i], SIGKILL);
	for (i = 0; i < 3; i++)
		waitpid(pids[i], NULL, 0);
	ok(ai_wait_pool_full(5), "kill -9 of all holders: pool back to full");
	close(pfd[0]);
	close(pfd[1]);
}

static void test_fork(uint64_t total)
{
	int fd = ai_open();
	uint64_t off;
	char *p;
	pid_t pid;

	ai_alloc(fd, 4 * PG, -1, 0, &off);
	p = ai_map(fd, off, 4 * PG);
	if (!ok(p != MAP_FAILED, "parent maps 4 blocks"))
		return;
	p[0] = 'P';
	pid = fork();
	if (!pid) {
		char *q;

		/* The inherited mapping is the same memory... */
		if (p[0] != 'P')
			_exit(1);
		p[1] = 'C';
		/* ... and the inherited fd names the same allocation. */
		q = ai_map(fd, off, 4 * PG);
		if (q == MAP_FAILED || q[1] != 'C')
			_exit(2);
		q[2] = 'Q';
		_exit(0);
	}
	is_int(reap(pid), 0, "fork: child sees the parent's data, maps the "
	       "allocation through the inherited fd");
	ok(p[1] == 'C' && p[2] == 'Q', "  parent sees the child's writes");
	is_int(ai_info(fd).file_blocks, 4, "  still owned by the open file");

	pid = fork();
	if (!pid)
		_exit(ai_free(fd, off) ? 1 : 0);
	is_int(reap(pid), 0, "child FREEs through the inherited fd");
	ok(read_faults(p), "  parent's mapping: SIGBUS");
	munmap(p, 4 * PG);

	/* The parent closes; the child's copy of the fd keeps the blocks. */
	ai_alloc(fd, 6 * PG, -1, 0, &off);
	pid = fork();
	if (!pid) {
		usleep(300000);
		_exit(ai_info(fd).file_blocks == 6 ? 0 : 1);
	}
	close(fd);
	is_int(ai_proc_value("Free Blocks"), total - 6,
	       "parent closed, child's fd still holds the blocks");
	is_int(reap(pid), 0, "  child still owns them");
	ok(ai_wait_pool_full(5), "  child exited: pool full");
}

static int send_fd(int sock, int fd, uint64_t off)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {};
	struct iovec iov = { .iov_base = &off, .iov_len = sizeof(off) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == sizeof(off) ? 0 : -1;
}

static int recv_fd(int sock, uint64_t *off)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = off, .iov_len = sizeof(*off) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != sizeof(*off))
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static void test_fd_passing(uint64_t total)
{
	int sv[2], fd;
	uint64_t off;
	pid_t pid;
	char *p;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return;
	pid = fork();
	if (!pid) {
		/* Opened nothing itself; gets the fd and the offset. */
		int rfd = recv_fd(sv[1], &off);
		char *q, c;

		if (rfd < 0)
			_exit(1);
		q = ai_map(rfd, off, 2 * PG);
		if (q == MAP_FAILED || strcmp(q, "from the sender"))
			_exit(2);
		strcpy(q, "from the receiver");
		if (write(sv[1], "1", 1) != 1 || read(sv[1], &c, 1) != 1)
			_exit(3);
		/* The sender has closed everything: we still hold it. */
		if (strcmp(q, "from the receiver") ||
		    ai_info(rfd).file_blocks != 2)
			_exit(4);
		_exit(0);
	}
	fd = ai_open();
	ai_alloc(fd, 2 * PG, -1, 0, &off);
	p = ai_map(fd, off, 2 * PG);
	strcpy(p, "from the sender");
	ok(!send_fd(sv[0], fd, off), "SCM_RIGHTS: fd sent");
	{
		char c;

		ok(read(sv[0], &c, 1) == 1 && !strcmp(p, "from the receiver"),
		   "  receiver mapped the allocation, sender sees its write");
	}
	munmap(p, 2 * PG);
	close(fd);
	is_int(ai_proc_value("Free Blocks"), total - 2,
	       "  sender closed: the receiver's fd keeps the blocks");
	if (write(sv[0], "2", 1) != 1)
		diag("write: %s", strerror(errno));
	is_int(reap(pid), 0, "  receiver still reads its data, owns 2 blocks");
	ok(ai_wait_pool_full(5), "  receiver exited: pool full");
	close(sv[0]);
	close(sv[1]);
}

static void test_unprivileged(void)
{
	pid_t pid = fork();

	if (!pid) {
		int fd;

		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(10);
		/* The path is reachable: EACCES below is the node's mode. */
		fd = open("/dev/null", O_RDWR);
		if (fd < 0)
			_exit(11);
		close(fd);
		fd = open(AI_DEV, O_RDWR);
		if (fd >= 0)
			_exit(1);
		if (errno != EACCES)
			_exit(2);
		if (open(AI_PROC, O_RDONLY) < 0)
			_exit(3);
		_exit(0);
	}
	if (!is_int(reap(pid), 0, "user 65534: open(%s) EACCES, %s readable",
		    AI_DEV, AI_PROC))
		diag("exit 11: /dev/null not reachable: is / searchable?");
}

int main(void)
{
	int fd = ai_open();
	uint64_t total = ai_info(fd).total_blocks;

	close(fd);
	test_kill9(total);
	test_fork(total);
	test_fd_passing(total);
	test_unprivileged();
	return tap_done();
}
