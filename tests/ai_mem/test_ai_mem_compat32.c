// SPDX-License-Identifier: GPL-2.0
/*
 * A 32-bit program (built -m32, static) on the 64-bit kernel: the ioctls
 * go through compat_ioctl with the same structure layouts, and after
 * 100,000 ALLOC/FREE cycles (argv[1] for another count) a new buffer still
 * has an offset a 32-bit mmap can reach, and maps and works.
 */
#define _FILE_OFFSET_BITS 64
#include "ai_mem_test.h"

int main(int argc, char **argv)
{
	long cycles = argc > 1 ? atol(argv[1]) : 100000;
	int fd = ai_open();
	struct ai_mem_info info = ai_info(fd);
	uint64_t off = 0, max = 0;
	long i, fails = 0;
	unsigned char *p;

	ok(sizeof(void *) == 4, "built as a 32-bit program");
	is_int(info.block_size, 4096, "INFO from 32-bit: block_size 4096");
	for (i = 0; i < cycles; i++) {
		if (ai_alloc(fd, (1 + i % 16) * PG, -1, 0, &off)) {
			fails++;
			continue;
		}
		if (off > max)
			max = off;
		ai_free(fd, off);
	}
	is_int(fails, 0, "%ld ALLOC/FREE cycles from 32-bit", cycles);
	ok(max < 16 * PG, "  largest offset handed out: 0x%llx",
	   (unsigned long long)max);
	if (!ok(!ai_alloc(fd, 64 * PG, -1, 0, &off), "ALLOC 256 KiB"))
		return tap_done();
	p = ai_map(fd, off, 64 * PG);
	if (ok(p != MAP_FAILED, "  32-bit mmap of it at 0x%llx",
	       (unsigned long long)off)) {
		memset(p, 0x5a, 64 * PG);
		ok(p[0] == 0x5a && p[64 * PG - 1] == 0x5a, "  read back");
		munmap(p, 64 * PG);
	}
	ok(!ai_free(fd, off), "FREE");
	close(fd);
	return tap_done();
}
