// SPDX-License-Identifier: GPL-2.0
/*
 * Time of ibv_reg_mr() (the long-term pin an RDMA NIC, or cudaHostRegister,
 * takes) on a 64 MiB buffer that is already populated: an ai_mem buffer
 * from libai, posix_memalign() + mlock() (transparent huge pages as the
 * system is set up, and with MADV_NOHUGEPAGE: 4 KiB pages like ai_mem's),
 * and a MAP_HUGETLB mapping (2 MiB pages; the case reserves them). Same run, the kinds interleaved, median
 * of repeats; ratios > 1 mean registering the ai_mem buffer is faster.
 *
 * Usage: bench_ai_mem_rdma [DEVICE [REPEATS]]   (default rxe0, 9)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "libai.h"
#include "rdma/rxe_loop.h"

#include "bench_util.h"

#define LEN		(64UL << 20)
#define PG		4096UL
#define MAX_REPEATS	64
#define MR_ACCESS	(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
			 IBV_ACCESS_REMOTE_READ)

enum { K_AI_MEM, K_MLOCK, K_MLOCK_4K, K_HUGETLB, NR_KINDS };
static const char *const kind_name[NR_KINDS] = {
	"ai_mem (libai)", "memalign+mlock", "memalign+mlock, 4 KiB",
	"MAP_HUGETLB (2 MiB)",
};

/* Every buffer is written once first: the timed call pins, never faults. */
static void *get_buffer(int kind)
{
	void *p = NULL;

	switch (kind) {
	case K_AI_MEM:
		p = ai_alloc_pinned(LEN);
		break;
	case K_MLOCK:
	case K_MLOCK_4K:
		/* 2 MiB alignment, so THP can back all of it when enabled. */
		if (posix_memalign(&p, 2UL << 20, LEN))
			p = NULL;
		else if ((kind == K_MLOCK_4K && madvise(p, LEN, MADV_NOHUGEPAGE)) ||
			 mlock(p, LEN))
			p = NULL;
		break;
	case K_HUGETLB:
		p = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		if (p == MAP_FAILED)
			p = NULL;
		break;
	}
	if (!p) {
		fprintf(stderr, "%s: %m\n", kind_name[kind]);
		return NULL;
	}
	memset(p, 1, LEN);
	return p;
}

int main(int argc, char **argv)
{
	double reg[NR_KINDS][MAX_REPEATS], dereg[NR_KINDS][MAX_REPEATS];
	double med[NR_KINDS], t0, t1;
	int reps = argc > 2 ? atoi(argv[2]) : 9;
	void *buf[NR_KINDS];
	struct rxe_loop l;
	struct ibv_mr *mr;
	int k, i;

	if (reps < 1 || reps > MAX_REPEATS)
		reps = 9;
	if (rxe_open(&l, argc > 1 ? argv[1] : "rxe0")) {
		fprintf(stderr, "%s\n", l.why);
		return 1;
	}
	for (k = 0; k < NR_KINDS; k++) {
		buf[k] = get_buffer(k);
		if (!buf[k])
			return 1;
	}

	/* Interleaved, so that host noise spreads over all the kinds. */
	for (i = 0; i < reps; i++)
		for (k = 0; k < NR_KINDS; k++) {
			t0 = now_us();
			mr = ibv_reg_mr(l.pd, buf[k], LEN, MR_ACCESS);
			t1 = now_us();
			if (!mr) {
				fprintf(stderr, "ibv_reg_mr(%s): %m\n", kind_name[k]);
				return 1;
			}
			ibv_dereg_mr(mr);
			reg[k][i] = t1 - t0;
			dereg[k][i] = now_us() - t1;
		}

	printf("# ibv_reg_mr of 64 MiB, populated buffer, median of %d (us)\n", reps);
	printf("%-24s %12s %12s %14s\n", "buffer", "reg_mr", "dereg_mr", "reg / ai_mem");
	for (k = 0; k < NR_KINDS; k++)
		med[k] = median(reg[k], reps);
	for (k = 0; k < NR_KINDS; k++)
		printf("%-24s %12.0f %12.0f %13.2fx\n", kind_name[k], med[k],
		       median(dereg[k], reps), med[k] / med[K_AI_MEM]);

	ai_free_pinned(buf[K_AI_MEM]);
	for (k = K_MLOCK; k <= K_MLOCK_4K; k++) {
		munlock(buf[k], LEN);
		free(buf[k]);
	}
	munmap(buf[K_HUGETLB], LEN);
	rxe_close(&l);
	return 0;
}
