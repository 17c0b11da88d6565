// SPDX-License-Identifier: GPL-2.0
/*
 * The block pool at run time: handing blocks out, taking them back, zeroing
 * them off the allocation path, and waiting out pages that someone else
 * still references after FREE. Every loop over a buffer's pages works in
 * batches of AI_MEM_BATCH with the pool's spinlock dropped, and a chance to
 * reschedule, between them; a whole 2 MiB run moves between the stacks and
 * an allocation as one pointer. Reservation at load is ai_mem_reserve.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/topology.h>

#include "ai_mem_internal.h"

/*
 * Pages still referenced after FREE are checked again after
 * AI_MEM_PENDING_MIN; each poll that finds nothing back doubles the wait,
 * up to AI_MEM_PENDING_MAX, so one long-term pin costs a few wake-ups a
 * minute, not ten a second.
 */
#define AI_MEM_PENDING_MIN	(HZ / 10)
#define AI_MEM_PENDING_MAX	(10 * HZ)
/* Pages the zero worker takes per batch (on its stack). */
#define AI_MEM_ZERO_BATCH	32

struct ai_mem_pool ai_mem_pool;

/* Zero a whole run, with a chance to reschedule every batch. */
static void ai_mem_clear_run(struct page *run)
{
	unsigned long j;

	for (j = 0; j < AI_MEM_RUN; j++) {
		clear_highpage(nth_page(run, j));
		if (!((j + 1) % AI_MEM_BATCH))
			cond_resched();
	}
}

void ai_mem_zero_work(struct work_struct *work)
{
	struct ai_mem_node *node = container_of(work, struct ai_mem_node,
						zero_work);
	struct ai_mem_pool *pool = &ai_mem_pool;
	struct page *batch[AI_MEM_ZERO_BATCH], *run;
	unsigned long i, n;

	for (;;) {
		run = NULL;
		spin_lock(&pool->lock);
		n = min_t(unsigned long, node->nr_dirty, ARRAY_SIZE(batch));
		node->nr_dirty -= n;
		memcpy(batch, node->dirty + node->nr_dirty, n * sizeof(*batch));
		if (!n && node->nr_dirty_runs) {
			run = node->dirty_runs[--node->nr_dirty_runs];
			node->zeroing_run = true;
		}
		spin_unlock(&pool->lock);
		if (!n && !run)
			return;

		if (run)
			ai_mem_clear_run(run);
		for (i = 0; i < n; i++)
			clear_highpage(batch[i]);

		spin_lock(&pool->lock);
		if (run) {
			node->runs[node->nr_runs++] = run;
			node->zeroing_run = false;
		} else {
			memcpy(node->clean + node->nr_clean, batch,
			       n * sizeof(*batch));
			node->nr_clean += n;
		}
		WRITE_ONCE(pool->zero_seq, pool->zero_seq + 1);
		spin_unlock(&pool->lock);
		if (wq_has_sleeper(&pool->zero_wait))
			wake_up_all(&pool->zero_wait);
		cond_resched();
	}
}

/*
 * Wake the zero worker of every node that has enough dirty pages to be worth
 * a wake-up, or too few clean ones left. A few dirty pages may wait: an
 * allocation that needs them zeroes them itself.
 */
static void ai_mem_kick_zeroing(void)
{
	struct ai_mem_pool *pool = &ai_mem_pool;
	int i;

	for (i = 0; i < pool->nr_nodes; i++) {
		struct ai_mem_node *node = &pool->nodes[i];
		unsigned long dirty = READ_ONCE(node->nr_dirty) +
				      READ_ONCE(node->nr_dirty_runs) * AI_MEM_RUN;
		unsigned long clean = READ_ONCE(node->nr_clean) +
				      READ_ONCE(node->nr_runs) * AI_MEM_RUN;

		if (dirty >= AI_MEM_ZERO_BATCH ||
		    (dirty && clean < node->total / 8))
			queue_work_node(node->nid, pool->wq, &node->zero_work);
	}
}

/* Do slots [@i, @end) of @b start with a whole run? */
static bool ai_mem_run_at(struct ai_mem_blocks *b, unsigned long i,
			  unsigned long end)
{
	unsigned long pfn, j;

	if (end - i < AI_MEM_RUN)
		return false;
	pfn = page_to_pfn(*ai_mem_blocks_slot(b, i));
	if (!IS_ALIGNED(pfn, AI_MEM_RUN))
		return false;
	for (j = 1; j < AI_MEM_RUN; j++)
		if (page_to_pfn(*ai_mem_blocks_slot(b, i + j)) != pfn + j)
			return false;
	return true;
}

