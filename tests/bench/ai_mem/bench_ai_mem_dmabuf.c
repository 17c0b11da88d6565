// SPDX-License-Identifier: GPL-2.0
/*
 * bench_ai_mem_dmabuf - a 64 MiB dma-buf three ways, in one run (make bench,
 * tests/bench/22-ai_mem-dmabuf.sh):
 *   ai_mem:    AI_MEM_IOC_ALLOC + AI_MEM_IOC_EXPORT, from the pinned pool
 *   udmabuf:   memfd_create + ftruncate + F_SEAL_SHRINK + UDMABUF_CREATE
 *   dma-heap:  DMA_HEAP_IOCTL_ALLOC on /dev/dma_heap/system
 * (the last two where the kernel has them: Debian's 6.12 builds both in,
 * 6.1 neither). For each: the median time from nothing to a dma-buf fd,
 * and to that fd mapped with every page touched, and the buffer's
 * physically contiguous segments as /proc/self/pagemap shows them (root
 * only): through the dma-buf's mapping for ai_mem, through the memfd's for
 * udmabuf (its own mapping is PFN-mapped on 6.12, and pagemap skips those),
 * not at all for the heap (PFN-mapped too). Rounds are 0.3 s apart, as an
 * inference server's allocations are: time for ai_mem's zero worker to
 * clean what the last round dirtied (the others zero on allocation). Prints
 * a table; the ratios are what docs/ai_mem.md quotes. Not a test: it never
 * fails on a figure.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/ai_mem.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

#include "bench_util.h"
#include "pagemap.h"

#define PG	4096UL
#define LEN	(64UL << 20)
#define ROUNDS	15

struct way {
	const char *name;
	int (*make)(void);	/* a dma-buf fd of LEN bytes, or -1 */
	void (*unmake)(void);
	/* what to read PFNs through: the dma-buf's mapping, or NULL */
	char *(*pfn_view)(char *dmabuf_map);
};

static int ai_fd = -1;
static uint64_t ai_off;
static unsigned int ai_segs, first_segs;

static int ai_make(void)
{
	struct ai_mem_alloc a = { .size = sizeof(a), .length = LEN,
				  .node = AI_MEM_NODE_ANY };
	struct ai_mem_export e = { .size = sizeof(e),
				   .flags = AI_MEM_EXPORT_RDWR | AI_MEM_EXPORT_CLOEXEC };

	if (ioctl(ai_fd, AI_MEM_IOC_ALLOC, &a))
		return -1;
	ai_off = a.offset;
	e.offset = a.offset;
	if (ioctl(ai_fd, AI_MEM_IOC_EXPORT, &e))
		return -1;
	ai_segs = e.nr_segments;
	return e.fd;
}

static void ai_unmake(void)
{
	struct ai_mem_free f = { .size = sizeof(f), .offset = ai_off };

	ioctl(ai_fd, AI_MEM_IOC_FREE, &f);
}

static int udmabuf_dev = -1;
static int memfd = -1;

static int udmabuf_make(void)
{
	struct udmabuf_create c = { .flags = UDMABUF_FLAGS_CLOEXEC,
				    .offset = 0, .size = LEN };

	memfd = memfd_create("bench", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, LEN) ||
	    fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK))
		return -1;
	c.memfd = memfd;
	return ioctl(udmabuf_dev, UDMABUF_CREATE, &c);
}

static void udmabuf_unmake(void)
{
	close(memfd);
}

static int heap_dev = -1;

static int heap_make(void)
{
	struct dma_heap_allocation_data d = {
		.len = LEN, .fd_flags = O_RDWR | O_CLOEXEC,
	};

	if (ioctl(heap_dev, DMA_HEAP_IOCTL_ALLOC, &d))
		return -1;
	return d.fd;
}

static void nothing(void)
{
}

static char *same_map(char *p)
{
	return p;
}

static char *memfd_map(char *p)
{
	char *q = mmap(NULL, LEN, PROT_READ, MAP_SHARED | MAP_POPULATE, memfd, 0);

	return q == MAP_FAILED ? NULL : q;
}

static void run(const struct way *w)
{
	double t_fd[ROUNDS], t_map[ROUNDS], t0, t1;
	long segs = -2;
	int r, fd, n = 0;
	char *p;
	size_t i;

	for (r = 0; r < ROUNDS; r++) {
		t0 = now_us();
		fd = w->make();
		t1 = now_us();
		if (fd < 0) {
			printf("# %s: %s\n", w->name, strerror(errno));
			w->unmake();
			return;
		}
		p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			printf("# %s: mmap: %s\n", w->name, strerror(errno));
			close(fd);
			w->unmake();
			return;
		}
		for (i = 0; i < LEN; i += PG)
			p[i] = 1;
		t_map[n] = now_us() - t0;
		t_fd[n++] = t1 - t0;
		if (!r && w->pfn_view) {
			char *v = w->pfn_view(p);

			segs = v ? pagemap_segments(v, LEN) : -1;
			if (v && v != p)
				munmap(v, LEN);
			first_segs = ai_segs;
		}
		munmap(p, LEN);
		close(fd);
		w->unmake();
		usleep(300000);
	}
	printf("%-10s %12.0f %16.0f ", w->name, median(t_fd, n),
	       median(t_map, n));
	if (segs >= 0)
		printf("%10ld\n", segs);
	else
		printf("%10s\n", segs == -1 ? "hidden" : "n/a");
}

int main(void)
{
	static const struct way ai = { "ai_mem", ai_make, ai_unmake, same_map };
	static const struct way udma = { "udmabuf", udmabuf_make, udmabuf_unmake,
					 memfd_map };
	static const struct way heap = { "dma-heap", heap_make, nothing, NULL };

	ai_fd = open("/dev/ai_mem", O_RDWR | O_CLOEXEC);
	if (ai_fd < 0) {
		perror("/dev/ai_mem");
		return 1;
	}
	printf("# 64 MiB dma-buf, median of %d rounds; us; segments from pagemap\n",
	       ROUNDS);
	printf("%-10s %12s %16s %10s\n", "way", "to-fd-us", "fd+mapped-us",
	       "segments");
	run(&ai);
	printf("# ai_mem: EXPORT reported %u segments in the first round\n",
	       first_segs);
	udmabuf_dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (udmabuf_dev >= 0)
		run(&udma);
	else
		printf("# udmabuf: no /dev/udmabuf on this kernel\n");
	heap_dev = open("/dev/dma_heap/system", O_RDWR | O_CLOEXEC);
	if (heap_dev >= 0)
		run(&heap);
	else
		printf("# dma-heap: no /dev/dma_heap/system on this kernel\n");
	return 0;
}
