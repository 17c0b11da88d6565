// SPDX-License-Identifier: GPL-2.0
/*
 * An RDMA client of ai_mem: soft RoCE (rxe0, brought up by the case) registers
 * a libai buffer with ibv_reg_mr(), i.e. a FOLL_LONGTERM pin of the kind
 * cudaHostRegister also takes. An RC queue pair looped back to its twin
 * RDMA-WRITEs into it from a malloc'ed MR. Then the buffer is freed while
 * the MR still pins it: its blocks must wait as pending, out of reach of
 * any later allocation (another process takes the whole rest of the pool and
 * sees only zeroes; RDMA-READ of the MR still gives our pattern), and come
 * back, zeroed, once the MR is deregistered.
 *
 * Usage: test_ai_mem_rdma [DEVICE]   (default rxe0)
 * "test_ai_mem_rdma fill READY_FD GO_FD" is the helper process it execs.
 */
#include <stdint.h>
#include <sys/wait.h>

#include "libai.h"
#include "ai_mem_test.h"
#include "rdma/rxe_loop.h"

#define LEN		(1UL << 20)
#define MR_ACCESS	(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
			 IBV_ACCESS_REMOTE_READ)

static void pattern(uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 31 + 7 + (i >> 12));
}

static int all_zero(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

/*
 * Helper process, exec'ed so that libai opens its own descriptor: take every
 * free block, report whether it was all zero ('z') or not ('n'), or that the
 * allocation failed ('e'), scribble over it, and hold it until GO_FD closes.
 */
static int fill(int ready_fd, int go_fd)
{
	long long nfree = ai_proc_value("Free Blocks");
	size_t len = nfree > 0 ? (size_t)nfree * PG : 0;
	uint8_t *p = len ? ai_alloc_pinned(len) : NULL;
	char c = !p ? 'e' : all_zero(p, len) ? 'z' : 'n';

	if (p)
		memset(p, 0xa5, len);
	if (write(ready_fd, &c, 1) != 1)
		return 1;
	while (read(go_fd, &c, 1) > 0)
		;
	ai_free_pinned(p);
	return 0;
}

/* Start the helper; returns its pid, its verdict in *verdict. */
static pid_t start_fill(int *go_wr, char *verdict)
{
	int ready[2], go[2];
	char a1[16], a2[16];
	pid_t pid;

	*verdict = '?';
	*go_wr = -1;
	if (pipe(ready))
		return -1;
	if (pipe(go)) {
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
		snprintf(a1, sizeof(a1), "%d", ready[1]);
		snprintf(a2, sizeof(a2), "%d", go[0]);
		execl("/proc/self/exe", "test_ai_mem_rdma", "fill", a1, a2,
		      (char *)NULL);
		_exit(127);
	}
	close(ready[1]);
	close(go[0]);
	if (pid > 0 && read(ready[0], verdict, 1) != 1)
		*verdict = '?';
	close(ready[0]);
	*go_wr = go[1];
	return pid;
}

/* Pending Blocks reaches @n within @secs (FREE may sort pages lazily). */
static long long wait_pending(long long n, double secs)
{
	double end = ai_now() + secs;
	long long v;

	while ((v = ai_proc_value("Pending Blocks")) != n && ai_now() < end)
		usleep(20000);
	return v;
}

/* Pending Blocks back to 0 and the whole pool free, within @secs. */
static int wait_returned(double secs)
{
	double end = ai_now() + secs;

	while (ai_proc_value("Pending Blocks") ||
	       ai_proc_value("Free Blocks") != ai_proc_value("Total Blocks")) {
		if (ai_now() > end)
			return 0;
		usleep(20000);
	}
	return 1;
}

int main(int argc, char **argv)
{
	long long total, nblk = LEN / PG;
	struct ibv_mr *mr, *smr, *dmr;
	uint8_t *buf, *src, *dst, *all;
	struct rxe_loop l;
	uint64_t raddr;
	uint32_t rkey;
	int go_wr = -1, st;
	char verdict;
	pid_t pid;

	if (argc == 4 && !strcmp(argv[1], "fill"))
		return fill(atoi(argv[2]), atoi(argv[3]));

	if (!ok(!rxe_open(&l, argc > 1 ? argv[1] : "rxe0"), "open verbs device")) {
		diag("%s", l.why);
		return tap_done();
	}
	if (!ok(!rxe_connect(&l), "RC QP pair connected over loopback")) {
		diag("%s", l.why);
		rxe_close(&l);
		return tap_done();
	}
	total = ai_proc_value("Total Blocks");

	buf = ai_alloc_pinned(LEN);
	src = aligned_alloc(PG, LEN);
	dst = aligned_alloc(PG, LEN);
	if (!ok(buf && src && dst, "ai_alloc_pinned(1 MiB), two malloc'ed buffers"))
		return tap_done();
	pattern(src, LEN);
	memset(dst, 0, LEN);

	mr = ibv_reg_mr(l.pd, buf, LEN, MR_ACCESS);
	if (!ok(mr != NULL, "ibv_reg_mr of the ai_mem buffer (long-term pin)")) {
		diag("ibv_reg_mr: %s", strerror(errno));
		return tap_done();
	}
	raddr = (uintptr_t)buf;
	rkey = mr->rkey;
	smr = ibv_reg_mr(l.pd, src, LEN, MR_ACCESS);
	dmr = ibv_reg_mr(l.pd, dst, LEN, MR_ACCESS);
	if (!ok(smr && dmr, "ibv_reg_mr of the malloc'ed buffers"))
		return tap_done();

	if (!ok(!rxe_rdma(&l, IBV_WR_RDMA_WRITE, smr, src, LEN, raddr, rkey),
		"RDMA WRITE of 1 MiB into the ai_mem MR"))
		diag("%s", l.why);
	ok(!memcmp(buf, src, LEN), "  the buffer holds the bytes written");

	/* Free under the pin: no block may return while the MR holds it. */
	ai_free_pinned(buf);
	ok(1, "ai_free_pinned while the MR is registered returns");
	is_int(wait_pending(nblk, 1.0), nblk, "  its %lld blocks are pending",
	       nblk);
	usleep(500000);
	is_int(ai_proc_value("Pending Blocks"), nblk,
	       "  still pending 0.5 s later: the MR's pin holds them");

	pid = start_fill(&go_wr, &verdict);
	ok(pid > 0 && verdict == 'z',
	   "another process takes every free block: all zero (got '%c')", verdict);
	is_int(ai_proc_value("Free Blocks"), 0, "  no free block left");
	errno = 0;
	all = ai_alloc_pinned(PG);
	ok(!all && errno == ENOMEM, "  pending blocks are not handed out: ENOMEM");
	ai_free_pinned(all);

	if (!ok(!rxe_rdma(&l, IBV_WR_RDMA_READ, dmr, dst, LEN, raddr, rkey),
		"RDMA READ from the freed, still registered MR"))
		diag("%s", l.why);
	ok(!memcmp(dst, src, LEN),
	   "  it returns our pattern (neither zeroed nor the other's bytes)");

	if (go_wr >= 0)
		close(go_wr);
	ok(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	   !WEXITSTATUS(st), "the other process released its blocks");

	is_int(ibv_dereg_mr(mr), 0, "ibv_dereg_mr of the freed buffer");
	ok(wait_returned(5.0), "pending blocks return, pool full again");
	diag("pending %lld, free %lld of %lld", ai_proc_value("Pending Blocks"),
	     ai_proc_value("Free Blocks"), total);

	all = ai_alloc_pinned((size_t)total * PG);
	ok(all && all_zero(all, (size_t)total * PG),
	   "the whole pool, former MR pages included, is handed out zeroed");
	ai_free_pinned(all);
	ok(wait_returned(5.0), "pool full at the end");

	ibv_dereg_mr(smr);
	ibv_dereg_mr(dmr);
	rxe_close(&l);
	free(src);
	free(dst);
	return tap_done();
}