static bool ai_mem_run_unshared(struct ai_mem_blocks *b, unsigned long i)
{
	unsigned long j;

	for (j = 0; j < AI_MEM_RUN; j++)
		if (page_ref_count(*ai_mem_blocks_slot(b, i + j)) != 1)
			return false;
	return true;
}

/* Move the pages left in slots [0, @n) of @b (not NULL) to the front. */
static void ai_mem_compact(struct ai_mem_blocks *b, unsigned long n)
{
	unsigned long i, kept = 0;
	struct page *page;

	for (i = 0; i < n; i++) {
		page = *ai_mem_blocks_slot(b, i);
		if (page)
			*ai_mem_blocks_slot(b, kept++) = page;
		if (!((i + 1) % AI_MEM_CHUNK))
			cond_resched();
	}
}

/*
 * Put the first @n pages of @b back on the free stacks: a whole run (all
 * its pages in order, none referenced elsewhere) as a run, the others one
 * by one, a batch per lock hold. Backwards, so that the stacks, being
 * LIFO, hand the pages out again in the order @b had them: what was
 * contiguous stays contiguous, and a run broken for small allocations is
 * whole again in the next large one that takes its pages (and on the
 * stacks once that one is freed). Unless @force, a page someone else
 * still references stays in @b, moved to the front; its count cannot grow
 * while we look, since nothing maps it any more. @clean: never mapped, so
 * never written, so it needs no zeroing. Returns how many stayed.
 */
static unsigned long ai_mem_push_pages(struct ai_mem_blocks *b,
				       unsigned long n, bool clean, bool force)
{
	struct ai_mem_pool *pool = &ai_mem_pool;
	unsigned long i = n, kept = 0, start, end, j;
	struct ai_mem_node *node;
	struct page *page;

	while (i > 0) {
		if (i >= AI_MEM_RUN && ai_mem_run_at(b, i - AI_MEM_RUN, i) &&
		    (force || ai_mem_run_unshared(b, i - AI_MEM_RUN))) {
			i -= AI_MEM_RUN;
			page = *ai_mem_blocks_slot(b, i);
			node = pool->by_nid[page_to_nid(page)];
			spin_lock(&pool->lock);
			if (clean)
				node->runs[node->nr_runs++] = page;
			else
				node->dirty_runs[node->nr_dirty_runs++] = page;
			node->nr_free += AI_MEM_RUN;
			pool->nr_free += AI_MEM_RUN;
			spin_unlock(&pool->lock);
			for (j = 0; j < AI_MEM_RUN; j++)
				*ai_mem_blocks_slot(b, i + j) = NULL;
			cond_resched();
			continue;
		}
		start = i;
		end = i > AI_MEM_BATCH ? i - AI_MEM_BATCH : 0;
		spin_lock(&pool->lock);
		for (; i > end; i--) {
			struct page **slot = ai_mem_blocks_slot(b, i - 1);

			page = *slot;
			/* A run may end here: look at it first. */
			if (i != start && i >= AI_MEM_RUN &&
			    IS_ALIGNED(page_to_pfn(page) + 1, AI_MEM_RUN))
				break;
			if (!force && page_ref_count(page) != 1) {
				kept++;
				continue;
			}
			node = pool->by_nid[page_to_nid(page)];
			if (clean)
				node->clean[node->nr_clean++] = page;
			else
				node->dirty[node->nr_dirty++] = page;
			node->nr_free++;
			pool->nr_free++;
			*slot = NULL;
		}
		spin_unlock(&pool->lock);
		cond_resched();
	}
	if (kept)
		ai_mem_compact(b, n);
	return kept;
}

/*
 * Give back the first @b->nr_out pages of @b that only we reference; the
 * others stay, moved to the front. Returns how many came back.
 */
static unsigned long ai_mem_return_pages(struct ai_mem_blocks *b, bool clean)
{
	unsigned long kept = ai_mem_push_pages(b, b->nr_out, clean, false);
	unsigned long back = b->nr_out - kept;

	b->nr_out = kept;
	return back;
}

