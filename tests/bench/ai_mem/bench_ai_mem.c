// SPDX-License-Identifier: GPL-2.0
/*
 * Time to a ready (mapped, touched, pinned) buffer of 4 KiB, 2 MiB and
 * 64 MiB: ai_mem (ALLOC + mmap + touch) against mmap(MAP_POPULATE |
 * MAP_LOCKED) and posix_memalign() + mlock(), in the same run, median of
 * repeats; and the 4 KiB ALLOC + FREE round trip against a bare INFO ioctl.
 * Prints a table; ratios > 1 mean ai_mem is faster.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/ai_mem.h>

#include "bench_util.h"

#define PG 4096UL

static int fd;

static void touch(char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += PG)
		p[i] = 1;
}

/*
 * Idle time before each timed run. Large buffers need it (the worker
 * zeroes what the previous run freed); 4 KiB runs none: a sleep costs the
 * next run more in the emulated VM than the run itself.
 */
static unsigned int gap_us(size_t len)
{
	return len >= (1UL << 20) ? 100000 : 0;
}

/* Phases of one ai_mem buffer, for the breakdown. */
struct phases { double alloc, mmap, first, rest; };

static double run_ai_mem(size_t len, struct phases *ph)
{
	struct ai_mem_alloc a = {
		.size = sizeof(a), .length = len, .node = AI_MEM_NODE_ANY,
	};
	struct ai_mem_free f = { .size = sizeof(f) };
	double t0, t1, t2, t3, t4;
	size_t i;
	char *p;

	t0 = now_us();
	if (ioctl(fd, AI_MEM_IOC_ALLOC, &a)) {
		perror("ALLOC");
		exit(1);
	}
	t1 = now_us();
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, a.offset);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	t2 = now_us();
	/* As libai does: one fault per 2 MiB window maps it all. */
	for (i = 0; i < len; i += 2UL << 20)
		p[i] = 1;
	t3 = now_us();
	touch(p, len);
	t4 = now_us();
	munmap(p, len);
	f.offset = a.offset;
	ioctl(fd, AI_MEM_IOC_FREE, &f);
	if (ph) {
		ph->alloc = t1 - t0;
		ph->mmap = t2 - t1;
		ph->first = t3 - t2;
		ph->rest = t4 - t3;
	}
	return t4 - t0;
}

static double run_populate(size_t len)
{
	double t0, t1;
	char *p;

	t0 = now_us();
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | MAP_LOCKED, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap populate");
		exit(1);
	}
	touch(p, len);
	t1 = now_us();
	munmap(p, len);
	return t1 - t0;
}

static double run_memalign(size_t len)
{
	double t0, t1;
	void *p;

	t0 = now_us();
	if (posix_memalign(&p, PG, len) || mlock(p, len)) {
		perror("posix_memalign/mlock");
		exit(1);
	}
	touch(p, len);
	t1 = now_us();
	munlock(p, len);
	free(p);
	return t1 - t0;
}

enum op { OP_NOOP, OP_INFO, OP_ALLOC_FREE, OP_FULL_CYCLE };

/* ns per operation, median over batches. */
static double per_op_ns(enum op op, int batches, int per_batch)
{
	struct ai_mem_info info = { .size = sizeof(info) };
	struct ai_mem_free f = { .size = sizeof(f) };
	double v[64], t0;
	struct ai_mem_alloc a;
	char *p;
	int b, i;

	for (b = 0; b < batches; b++) {
		t0 = now_us();
		for (i = 0; i < per_batch; i++) {
			if (op == OP_NOOP) {
				/* Unknown command: the ioctl path, no work. */
				ioctl(fd, _IO(AI_MEM_IOC_MAGIC, 0x7f));
				continue;
			}
			if (op == OP_INFO) {
				ioctl(fd, AI_MEM_IOC_INFO, &info);
				continue;
			}
			memset(&a, 0, sizeof(a));
			a.size = sizeof(a);
			a.length = PG;
			a.node = AI_MEM_NODE_ANY;
			ioctl(fd, AI_MEM_IOC_ALLOC, &a);
			if (op == OP_FULL_CYCLE) {
				p = mmap(NULL, PG, PROT_READ | PROT_WRITE,
					 MAP_SHARED, fd, a.offset);
				p[0] = 1;
				munmap(p, PG);
			}
			f.offset = a.offset;
			ioctl(fd, AI_MEM_IOC_FREE, &f);
		}
		v[b] = (now_us() - t0) * 1e3 / per_batch;
	}
	return median(v, batches);
}

