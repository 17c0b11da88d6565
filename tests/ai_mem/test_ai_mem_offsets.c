// SPDX-License-Identifier: GPL-2.0
/*
 * Each open file's own mmap offset space: failed ALLOCs burn no offsets,
 * freed offsets are reused once nothing maps the old allocation (never
 * while a mapping of it exists), and one file's offsets say nothing about
 * another's. Usage: test_ai_mem_offsets [failing-allocs [cycles]]
 * (default 10^6 and 10^5).
 */
#include "ai_mem_test.h"

#define SMALL_OFFSET	(1ULL << 32)	/* far below what 32-bit mmap2 reaches */

static void test_failures_burn_nothing(int fd, const struct ai_mem_info *info,
				       long count)
{
	uint64_t hold, off;
	long i, wrong = 0;

	/* Hold all but 8 blocks, then ask again and again for 16. */
	if (!ok(!ai_alloc(fd, (info->total_blocks - 8) * PG, -1, 0, &hold),
		"ALLOC all but 8 blocks"))
		return;
	for (i = 0; i < count; i++)
		if (ai_alloc(fd, 16 * PG, -1, 0, &off) == 0 || errno != ENOMEM)
			wrong++;
	is_int(wrong, 0, "%ld ALLOCs of more than is free: all ENOMEM", count);
	ok(!ai_alloc(fd, 8 * PG, -1, 0, &off), "ALLOC the last 8 blocks");
	ok(off == (info->total_blocks - 8) * PG,
	   "  its offset 0x%llx comes right after the first allocation",
	   (unsigned long long)off);
	ai_free(fd, off);
	ai_free(fd, hold);
}

static void test_reuse(int fd, long cycles)
{
	uint64_t a, b, c, first;
	long i, moved = 0;
	char *p;

	ok(!ai_alloc(fd, 4 * PG, -1, 0, &first), "ALLOC 4 blocks");
	ai_free(fd, first);
	for (i = 0; i < cycles; i++) {
		if (ai_alloc(fd, 4 * PG, -1, 0, &a)) {
			moved = -1;
			break;
		}
		moved += a != first;
		ai_free(fd, a);
	}
	is_int(moved, 0, "%ld ALLOC/FREE cycles reuse one offset (0x%llx)",
	       cycles, (unsigned long long)first);

	/* Not while a mapping of the freed allocation exists. */
	ok(!ai_alloc(fd, 4 * PG, -1, 0, &a), "ALLOC and map");
	p = ai_map(fd, a, 4 * PG);
	ok(p != MAP_FAILED && !ai_free(fd, a), "FREE while mapped");
	ok(!ai_alloc(fd, 4 * PG, -1, 0, &b) && b != a,
	   "  the next ALLOC gets another offset while the mapping lives");
	is_errno(ai_free(fd, a), EINVAL, "  FREE of the dead offset: EINVAL");
	ok(ai_map(fd, a, PG) == MAP_FAILED && errno == EINVAL,
	   "  mmap of the dead offset: EINVAL");
	ok(read_faults(p), "  the old mapping still faults (SIGBUS)");
	munmap(p, 4 * PG);
	ok(!ai_alloc(fd, 4 * PG, -1, 0, &c) && c == a,
	   "  after munmap the offset is reused");
	ai_free(fd, b);
	ai_free(fd, c);
}

/* Two files: the same first offset, whatever the other one does. */
static void test_independent(void)
{
	int f1 = ai_open(), f2 = ai_open();
	uint64_t o1[50], o2;
	int i;

	for (i = 0; i < 50; i++)
		ai_alloc(f1, (i + 1) * PG, -1, 0, &o1[i]);
	ok(!ai_alloc(f2, PG, -1, 0, &o2) && o2 == 0,
	   "a file's first offset is 0 while another holds 50 allocations");
	ok(o1[49] < SMALL_OFFSET, "  and that one's offsets stay small (0x%llx)",
	   (unsigned long long)o1[49]);
	close(f1);
	close(f2);
}

int main(int argc, char **argv)
{
	long count = argc > 1 ? atol(argv[1]) : 1000000;
	long cycles = argc > 2 ? atol(argv[2]) : 100000;
	int fd = ai_open();
	struct ai_mem_info info = ai_info(fd);

	test_failures_burn_nothing(fd, &info, count);
	test_reuse(fd, cycles);
	test_independent();
	close(fd);
	ok(ai_wait_pool_full(5), "pool full after close");
	return tap_done();
}