void ai_mem_pending_work(struct work_struct *work)
{
	struct ai_mem_pool *pool = &ai_mem_pool;
	struct ai_mem_blocks *b, *tmp;
	unsigned long back = 0, n;
	LIST_HEAD(todo);
	bool left;

	spin_lock(&pool->lock);
	list_splice_init(&pool->pending, &todo);
	spin_unlock(&pool->lock);

	list_for_each_entry_safe(b, tmp, &todo, link) {
		n = ai_mem_return_pages(b, false);
		spin_lock(&pool->lock);
		pool->nr_pending -= n;
		spin_unlock(&pool->lock);
		back += n;
		if (!b->nr_out) {
			list_del(&b->link);
			ai_mem_uncharge(b->charge, b->nr);
			ai_mem_blocks_free(b);
		}
	}

	spin_lock(&pool->lock);
	list_splice(&todo, &pool->pending);
	left = !list_empty(&pool->pending);
	if (back)
		pool->pending_delay = AI_MEM_PENDING_MIN;
	else
		pool->pending_delay = min(2 * pool->pending_delay,
					  (unsigned long)AI_MEM_PENDING_MAX);
	n = pool->pending_delay;
	spin_unlock(&pool->lock);

	if (back)
		ai_mem_kick_zeroing();
	if (left)
		queue_delayed_work(pool->wq, &pool->pending_work, n);
}

/*
 * Take back the pages of a freed allocation, and with them @b itself.
 * Nothing maps them any more (the caller tore the mappings down), but a
 * long-term pin or a transient reference may still be held: such pages wait
 * in @b on the pending list, still charged to their owner, until the count
 * drops. @clean: see ai_mem_return_pages().
 */
void ai_mem_pool_put(struct ai_mem_blocks *b, bool clean)
{
	struct ai_mem_pool *pool = &ai_mem_pool;

	b->nr_out = b->nr;
	ai_mem_return_pages(b, clean);
	ai_mem_kick_zeroing();
	if (!b->nr_out) {
		ai_mem_uncharge(b->charge, b->nr);
		ai_mem_blocks_free(b);
		return;
	}

	spin_lock(&pool->lock);
	pool->nr_pending += b->nr_out;
	list_add_tail(&b->link, &pool->pending);
	pool->pending_delay = AI_MEM_PENDING_MIN;
	spin_unlock(&pool->lock);
	mod_delayed_work(pool->wq, &pool->pending_work, AI_MEM_PENDING_MIN);
}

/*
 * Put back the first @n pages of @b, popped by an ALLOC that then failed.
 * They came off our free stacks, were zeroed and never seen by anyone, so
 * they go back clean, whatever their count: a transient reference (a
 * speculative lookup) is harmless on a free page, as it is on any other.
 */
static void ai_mem_unpop(struct ai_mem_blocks *b, unsigned long n)
{
	ai_mem_push_pages(b, n, true, true);
}

/* The pool node nearest to @nid, for a caller on a node without blocks. */
static struct ai_mem_node *ai_mem_nearest(int nid)
{
	struct ai_mem_pool *pool = &ai_mem_pool;
	struct ai_mem_node *best = &pool->nodes[0];
	int i;

	if (pool->by_nid[nid])
		return pool->by_nid[nid];
	for (i = 1; i < pool->nr_nodes; i++)
		if (node_distance(nid, pool->nodes[i].nid) <
		    node_distance(nid, best->nid))
			best = &pool->nodes[i];
	return best;
}

/* The node a request starts from; NULL: a strict request on a node we lack. */
static struct ai_mem_node *ai_mem_first(int nid, bool strict)
{
	struct ai_mem_pool *pool = &ai_mem_pool;

	if (nid == NUMA_NO_NODE)
		return ai_mem_nearest(numa_mem_id());
	if (pool->by_nid[nid] || strict)
		return pool->by_nid[nid];
	return ai_mem_nearest(nid);
}

/*
 * Admission: could @n blocks be had now? A snapshot (others may take them
 * before the caller does), taken before anything is allocated for the
 * request, so a request that cannot succeed costs nothing.
 */
bool ai_mem_pool_may_get(unsigned long n, int nid, bool strict)
{
	struct ai_mem_pool *pool = &ai_mem_pool;
	struct ai_mem_node *first = ai_mem_first(nid, strict);
	unsigned long avail = 0;
	int k;

	if (!first)
		return false;
	if (strict)
		return READ_ONCE(first->nr_free) >= n;
	for (k = 0; k < pool->nr_nodes && avail < n; k++)
		avail += READ_ONCE(pool->nodes[first->fallback[k]].nr_free);
	return avail >= n;
}

