// SPDX-License-Identifier: GPL-2.0
/*
 * One open file's mmap offset space: ranges of page offsets, allocated
 * lowest-first (first fit), in an rbtree sorted by start and augmented with
 * the largest free gap in each subtree, as the VMA tree once was. Each node
 * knows the gap before it; the gap after the last node is unbounded. An
 * allocation, a lookup and a release are O(log n) and allocate nothing.
 * (A maple tree's range allocator would do the same job, but it allocates
 * and RCU-frees a node on every change, and 6.1's mtree_alloc_range() is
 * not reliable on an empty tree.) The caller serialises all calls.
 */
#include <linux/rbtree_augmented.h>

#include "ai_mem_internal.h"

static inline unsigned long ai_mem_range_gap(struct ai_mem_range *r)
{
	return r->gap;
}

RB_DECLARE_CALLBACKS_MAX(static, ai_mem_range_cb, struct ai_mem_range, rb,
			 unsigned long, max_gap, ai_mem_range_gap)

static struct ai_mem_range *ai_mem_range_of(struct rb_node *n)
{
	return n ? rb_entry(n, struct ai_mem_range, rb) : NULL;
}

static unsigned long ai_mem_range_end(struct rb_node *n)
{
	struct ai_mem_range *r = ai_mem_range_of(n);

	return r ? r->start + r->nr : 0;
}

/* The lowest start of a free run of @nr offsets. */
static unsigned long ai_mem_first_fit(struct rb_root *root, unsigned long nr)
{
	struct rb_node *n = root->rb_node;

	while (n) {
		struct ai_mem_range *r = ai_mem_range_of(n);
		struct ai_mem_range *left = ai_mem_range_of(n->rb_left);
		struct ai_mem_range *right = ai_mem_range_of(n->rb_right);

		if (left && left->max_gap >= nr) {
			n = n->rb_left;
			continue;
		}
		if (r->gap >= nr)
			return r->start - r->gap;
		if (!right || right->max_gap < nr)
			break;
		n = n->rb_right;
	}
	return ai_mem_range_end(rb_last(root));
}

/* The gap before @n changed (or was set): recompute up to the root. */
static void ai_mem_gap_set(struct rb_node *n, unsigned long prev_end)
{
	struct ai_mem_range *r = ai_mem_range_of(n);

	r->gap = r->start - prev_end;
	ai_mem_range_cb_propagate(n, NULL);
}

/* Give @r the lowest free run of @nr offsets ending at or below @limit. */
int ai_mem_offsets_insert(struct rb_root *root, struct ai_mem_range *r,
			  unsigned long nr, unsigned long limit)
{
	unsigned long start = ai_mem_first_fit(root, nr);
	struct rb_node **link = &root->rb_node, *parent = NULL, *next;

	if (start > limit || nr > limit - start)
		return -ENOSPC;
	r->start = start;
	r->nr = nr;
	while (*link) {
		parent = *link;
		if (start < ai_mem_range_of(parent)->start)
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	rb_link_node(&r->rb, parent, link);
	r->max_gap = 0;
	ai_mem_gap_set(&r->rb, ai_mem_range_end(rb_prev(&r->rb)));
	rb_insert_augmented(&r->rb, root, &ai_mem_range_cb);
	next = rb_next(&r->rb);
	if (next)
		ai_mem_gap_set(next, start + nr);
	return 0;
}

void ai_mem_offsets_erase(struct rb_root *root, struct ai_mem_range *r)
{
	unsigned long prev_end = ai_mem_range_end(rb_prev(&r->rb));
	struct rb_node *next = rb_next(&r->rb);

	rb_erase_augmented(&r->rb, root, &ai_mem_range_cb);
	if (next)
		ai_mem_gap_set(next, prev_end);
}

/* The range starting exactly at @start, or NULL. */
struct ai_mem_range *ai_mem_offsets_find(struct rb_root *root,
					 unsigned long start)
{
	struct rb_node *n = root->rb_node;

	while (n) {
		struct ai_mem_range *r = ai_mem_range_of(n);

		if (start < r->start)
			n = n->rb_left;
		else if (start > r->start)
			n = n->rb_right;
		else
			return r;
	}
	return NULL;
}
