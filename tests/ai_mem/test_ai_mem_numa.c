// SPDX-License-Identifier: GPL-2.0
/*
 * NUMA placement on the VM's two nodes: strict allocations land on the node
 * asked for (checked with move_pages(2) and the per-node counters), a
 * strict request beyond a node's free blocks fails with ENOMEM, a
 * non-strict one falls back to the other node, AI_MEM_NODE_ANY starts with
 * the caller's memory policy (numactl --membind/--preferred), then the
 * caller's node.
 */
#include <sched.h>
#include <sys/syscall.h>

#include "ai_mem_test.h"

/* The node of every page of [p, p + n pages): -1 if they differ. */
static int nodes_of(char *p, unsigned long n)
{
	void **pages = calloc(n, sizeof(*pages));
	int *status = calloc(n, sizeof(*status)), nid = -2;
	unsigned long i;

	for (i = 0; i < n; i++)
		pages[i] = p + i * PG;
	if (syscall(SYS_move_pages, 0, n, pages, NULL, status, 0))
		nid = -3;
	for (i = 0; nid != -3 && i < n; i++) {
		if (nid == -2)
			nid = status[i];
		else if (status[i] != nid)
			nid = -1;
	}
	free(pages);
	free(status);
	return nid;
}

static int on_node(int fd, int nid, unsigned long n, uint32_t flags)
{
	uint64_t off;
	char *p;
	int got;

	if (ai_alloc(fd, n * PG, nid, flags, &off))
		return -10 - errno;
	p = ai_map(fd, off, n * PG);
	if (p != MAP_FAILED)
		p[0] = 1;	/* the first touch maps its window: all 16 */
	got = p == MAP_FAILED ? -4 : nodes_of(p, n);
	if (p != MAP_FAILED)
		munmap(p, n * PG);
	ai_free(fd, off);
	return got;
}

static void pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

#ifndef MPOL_DEFAULT
#define MPOL_DEFAULT	0
#define MPOL_PREFERRED	1
#define MPOL_BIND	2
#endif

static long set_policy(int mode, int nid)
{
	unsigned long mask = 1UL << nid;

	return syscall(SYS_set_mempolicy, mode, mode ? &mask : NULL,
		       mode ? 8 * sizeof(mask) : 0);
}

/* numactl --membind=N / --preferred=N, as the allocation sees it. */
static void test_mempolicy(int fd, long long free1)
{
	uint64_t off;

	pin_cpu(0);
	ok(!set_policy(MPOL_BIND, 1), "set_mempolicy(MPOL_BIND, node 1) on CPU 0");
	is_int(on_node(fd, AI_MEM_NODE_ANY, 16, 0), 1,
	       "  AI_MEM_NODE_ANY: node 1, the policy's");
	ok(!ai_alloc(fd, (free1 + 4) * PG, AI_MEM_NODE_ANY, 0, &off),
	   "  more than node 1 has: still served (falls back)");
	is_int(ai_proc_node_free(1), 0, "  node 1 used up first");
	ai_free(fd, off);
	ok(!set_policy(MPOL_PREFERRED, 1), "set_mempolicy(MPOL_PREFERRED, node 1)");
	is_int(on_node(fd, AI_MEM_NODE_ANY, 16, 0), 1, "  AI_MEM_NODE_ANY: node 1");
	is_int(on_node(fd, 0, 16, 0), 0, "  an explicit node 0 wins over the policy");
	ok(!set_policy(MPOL_DEFAULT, 0), "back to the default policy");
	is_int(on_node(fd, AI_MEM_NODE_ANY, 16, 0), 0,
	       "  AI_MEM_NODE_ANY on CPU 0: node 0 again");
}

int main(void)
{
	int fd = ai_open();
	struct ai_mem_info info = ai_info(fd);
	long long free0, free1;
	uint64_t off, off2;

	if (info.nr_nodes < 2) {
		skip("pool on one node", "NUMA placement");
		return tap_done();
	}
	free0 = ai_proc_node_free(0);
	free1 = ai_proc_node_free(1);
	ok(free0 > 0 && free1 > 0 && free0 + free1 == (long long)info.total_blocks,
	   "pool split over nodes 0 and 1 (%lld + %lld)", free0, free1);

	is_int(on_node(fd, 0, 16, AI_MEM_ALLOC_STRICT_NODE), 0,
	       "strict node 0: every page on node 0");
	is_int(on_node(fd, 1, 16, AI_MEM_ALLOC_STRICT_NODE), 1,
	       "strict node 1: every page on node 1");

	ok(!ai_alloc(fd, 8 * PG, 1, AI_MEM_ALLOC_STRICT_NODE, &off),
	   "strict node 1, 8 blocks");
	is_int(ai_proc_node_free(1), free1 - 8, "  node 1's free count -8");
	is_int(ai_proc_node_free(0), free0, "  node 0's unchanged");
	ai_free(fd, off);

	is_errno(ai_alloc(fd, (free1 + 1) * PG, 1, AI_MEM_ALLOC_STRICT_NODE,
			  &off), ENOMEM,
		 "strict node 1, one block more than it has: ENOMEM");
	ok(!ai_alloc(fd, (free1 + 1) * PG, 1, 0, &off),
	   "same without strict: falls back");
	is_int(ai_proc_node_free(1), 0, "  node 1 used up");
	is_int(ai_proc_node_free(0), free0 - 1, "  one block from node 0");
	is_errno(ai_alloc(fd, PG, 1, AI_MEM_ALLOC_STRICT_NODE, &off2), ENOMEM,
		 "  node 1 now empty: strict ENOMEM");
	ok(!ai_alloc(fd, PG, 1, 0, &off2) && !ai_free(fd, off2),
	   "  non-strict still served");
	ai_free(fd, off);

	pin_cpu(1);
	is_int(on_node(fd, AI_MEM_NODE_ANY, 16, 0), 1,
	       "AI_MEM_NODE_ANY on CPU 1: node 1");
	pin_cpu(0);
	is_int(on_node(fd, AI_MEM_NODE_ANY, 16, 0), 0,
	       "AI_MEM_NODE_ANY on CPU 0: node 0");
	test_mempolicy(fd, free1);
	close(fd);
	return tap_done();
}