/*
 * Pop one whole run, or up to one batch of loose pages, of the @left pages
 * still to come from @node into @b from @at on: a run for each whole 2 MiB
 * still wanted, loose pages for the rest, and a run broken into loose pages
 * only when no loose page is left (small requests never break a run while
 * loose pages remain). Caller holds the pool lock. Returns how many it
 * popped; those from *@zero_from on need zeroing. A whole run is returned
 * in *@run and written to @b by ai_mem_fill(), outside the lock.
 */
static unsigned long ai_mem_pop_batch(struct ai_mem_node *node,
				      struct ai_mem_blocks *b, unsigned long at,
				      unsigned long left,
				      unsigned long *zero_from,
				      struct page **run)
{
	unsigned long c, d, i, *nr;
	struct page **stack;
	struct page *r;
	bool dirty;

	*run = NULL;
	if (left >= AI_MEM_RUN && node->nr_runs) {
		*run = node->runs[--node->nr_runs];
		*zero_from = AI_MEM_RUN;
		return AI_MEM_RUN;
	}
	if (left >= AI_MEM_RUN && node->nr_dirty_runs) {
		*run = node->dirty_runs[--node->nr_dirty_runs];
		*zero_from = 0;
		return AI_MEM_RUN;
	}
	/* Rather wait a moment for the run being zeroed than scatter. */
	if (left >= AI_MEM_RUN && node->zeroing_run)
		return 0;

	c = min3(left, node->nr_clean, (unsigned long)AI_MEM_BATCH);
	d = min3(left - c, node->nr_dirty, AI_MEM_BATCH - c);
	if (c + d) {
		for (i = 0; i < c; i++)
			*ai_mem_blocks_slot(b, at + i) =
				node->clean[--node->nr_clean];
		for (i = c; i < c + d; i++)
			*ai_mem_blocks_slot(b, at + i) =
				node->dirty[--node->nr_dirty];
		*zero_from = c;
		return c + d;
	}

	/* No loose page left: break a run. */
	dirty = !node->nr_runs;
	if (!dirty)
		r = node->runs[--node->nr_runs];
	else if (node->nr_dirty_runs)
		r = node->dirty_runs[--node->nr_dirty_runs];
	else
		return 0;	/* the zero worker holds the rest */
	c = min_t(unsigned long, left, AI_MEM_BATCH);
	for (i = 0; i < c; i++)
		*ai_mem_blocks_slot(b, at + i) = nth_page(r, i);
	/*
	 * The rest goes loose, stacked to pop in ascending order: at most
	 * one run's worth of pointers, and only when a run is broken.
	 */
	stack = dirty ? node->dirty : node->clean;
	nr = dirty ? &node->nr_dirty : &node->nr_clean;
	for (i = AI_MEM_RUN; i > c; i--)
		stack[(*nr)++] = nth_page(r, i - 1);
	*zero_from = dirty ? 0 : c;
	return c;
}

/*
 * Complete @n pages just popped into @b at @at: write a whole run's pages
 * (@run) and zero those from @zero_from on, outside the pool lock.
 */
static void ai_mem_fill(struct ai_mem_blocks *b, unsigned long at,
			unsigned long n, unsigned long zero_from,
			struct page *run)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		struct page **slot = ai_mem_blocks_slot(b, at + i);

		if (run)
			*slot = nth_page(run, i);
		if (i >= zero_from)
			clear_highpage(*slot);
		if (!((i + 1) % AI_MEM_BATCH))
			cond_resched();
	}
}

/*
 * Pop @t pages, already reserved on @node, into @b from @at on, a batch or
 * a run per lock hold (@done of them the caller popped already, in the same
 * hold as the reservation); dirty ones are zeroed here, outside the lock.
 * Waits for the zero worker when it holds the rest. Returns how many were
 * popped in all; on a fatal signal it stops early and gives the
 * reservation of the rest back.
 */
static unsigned long ai_mem_pop(struct ai_mem_node *node,
				struct ai_mem_blocks *b, unsigned long at,
				unsigned long t, unsigned long done)
{
	struct ai_mem_pool *pool = &ai_mem_pool;
	unsigned long n, z, seq;
	struct page *run;

	while (done < t) {
		spin_lock(&pool->lock);
		n = ai_mem_pop_batch(node, b, at + done, t - done, &z, &run);
		if (!n) {
			/* The rest is in the zero worker's hands for a moment. */
			seq = pool->zero_seq;
			spin_unlock(&pool->lock);
			if (wait_event_killable(pool->zero_wait,
						READ_ONCE(pool->zero_seq) != seq))
				goto killed;
			continue;
		}
		spin_unlock(&pool->lock);

		ai_mem_fill(b, at + done, n, z, run);
		done += n;
		cond_resched();
		if (done < t && fatal_signal_pending(current))
			goto killed;
	}
	return done;

killed:
	spin_lock(&pool->lock);
	node->nr_free += t - done;
	pool->nr_free += t - done;
	spin_unlock(&pool->lock);
	return done;
}

