/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rxe_loop.h - one verbs device, one protection domain and a pair of RC
 * queue pairs connected to each other on the same port (loopback), for the
 * in-VM tests and benchmarks that need a real RDMA client of our memory.
 * Soft RoCE (rdma_rxe) is brought up by tests/lib/rxe.sh.
 */
#ifndef RXE_LOOP_H
#define RXE_LOOP_H

#include <stddef.h>
#include <stdint.h>
#include <infiniband/verbs.h>

struct rxe_loop {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_qp *qp[2];
	union ibv_gid gid;
	int gid_index;
	enum ibv_mtu mtu;
	char why[160];		/* what failed, for a TAP diagnostic */
};

/* Open device @name and allocate a PD. 0, or -1 with ->why set. */
int rxe_open(struct rxe_loop *l, const char *name);

/*
 * A CQ and two RC QPs, each the other's destination, moved to RTS. Waits
 * (up to a few seconds) for the port's RoCE v2 IPv4 GID to appear: the
 * kernel adds GIDs from a work item after the netdev gets its address.
 */
int rxe_connect(struct rxe_loop *l);

/*
 * Post one signalled RDMA WRITE or READ on qp[0] between @len bytes at
 * @laddr (inside @lmr) and remote address @raddr/@rkey, and wait for its
 * completion. Returns the work completion status (IBV_WC_SUCCESS = 0), or
 * -1 with ->why set when posting or polling failed or timed out.
 */
int rxe_rdma(struct rxe_loop *l, enum ibv_wr_opcode op, struct ibv_mr *lmr,
	     void *laddr, size_t len, uint64_t raddr, uint32_t rkey);

void rxe_close(struct rxe_loop *l);

#endif /* RXE_LOOP_H */
