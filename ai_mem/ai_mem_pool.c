// SPDX-License-Identifier: GPL-2.0
/*
 * The block pool: pages reserved at load, per NUMA node, zeroed off the
 * allocation path by a worker, and taken back only once nobody but us
 * references them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/topology.h>

#include "ai_mem_internal.h"

/* Reserve in 2 MiB chunks when the buddy allocator has them. */
#define AI_MEM_CHUNK_ORDER	9
/* Pages the zero worker takes per lock round trip. */
#define AI_MEM_ZERO_BATCH	32
/* How often pages still referenced after FREE are checked again. */
#define AI_MEM_PENDING_POLL	(HZ / 10)

struct ai_mem_pool ai_mem_pool;

static void ai_mem_zero_work(struct work_struct *work)
{
	struct ai_mem_node *node = container_of(work, struct ai_mem_node,
						zero_work);
	struct ai_mem_pool *pool = &ai_mem_pool;
	struct page *batch[AI_MEM_ZERO_BATCH];
	unsigned long i, n;

	for (;;) {
		spin_lock(&pool->lock);
		n = min_t(unsigned long, node->nr_dirty, AI_MEM_ZERO_BATCH);
		node->nr_dirty -= n;
		memcpy(batch, node->dirty + node->nr_dirty, n * sizeof(*batch));
		node->nr_zeroing += n;
		pool->nr_zeroing += n;
		spin_unlock(&pool->lock);
		if (!n)
			return;

		for (i = 0; i < n; i++)
			clear_highpage(batch[i]);

		spin_lock(&pool->lock);
		memcpy(node->clean + node->nr_clean, batch, n * sizeof(*batch));
		node->nr_clean += n;
		node->nr_zeroing -= n;
		pool->nr_zeroing -= n;
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
static void ai_mem_kick_zeroing(bool all)
{
	struct ai_mem_pool *pool = &ai_mem_pool;
	int i;

	for (i = 0; i < pool->nr_nodes; i++) {
		struct ai_mem_node *node = &pool->nodes[i];
		unsigned long dirty = READ_ONCE(node->nr_dirty);

		if (!dirty)
			continue;
		if (all || dirty >= AI_MEM_ZERO_BATCH ||
		    READ_ONCE(node->nr_clean) < node->total / 8)
			queue_work_node(node->nid, pool->wq, &node->zero_work);
	}
}

/* Caller holds pool->lock. The page must have only our reference. */
static void ai_mem_push_dirty(struct ai_mem_pool *pool, struct page *page)
{
	struct ai_mem_node *node = pool->by_nid[page_to_nid(page)];

	node->dirty[node->nr_dirty++] = page;
	pool->nr_free++;
}

static void ai_mem_pending_work(struct work_struct *work)
{
	struct ai_mem_pool *pool = &ai_mem_pool;
	unsigned long i, moved = 0, left;

	spin_lock(&pool->lock);
	for (i = 0; i < pool->nr_pending; ) {
		struct page *page = pool->pending[i];

		if (page_ref_count(page) == 1) {
			ai_mem_push_dirty(pool, page);
			pool->pending[i] = pool->pending[--pool->nr_pending];
			moved++;
		} else {
			i++;
		}
	}
	left = pool->nr_pending;
	spin_unlock(&pool->lock);

	if (moved)
		ai_mem_kick_zeroing(true);
	if (left)
		queue_delayed_work(pool->wq, &pool->pending_work,
				   AI_MEM_PENDING_POLL);
}

/*
 * Return pages of a freed allocation. Nothing maps them any more (the caller
 * tore the mappings down), but a GUP pin or a transient reference may still
 * be held: such pages wait in the pending array until the count drops.
 * @clean: the allocation was never mapped, so nobody can have written to
 * its pages (only a mapping exposes them) and they need no zeroing.
 */
void ai_mem_pool_put(struct page **pages, unsigned long n, bool clean)
{
	struct ai_mem_pool *pool = &ai_mem_pool;
	unsigned long i, pending = 0;

	spin_lock(&pool->lock);
	for (i = 0; i < n; i++) {
		if (page_ref_count(pages[i]) == 1 && clean) {
			struct ai_mem_node *node =
				pool->by_nid[page_to_nid(pages[i])];

			node->clean[node->nr_clean++] = pages[i];
			pool->nr_free++;
		} else if (page_ref_count(pages[i]) == 1) {
			ai_mem_push_dirty(pool, pages[i]);
		} else {
			pool->pending[pool->nr_pending++] = pages[i];
			pending++;
		}
	}
	spin_unlock(&pool->lock);

	ai_mem_kick_zeroing(false);
	if (pending)
		queue_delayed_work(pool->wq, &pool->pending_work,
				   AI_MEM_PENDING_POLL);
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

/*
 * Take @n zeroed blocks into @pages. From @nid's node first (the caller's
 * node for AI_MEM_NODE_ANY), then the others nearest first unless @strict.
 * Succeeds whenever @n blocks are free on the allowed nodes, wherever they
 * are; -ENOMEM otherwise. Sleeps: it may zero pages or wait for the worker.
 */
int ai_mem_pool_get(unsigned long n, int nid, bool strict, struct page **pages)
{
	struct ai_mem_pool *pool = &ai_mem_pool;
	struct ai_mem_node *first, *node;
	unsigned long avail, ready, take, nr_clean, nr_dirty, i;
	int k, nr_allowed;

	if (nid == NUMA_NO_NODE) {
		first = ai_mem_nearest(numa_mem_id());
	} else {
		first = pool->by_nid[nid];
		if (!first) {
			if (strict)
				return -ENOMEM;
			first = ai_mem_nearest(nid);
		}
	}
	nr_allowed = strict ? 1 : pool->nr_nodes;

retry:
	spin_lock(&pool->lock);
	avail = 0;
	ready = 0;
	for (k = 0; k < nr_allowed; k++) {
		node = &pool->nodes[first->fallback[k]];
		ready += node->nr_clean + node->nr_dirty;
		avail += node->nr_clean + node->nr_dirty + node->nr_zeroing;
	}
	if (avail < n) {
		spin_unlock(&pool->lock);
		return -ENOMEM;
	}
	if (ready < n) {
		/* The rest is in the zero worker's hands for a moment. */
		unsigned long seq = pool->zero_seq;

		spin_unlock(&pool->lock);
		wait_event(pool->zero_wait, READ_ONCE(pool->zero_seq) != seq);
		goto retry;
	}

	/* Clean pages fill @pages from the front, dirty ones from the back. */
	nr_clean = 0;
	nr_dirty = 0;
	for (k = 0; k < nr_allowed && nr_clean + nr_dirty < n; k++) {
		node = &pool->nodes[first->fallback[k]];

		take = min(node->nr_clean, n - nr_clean - nr_dirty);
		node->nr_clean -= take;
		memcpy(pages + nr_clean, node->clean + node->nr_clean,
		       take * sizeof(*pages));
		nr_clean += take;

		take = min(node->nr_dirty, n - nr_clean - nr_dirty);
		node->nr_dirty -= take;
		nr_dirty += take;
		memcpy(pages + n - nr_dirty, node->dirty + node->nr_dirty,
		       take * sizeof(*pages));
	}
	pool->nr_free -= n;
	spin_unlock(&pool->lock);

	for (i = nr_clean; i < n; i++) {
		clear_highpage(pages[i]);
		if (!((i + 1) % AI_MEM_ZERO_BATCH))
			cond_resched();
	}
	ai_mem_kick_zeroing(false);
	return 0;
}

void ai_mem_pool_stats(struct ai_mem_stats *st)
{
	struct ai_mem_pool *pool = &ai_mem_pool;

	spin_lock(&pool->lock);
	st->total = pool->total;
	st->free = pool->nr_free;
	st->pending = pool->nr_pending;
	spin_unlock(&pool->lock);
}

void ai_mem_pool_show_nodes(struct seq_file *m)
{
	struct ai_mem_pool *pool = &ai_mem_pool;
	int i;

	for (i = 0; i < pool->nr_nodes; i++) {
		struct ai_mem_node *node = &pool->nodes[i];
		unsigned long free;

		spin_lock(&pool->lock);
		free = node->nr_clean + node->nr_dirty + node->nr_zeroing;
		spin_unlock(&pool->lock);
		seq_printf(m, "Node %d Blocks: %lu total, %lu free\n",
			   node->nid, node->total, free);
	}
}

/*
 * Reserve @want pages on @nid (NUMA_NO_NODE: anywhere) into @pages, in big
 * chunks split into single pages. Never wakes the OOM killer: when memory
 * is short the load fails instead.
 */
static int ai_mem_reserve(int nid, unsigned long want, struct page **pages,
			  unsigned long *got)
{
	gfp_t gfp = GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN | __GFP_NORETRY;
	unsigned int order, max_order = AI_MEM_CHUNK_ORDER;
	unsigned long end = *got + want, i;
	struct page *page;

	if (nid != NUMA_NO_NODE)
		gfp |= __GFP_THISNODE;
	while (*got < end) {
		order = min_t(unsigned int, max_order, ilog2(end - *got));
		page = alloc_pages_node(nid, gfp, order);
		if (!page) {
			if (!order)
				return -ENOMEM;
			/* No chunk this big now; do not try it again. */
			max_order = order - 1;
			continue;
		}
		if (order)
			split_page(page, order);
		for (i = 0; i < (1UL << order); i++)
			pages[(*got)++] = page + i;
		cond_resched();
	}
	return 0;
}

static void ai_mem_release_pages(struct page **pages, unsigned long n)
{
	unsigned long i;

	/* put_page: a page still pinned by someone is freed by its last user. */
	for (i = 0; i < n; i++)
		put_page(pages[i]);
}

/* Is pool node @a farther from pool node @from than pool node @b? */
static bool ai_mem_farther(int from, int a, int b)
{
	struct ai_mem_node *nodes = ai_mem_pool.nodes;

	if (a == from || b == from)
		return b == from && a != from;
	return node_distance(nodes[from].nid, nodes[a].nid) >
	       node_distance(nodes[from].nid, nodes[b].nid);
}

/* Split the reserved pages into per-node stacks; the pages are all clean. */
static int ai_mem_build_nodes(struct page **pages, unsigned long n)
{
	struct ai_mem_pool *pool = &ai_mem_pool;
	unsigned long *count, i;
	int nid, k, j, ret = -ENOMEM;

	count = kcalloc(nr_node_ids, sizeof(*count), GFP_KERNEL);
	pool->by_nid = kcalloc(nr_node_ids, sizeof(*pool->by_nid), GFP_KERNEL);
	if (!count || !pool->by_nid)
		goto out;
	for (i = 0; i < n; i++)
		count[page_to_nid(pages[i])]++;
	for (nid = 0; nid < nr_node_ids; nid++)
		pool->nr_nodes += !!count[nid];
	pool->nodes = kcalloc(pool->nr_nodes, sizeof(*pool->nodes),
			      GFP_KERNEL);
	if (!pool->nodes)
		goto out;

	k = 0;
	for (nid = 0; nid < nr_node_ids; nid++) {
		struct ai_mem_node *node = &pool->nodes[k];

		if (!count[nid])
			continue;
		node->nid = nid;
		node->total = count[nid];
		INIT_WORK(&node->zero_work, ai_mem_zero_work);
		node->clean = kvmalloc_array(node->total, sizeof(*node->clean),
					     GFP_KERNEL);
		node->dirty = kvmalloc_array(node->total, sizeof(*node->dirty),
					     GFP_KERNEL);
		node->fallback = kcalloc(pool->nr_nodes,
					 sizeof(*node->fallback), GFP_KERNEL);
		if (!node->clean || !node->dirty || !node->fallback)
			goto out;
		pool->by_nid[nid] = node;
		k++;
	}
	for (i = 0; i < n; i++) {
		struct ai_mem_node *node = pool->by_nid[page_to_nid(pages[i])];

		node->clean[node->nr_clean++] = pages[i];
	}

	/*
	 * Fallback order: the node itself (strict requests use only this
	 * first entry), then by distance, then by node number.
	 */
	for (k = 0; k < pool->nr_nodes; k++) {
		int *fb = pool->nodes[k].fallback;

		for (j = 0; j < pool->nr_nodes; j++) {
			int pos = j;

			while (pos > 0 && ai_mem_farther(k, fb[pos - 1], j)) {
				fb[pos] = fb[pos - 1];
				pos--;
			}
			fb[pos] = j;
		}
	}
	ret = 0;
out:
	kfree(count);
	return ret;
}

static void ai_mem_free_nodes(void)
{
	struct ai_mem_pool *pool = &ai_mem_pool;
	int k;

	for (k = 0; pool->nodes && k < pool->nr_nodes; k++) {
		kvfree(pool->nodes[k].clean);
		kvfree(pool->nodes[k].dirty);
		kfree(pool->nodes[k].fallback);
	}
	kfree(pool->nodes);
	kfree(pool->by_nid);
	pool->nodes = NULL;
	pool->by_nid = NULL;
	pool->nr_nodes = 0;
}

int ai_mem_pool_init(unsigned long nr_blocks, bool numa)
{
	struct ai_mem_pool *pool = &ai_mem_pool;
	unsigned long got = 0, share, extra;
	struct page **pages;
	int nid, nr = 0, idx = 0, ret;

	spin_lock_init(&pool->lock);
	init_waitqueue_head(&pool->zero_wait);
	INIT_DELAYED_WORK(&pool->pending_work, ai_mem_pending_work);

	pages = kvmalloc_array(nr_blocks, sizeof(*pages), GFP_KERNEL);
	pool->pending = kvmalloc_array(nr_blocks, sizeof(*pool->pending),
				       GFP_KERNEL);
	pool->wq = alloc_workqueue("ai_mem", WQ_UNBOUND, 0);
	if (!pages || !pool->pending || !pool->wq) {
		ret = -ENOMEM;
		goto err;
	}

	if (numa) {
		for_each_node_state(nid, N_MEMORY)
			nr++;
		share = nr_blocks / nr;
		extra = nr_blocks % nr;
		for_each_node_state(nid, N_MEMORY) {
			unsigned long want = share + (idx++ < extra);

			ret = ai_mem_reserve(nid, want, pages, &got);
			if (ret) {
				pr_err("cannot reserve %lu KiB on node %d (pool_mb=%lu): not enough free memory there\n",
				       want << (PAGE_SHIFT - 10), nid,
				       nr_blocks >> (20 - PAGE_SHIFT));
				goto err_pages;
			}
		}
	} else {
		ret = ai_mem_reserve(NUMA_NO_NODE, nr_blocks, pages, &got);
		if (ret) {
			pr_err("cannot reserve %lu MiB: not enough free memory\n",
			       nr_blocks >> (20 - PAGE_SHIFT));
			goto err_pages;
		}
	}

	ret = ai_mem_build_nodes(pages, got);
	if (ret)
		goto err_nodes;
	pool->total = got;
	pool->nr_free = got;
	kvfree(pages);
	return 0;

err_nodes:
	ai_mem_free_nodes();
err_pages:
	ai_mem_release_pages(pages, got);
err:
	if (pool->wq)
		destroy_workqueue(pool->wq);
	kvfree(pool->pending);
	kvfree(pages);
	return ret;
}

void ai_mem_pool_exit(void)
{
	struct ai_mem_pool *pool = &ai_mem_pool;
	int k;

	/* No file is open any more: every block is free or pending. */
	cancel_delayed_work_sync(&pool->pending_work);
	destroy_workqueue(pool->wq);
	WARN_ON(pool->nr_free + pool->nr_pending != pool->total);

	for (k = 0; k < pool->nr_nodes; k++) {
		struct ai_mem_node *node = &pool->nodes[k];

		ai_mem_release_pages(node->clean, node->nr_clean);
		ai_mem_release_pages(node->dirty, node->nr_dirty);
	}
	ai_mem_release_pages(pool->pending, pool->nr_pending);
	ai_mem_free_nodes();
	kvfree(pool->pending);
}
