// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation descriptors: which pool pages one allocation holds. Described
 * in chunks of one page of pointers each, never as one flat array, so a
 * descriptor of any size is made of order-0 allocations, all charged to the
 * caller's memory cgroup. A buffer of up to AI_MEM_CHUNK pages (2 MiB)
 * keeps its only chunk inline: one allocation for the common case.
 */
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "ai_mem_internal.h"

struct ai_mem_blocks *ai_mem_blocks_alloc(unsigned long nr)
{
	unsigned long nr_chunks = DIV_ROUND_UP(nr, AI_MEM_CHUNK), i;
	struct ai_mem_blocks *b;
	size_t size = struct_size(b, chunk, nr_chunks);

	if (nr_chunks == 1)
		size = size_add(size, array_size(nr, sizeof(struct page *)));
	b = kvzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!b)
		return NULL;
	refcount_set(&b->users, 1);
	b->nr = nr;
	b->nr_chunks = nr_chunks;
	INIT_LIST_HEAD(&b->link);
	if (nr_chunks == 1) {
		b->chunk[0] = (struct page **)&b->chunk[1];
		return b;
	}
	for (i = 0; i < nr_chunks; i++) {
		b->chunk[i] = kmalloc(PAGE_SIZE, GFP_KERNEL_ACCOUNT);
		if (!b->chunk[i])
			goto err;
		if (!((i + 1) % AI_MEM_BATCH))
			cond_resched();
	}
	return b;

err:
	ai_mem_blocks_free(b);
	return NULL;
}

void ai_mem_blocks_free(struct ai_mem_blocks *b)
{
	unsigned long i;

	if (b->nr_chunks > 1)
		for (i = 0; i < b->nr_chunks; i++) {
			kfree(b->chunk[i]);
			if (!((i + 1) % AI_MEM_BATCH))
				cond_resched();
		}
	kvfree(b);
}

/*
 * How many physically contiguous runs pages [@first, @first + @n) of @b
 * make: the segments of a dma-buf of them, before any device's limit on a
 * segment's size.
 */
unsigned long ai_mem_blocks_segments(struct ai_mem_blocks *b,
				     unsigned long first, unsigned long n)
{
	unsigned long i, pfn, prev, segs;

	if (!n)
		return 0;
	prev = page_to_pfn(*ai_mem_blocks_slot(b, first));
	for (i = 1, segs = 1; i < n; i++) {
		pfn = page_to_pfn(*ai_mem_blocks_slot(b, first + i));
		segs += pfn != prev + 1;
		prev = pfn;
		if (!(i % AI_MEM_CHUNK))
			cond_resched();
	}
	return segs;
}