/* ALLOC alone and FREE alone: 2000 ALLOCs in a row, then their FREEs. */
static void split_alloc_free(double info)
{
	static uint64_t offs[2000];
	struct ai_mem_free f = { .size = sizeof(f) };
	double va[15], vf[15], t0;
	struct ai_mem_alloc a;
	int b, i;

	for (b = 0; b < 15; b++) {
		t0 = now_us();
		for (i = 0; i < 2000; i++) {
			memset(&a, 0, sizeof(a));
			a.size = sizeof(a);
			a.length = PG;
			a.node = AI_MEM_NODE_ANY;
			ioctl(fd, AI_MEM_IOC_ALLOC, &a);
			offs[i] = a.offset;
		}
		va[b] = (now_us() - t0) * 1e3 / 2000;
		t0 = now_us();
		for (i = 0; i < 2000; i++) {
			f.offset = offs[i];
			ioctl(fd, AI_MEM_IOC_FREE, &f);
		}
		vf[b] = (now_us() - t0) * 1e3 / 2000;
	}
	printf("%-36s %10.0f %7.2fx no-op\n", "ALLOC alone (2000 live)",
	       median(va, 15), median(va, 15) / info);
	printf("%-36s %10.0f %7.2fx no-op\n", "FREE alone", median(vf, 15),
	       median(vf, 15) / info);
}

int main(int argc, char **argv)
{
	static const struct { size_t len; const char *name; int reps; } sz[] = {
		{ 4096, "4 KiB", 101 },
		{ 2UL << 20, "2 MiB", 31 },
		{ 64UL << 20, "64 MiB", 9 },
	};
	double a[128], b[128], c[128], d[128], ma, mb, mc, md, best;
	double pa[128], pm[128], pf[128], pr[128];
	struct phases ph;
	unsigned int k;
	int r, scale = argc > 1 ? atoi(argv[1]) : 1;

	fd = open("/dev/ai_mem", O_RDWR);
	if (fd < 0) {
		perror("/dev/ai_mem");
		return 1;
	}
	printf("# time to a ready, touched, pinned buffer; median of N runs, microseconds\n");
	printf("# ratio: faster of the two alternatives / ai_mem (> 1: ai_mem is faster)\n");
	printf("%-7s %4s %12s %12s %14s %16s %8s\n", "size", "N", "ai_mem",
	       "ai_mem-b2b", "mmap-populate", "memalign+mlock", "ratio");
	for (k = 0; k < sizeof(sz) / sizeof(sz[0]); k++) {
		int n = sz[k].reps * scale;

		if (n > 127)
			n = 127;
		for (r = 0; r < n; r++) {
			/*
			 * The same idle gap before every method (the pool's
			 * zero worker refills its clean stacks meanwhile), and
			 * one ai_mem run straight after another as well.
			 */
			if (gap_us(sz[k].len))
				usleep(gap_us(sz[k].len));
			a[r] = run_ai_mem(sz[k].len, &ph);
			pa[r] = ph.alloc;
			pm[r] = ph.mmap;
			pf[r] = ph.first;
			pr[r] = ph.rest;
			d[r] = run_ai_mem(sz[k].len, NULL);
			if (gap_us(sz[k].len))
				usleep(gap_us(sz[k].len));
			b[r] = run_populate(sz[k].len);
			if (gap_us(sz[k].len))
				usleep(gap_us(sz[k].len));
			c[r] = run_memalign(sz[k].len);
		}
		ma = median(a, n);
		md = median(d, n);
		mb = median(b, n);
		mc = median(c, n);
		best = mb < mc ? mb : mc;
		printf("%-7s %4d %12.1f %12.1f %14.1f %16.1f %7.1fx\n",
		       sz[k].name, n, ma, md, mb, mc, best / ma);
		printf("#   ai_mem %s, median of each phase (us): ALLOC %.1f, mmap %.1f, first touch of each 2 MiB (maps all) %.1f, other touches %.1f\n",
		       sz[k].name, median(pa, n), median(pm, n), median(pf, n),
		       median(pr, n));
	}
	{
		double noop = per_op_ns(OP_NOOP, 15, 2000);
		double info = per_op_ns(OP_INFO, 15, 2000);
		double af = per_op_ns(OP_ALLOC_FREE, 15, 2000);
		double full = per_op_ns(OP_FULL_CYCLE, 15, 200);

		printf("# 4 KiB round trips, ns per operation, median of 15 batches\n");
		printf("%-36s %10.0f\n", "no-op ioctl (unknown command)", noop);
		printf("%-36s %10.0f %7.2fx no-op\n", "INFO", info, info / noop);
		printf("%-36s %10.0f %7.2fx no-op\n", "ALLOC+FREE", af, af / noop);
		printf("%-36s %10.0f %7.2fx no-op\n",
		       "ALLOC+mmap+touch+munmap+FREE", full, full / noop);
		split_alloc_free(noop);
	}
	close(fd);
	return 0;
}
