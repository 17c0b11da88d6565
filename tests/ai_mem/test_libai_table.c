// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of libai's address table (open addressing, linear
 * probing, backward-shift deletion): random inserts and removals against a
 * plain array as the reference, including growth and wrap-around clusters.
 */
#include "../../tools/libai/libai.c"

#include "tap.h"

#define N 5000

static struct ai_region ref[N];
static int live[N];

int main(void)
{
	unsigned int seed = 12345;
	long mismatches = 0, i, round, found_all = 1;
	struct ai_region r, out;

	for (i = 0; i < N; i++) {
		/* Page-aligned, clustered addresses, as mmap hands them out. */
		ref[i].addr = 0x7f0000000000UL + (uintptr_t)i * 4096 * 3;
		ref[i].len = (size_t)(i + 1) * 4096;
		ref[i].offset = (uint64_t)i << 20;
	}
	for (round = 0; round < 200000; round++) {
		i = rand_r(&seed) % N;
		if (live[i]) {
			if (ai_tab_remove(ref[i].addr, &out) ||
			    out.len != ref[i].len || out.offset != ref[i].offset)
				mismatches++;
			live[i] = 0;
		} else {
			r = ref[i];
			if (ai_tab_insert(&r))
				mismatches++;
			live[i] = 1;
		}
	}
	ok(!mismatches, "200000 random inserts/removes: every removal found its entry");
	for (i = 0; i < N; i++) {
		int present = !ai_tab_remove(ref[i].addr, &out);

		if (present != live[i])
			found_all = 0;
	}
	ok(found_all, "exactly the live entries are present at the end");
	is_int(ai_used, 0, "table empty after removing them all");
	ok(ai_tab_remove(0x1000, &out), "removing an unknown address fails");
	ok(ai_cap >= 2 * N / 2 && !(ai_cap & (ai_cap - 1)),
	   "capacity %zu is a power of two", ai_cap);
	return tap_done();
}