/*
 * Take b->nr zeroed blocks into @b. From @nid's node first, or for
 * NUMA_NO_NODE from the nodes in @prefer (the caller's memory policy;
 * NULL: none) nearest the caller first, then the others nearest first;
 * with @strict only from @nid. Each node's share is reserved under the lock
 * before its pages are popped (the first batch in the same lock hold, so a
 * small request takes the lock once), and a request never fails for pages
 * that the zero worker holds. -ENOMEM when the allowed nodes lack the
 * blocks, -EINTR on a fatal signal; either way nothing is kept.
 */
int ai_mem_pool_get(struct ai_mem_blocks *b, int nid, bool strict,
		    const nodemask_t *prefer)
{
	struct ai_mem_pool *pool = &ai_mem_pool;
	struct ai_mem_node *first = ai_mem_first(nid, strict), *node;
	unsigned long got = 0, t, popped, now, z = 0;
	int pass, k, ret = -ENOMEM;
	struct page *run = NULL;

	if (!first)
		return -ENOMEM;
	for (pass = prefer ? 0 : 1; pass < 2 && got < b->nr; pass++) {
		for (k = 0; k < pool->nr_nodes && got < b->nr; k++) {
			node = &pool->nodes[first->fallback[k]];
			if (strict && node != first)
				break;
			/* Pass 0: policy nodes; pass 1: the rest (or all). */
			if (prefer && node_isset(node->nid, *prefer) != !pass)
				continue;

			/* Reserve, and pop the first batch in the same hold. */
			spin_lock(&pool->lock);
			t = min(node->nr_free, b->nr - got);
			node->nr_free -= t;
			pool->nr_free -= t;
			now = t ? ai_mem_pop_batch(node, b, got, t, &z, &run) : 0;
			spin_unlock(&pool->lock);
			if (!t)
				continue;
			ai_mem_fill(b, got, now, z, run);
			popped = ai_mem_pop(node, b, got, t, now);
			got += popped;
			if (popped < t) {
				ret = -EINTR;
				goto undo;
			}
		}
	}
	if (got == b->nr) {
		ai_mem_kick_zeroing();
		return 0;
	}

undo:
	ai_mem_unpop(b, got);
	return ret;
}

/* Drop one holder of @b (its allocation, or a dma-buf of it). */
void ai_mem_blocks_put(struct ai_mem_blocks *b)
{
	if (refcount_dec_and_test(&b->users))
		ai_mem_pool_put(b, !READ_ONCE(b->written));
}

/* Whole 2 MiB runs free now, on every node. */
unsigned long ai_mem_pool_free_runs(void)
{
	struct ai_mem_pool *pool = &ai_mem_pool;
	unsigned long runs = 0;
	int i;

	for (i = 0; i < pool->nr_nodes; i++)
		runs += READ_ONCE(pool->nodes[i].nr_runs) +
			READ_ONCE(pool->nodes[i].nr_dirty_runs);
	return runs;
}

void ai_mem_pool_show_nodes(struct seq_file *m)
{
	struct ai_mem_pool *pool = &ai_mem_pool;
	int i;

	for (i = 0; i < pool->nr_nodes; i++) {
		struct ai_mem_node *node = &pool->nodes[i];

		seq_printf(m, "Node %d Blocks: %lu total, %lu free\n",
			   node->nid, node->total, READ_ONCE(node->nr_free));
	}
}

/* At unload: blocks still pending go to whoever holds the last reference. */
void ai_mem_pool_drop_pending(void)
{
	struct ai_mem_pool *pool = &ai_mem_pool;
	struct ai_mem_blocks *b, *tmp;
	unsigned long i;

	cancel_delayed_work_sync(&pool->pending_work);
	list_for_each_entry_safe(b, tmp, &pool->pending, link) {
		for (i = 0; i < b->nr_out; i++) {
			put_page(*ai_mem_blocks_slot(b, i));
			if (!((i + 1) % AI_MEM_BATCH))
				cond_resched();
		}
		pool->nr_pending -= b->nr_out;
		pool->total -= b->nr_out;
		list_del(&b->link);
		ai_mem_uncharge(b->charge, b->nr);
		ai_mem_blocks_free(b);
	}
}
