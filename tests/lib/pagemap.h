/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Physically contiguous runs of a mapping's pages, from /proc/self/pagemap
 * (PFNs are shown to CAP_SYS_ADMIN only): what a dma-buf's scatterlist
 * would be made of. Shared by the dma-buf test and benchmark.
 */
#ifndef AI_TESTS_PAGEMAP_H
#define AI_TESTS_PAGEMAP_H

#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#define PAGEMAP_PFN_MASK	((1ULL << 55) - 1)

/* Runs of the pages of [p, p + len), all present; -1 if PFNs are hidden. */
static inline long pagemap_segments(const void *p, size_t len)
{
	uint64_t e, prev = 0;
	long segs = 0;
	size_t i;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return -1;
	for (i = 0; i < len / 4096; i++) {
		off_t at = (off_t)((uintptr_t)p / 4096 + i) * 8;

		if (pread(fd, &e, 8, at) != 8 || !(e >> 63) ||
		    !(e & PAGEMAP_PFN_MASK)) {
			close(fd);
			return -1;
		}
		e &= PAGEMAP_PFN_MASK;
		segs += !i || e != prev + 1;
		prev = e;
	}
	close(fd);
	return segs;
}

#endif /* AI_TESTS_PAGEMAP_H */
