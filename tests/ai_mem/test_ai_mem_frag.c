// SPDX-License-Identifier: GPL-2.0
/*
 * Fragmentation never fails an allocation: fill the pool with 1-block
 * pieces, free every other one, take half the pool in one request (and use
 * all of it), then run out (ENOMEM) and recover.
 */
#include "ai_mem_test.h"

int main(void)
{
	int fd = ai_open();
	uint64_t total = ai_info(fd).total_blocks, i, n = 0, big;
	uint64_t *offs = calloc(total, sizeof(*offs));
	unsigned char *p;
	int all_ok = 1;

	for (i = 0; i < total; i++)
		if (ai_alloc(fd, PG, -1, 0, &offs[i]))
			break;
	is_int(i, total, "the pool fills with %llu 1-block pieces",
	       (unsigned long long)total);
	is_errno(ai_alloc(fd, PG, -1, 0, NULL), ENOMEM, "full: ENOMEM");
	is_int(ai_proc_value("Free Blocks"), 0, "/proc: 0 free");

	for (i = 0; i < total; i += 2)
		if (ai_free(fd, offs[i]))
			all_ok = 0;
	ok(all_ok, "free every other piece");
	is_int(ai_proc_value("Free Blocks"), total / 2, "/proc: half free");

	if (ok(!ai_alloc(fd, total / 2 * PG, -1, 0, &big),
	       "half the pool in one request, from scattered blocks")) {
		p = ai_map(fd, big, total / 2 * PG);
		if (ok(p != MAP_FAILED, "  maps as one contiguous range")) {
			for (i = 0; i < total / 2 * PG; i += PG)
				n += p[i] == 0;
			is_int(n, total / 2, "  every block reads zero");
			memset(p, 0x5a, total / 2 * PG);
			ok(p[total / 2 * PG - 1] == 0x5a, "  and is writable");
			munmap(p, total / 2 * PG);
		}
	}
	is_errno(ai_alloc(fd, PG, -1, 0, NULL), ENOMEM, "full again: ENOMEM");

	ai_free(fd, big);
	for (i = 1; i < total; i += 2)
		ai_free(fd, offs[i]);
	is_int(ai_info(fd).free_blocks, total, "everything freed: pool full");
	ok(!ai_alloc(fd, total * PG, -1, 0, &big) && !ai_free(fd, big),
	   "recovered: the whole pool in one request");
	close(fd);
	free(offs);
	return tap_done();
}
