// SPDX-License-Identifier: GPL-2.0
/*
 * The block pool at load and unload: pages reserved per NUMA node (in 2 MiB
 * chunks when the buddy allocator has them), put on per-node stacks (the
 * 2 MiB chunks as whole runs) with a fallback order by distance, and given
 * back at unload.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/topology.h>

#include "ai_mem_internal.h"

/*
 * Reserve @want pages on @nid (NUMA_NO_NODE: anywhere) into @pages, in big
 * chunks split into single pages. Never wakes the OOM killer: when memory
 * is short the load fails instead.
 */
static int ai_mem_reserve(int nid, unsigned long want, struct page **pages,
			  unsigned long *got)
{
	gfp_t gfp = GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN | __GFP_NORETRY;
	unsigned int order, max_order = AI_MEM_RUN_ORDER;
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

	/*
	 * put_page: a page still pinned by someone is freed by its last user.
	 * A whole pool is up to millions of pages, and this runs in module
	 * init and exit on a PREEMPT_VOLUNTARY kernel: yield now and then
	 * (the debug kernel, where each free also unmaps the page, reported
	 * a soft lockup here).
	 */
	for (i = 0; i < n; i++) {
		put_page(pages[i]);
		if (!((i + 1) % AI_MEM_BATCH))
			cond_resched();
	}
}

static void ai_mem_release_runs(struct page **runs, unsigned long n)
{
	unsigned long i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < AI_MEM_RUN; j++)
			put_page(runs[i] + j);
		cond_resched();
	}
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

/* Do the @left pages from @p on start with a whole run? */
static bool ai_mem_flat_run(struct page **p, unsigned long left)
{
	unsigned long pfn = page_to_pfn(p[0]), j;

	if (left < AI_MEM_RUN || !IS_ALIGNED(pfn, AI_MEM_RUN))
		return false;
	for (j = 1; j < AI_MEM_RUN; j++)
		if (page_to_pfn(p[j]) != pfn + j)
			return false;
	return true;
}

/*
 * Stack a node's runs so that they pop in the order they were reserved:
 * when the buddy allocator handed out neighbours in ascending order, an
 * allocation of several runs is then one physically contiguous segment.
 */
static void ai_mem_reverse(struct page **p, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n / 2; i++)
		swap(p[i], p[n - 1 - i]);
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
		node->nr_free = count[nid];
		INIT_WORK(&node->zero_work, ai_mem_zero_work);
		node->clean = kvmalloc_array(node->total, sizeof(*node->clean),
					     GFP_KERNEL);
		node->dirty = kvmalloc_array(node->total, sizeof(*node->dirty),
					     GFP_KERNEL);
		node->runs = kvmalloc_array(node->total / AI_MEM_RUN + 1,
					    sizeof(*node->runs), GFP_KERNEL);
		node->dirty_runs = kvmalloc_array(node->total / AI_MEM_RUN + 1,
						  sizeof(*node->runs),
						  GFP_KERNEL);
		node->fallback = kcalloc(pool->nr_nodes,
					 sizeof(*node->fallback), GFP_KERNEL);
		if (!node->clean || !node->dirty || !node->runs ||
		    !node->dirty_runs || !node->fallback)
			goto out;
		pool->by_nid[nid] = node;
		k++;
	}
	for (i = 0; i < n; ) {
		struct ai_mem_node *node = pool->by_nid[page_to_nid(pages[i])];

		if (ai_mem_flat_run(pages + i, n - i)) {
			node->runs[node->nr_runs++] = pages[i];
			i += AI_MEM_RUN;
		} else {
			node->clean[node->nr_clean++] = pages[i++];
		}
	}
	for (k = 0; k < pool->nr_nodes; k++)
		ai_mem_reverse(pool->nodes[k].runs, pool->nodes[k].nr_runs);

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
		kvfree(pool->nodes[k].runs);
		kvfree(pool->nodes[k].dirty_runs);
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
	INIT_LIST_HEAD(&pool->pending);
	INIT_DELAYED_WORK(&pool->pending_work, ai_mem_pending_work);

	/* Load-time only, freed before we return. */
	pages = kvmalloc_array(nr_blocks, sizeof(*pages), GFP_KERNEL);
	pool->wq = alloc_workqueue("ai_mem", WQ_UNBOUND, 0);
	if (!pages || !pool->wq) {
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
	kvfree(pages);
	return ret;
}

void ai_mem_pool_exit(void)
{
	struct ai_mem_pool *pool = &ai_mem_pool;
	int k;

	/* No file is open any more: every block is free or pending. */
	ai_mem_pool_drop_pending();
	destroy_workqueue(pool->wq);
	WARN_ON(pool->nr_free != pool->total);

	for (k = 0; k < pool->nr_nodes; k++) {
		struct ai_mem_node *node = &pool->nodes[k];

		ai_mem_release_pages(node->clean, node->nr_clean);
		ai_mem_release_pages(node->dirty, node->nr_dirty);
		ai_mem_release_runs(node->runs, node->nr_runs);
		ai_mem_release_runs(node->dirty_runs, node->nr_dirty_runs);
	}
	ai_mem_free_nodes();
}
