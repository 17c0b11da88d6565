// SPDX-License-Identifier: GPL-2.0
/*
 * rxe_loop.c - see rxe_loop.h. Everything is polled with a deadline rather
 * than waited on: under TCG a lost completion must end as a failed check,
 * not as a case killed by its timeout.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rxe_loop.h"

#define RXE_PORT	1
#define RXE_WAIT_S	10.0

static double rxe_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int rxe_open(struct rxe_loop *l, const char *name)
{
	struct ibv_device **list;
	int i, n;

	memset(l, 0, sizeof(*l));
	list = ibv_get_device_list(&n);
	if (!list) {
		snprintf(l->why, sizeof(l->why), "ibv_get_device_list: %m");
		return -1;
	}
	for (i = 0; i < n && !l->ctx; i++)
		if (!strcmp(ibv_get_device_name(list[i]), name))
			l->ctx = ibv_open_device(list[i]);
	ibv_free_device_list(list);
	if (!l->ctx) {
		snprintf(l->why, sizeof(l->why),
			 "%s: not among %d verbs devices, or open failed", name, n);
		return -1;
	}
	l->pd = ibv_alloc_pd(l->ctx);
	if (!l->pd) {
		snprintf(l->why, sizeof(l->why), "ibv_alloc_pd: %m");
		return -1;
	}
	return 0;
}

/* RoCE v2 GIDs of an IPv4 address are IPv4-mapped IPv6: ::ffff:a.b.c.d. */
static int gid_is_ipv4(const union ibv_gid *gid)
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(gid->raw, prefix, sizeof(prefix));
}

static int rxe_find_gid(struct rxe_loop *l, int tbl_len)
{
	double end = rxe_now() + RXE_WAIT_S;
	int i;

	do {
		for (i = 0; i < tbl_len; i++) {
			if (ibv_query_gid(l->ctx, RXE_PORT, i, &l->gid))
				continue;
			if (gid_is_ipv4(&l->gid)) {
				l->gid_index = i;
				return 0;
			}
		}
		usleep(50000);
	} while (rxe_now() < end);
	snprintf(l->why, sizeof(l->why),
		 "no IPv4 RoCE GID on port %d (netdev without an address?)",
		 RXE_PORT);
	return -1;
}

static int qp_to_rts(struct rxe_loop *l, struct ibv_qp *qp, uint32_t dest)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT,
		.port_num = RXE_PORT,
		.qp_access_flags = IBV_ACCESS_LOCAL_WRITE |
				   IBV_ACCESS_REMOTE_WRITE |
				   IBV_ACCESS_REMOTE_READ,
	};

	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
			  IBV_QP_PORT | IBV_QP_ACCESS_FLAGS))
		return -1;

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	a.path_mtu = l->mtu;
	a.dest_qp_num = dest;
	a.max_dest_rd_atomic = 1;
	a.min_rnr_timer = 12;
	a.ah_attr.is_global = 1;
	a.ah_attr.grh.dgid = l->gid;
	a.ah_attr.grh.sgid_index = l->gid_index;
	a.ah_attr.grh.hop_limit = 1;
	a.ah_attr.port_num = RXE_PORT;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
			  IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
			  IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER))
		return -1;

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.timeout = 14;
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.max_rd_atomic = 1;
	return ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT |
			     IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
			     IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC);
}

int rxe_connect(struct rxe_loop *l)
{
	struct ibv_port_attr port;
	struct ibv_qp_init_attr init = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 16, .max_recv_wr = 16,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	int i;

	if (ibv_query_port(l->ctx, RXE_PORT, &port)) {
		snprintf(l->why, sizeof(l->why), "ibv_query_port: %m");
		return -1;
	}
	if (port.state != IBV_PORT_ACTIVE) {
		snprintf(l->why, sizeof(l->why), "port %d state %s", RXE_PORT,
			 ibv_port_state_str(port.state));
		return -1;
	}
	l->mtu = port.active_mtu;
	if (rxe_find_gid(l, port.gid_tbl_len))
		return -1;

	l->cq = ibv_create_cq(l->ctx, 32, NULL, NULL, 0);
	if (!l->cq) {
		snprintf(l->why, sizeof(l->why), "ibv_create_cq: %m");
		return -1;
	}
	init.send_cq = init.recv_cq = l->cq;
	for (i = 0; i < 2; i++) {
		l->qp[i] = ibv_create_qp(l->pd, &init);
		if (!l->qp[i]) {
			snprintf(l->why, sizeof(l->why), "ibv_create_qp: %m");
			return -1;
		}
	}
	for (i = 0; i < 2; i++)
		if (qp_to_rts(l, l->qp[i], l->qp[!i]->qp_num)) {
			snprintf(l->why, sizeof(l->why),
				 "ibv_modify_qp of QP %d to RTS: %m", i);
			return -1;
		}
	return 0;
}

int rxe_rdma(struct rxe_loop *l, enum ibv_wr_opcode op, struct ibv_mr *lmr,
	     void *laddr, size_t len, uint64_t raddr, uint32_t rkey)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)laddr,
		.length = (uint32_t)len,
		.lkey = lmr->lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = 1,
		.sg_list = &sge,
		.num_sge = 1,
		.opcode = op,
		.send_flags = IBV_SEND_SIGNALED,
		.wr.rdma = { .remote_addr = raddr, .rkey = rkey },
	}, *bad;
	struct ibv_wc wc;
	double end;
	int n;

	if (ibv_post_send(l->qp[0], &wr, &bad)) {
		snprintf(l->why, sizeof(l->why), "ibv_post_send: %m");
		return -1;
	}
	end = rxe_now() + RXE_WAIT_S;
	while ((n = ibv_poll_cq(l->cq, 1, &wc)) == 0) {
		if (rxe_now() > end) {
			snprintf(l->why, sizeof(l->why),
				 "no completion within %.0f s", RXE_WAIT_S);
			return -1;
		}
		usleep(100);
	}
	if (n < 0) {
		snprintf(l->why, sizeof(l->why), "ibv_poll_cq: %d", n);
		return -1;
	}
	if (wc.status != IBV_WC_SUCCESS)
		snprintf(l->why, sizeof(l->why), "completion: %s",
			 ibv_wc_status_str(wc.status));
	return wc.status;
}

void rxe_close(struct rxe_loop *l)
{
	int i;

	for (i = 0; i < 2; i++)
		if (l->qp[i])
			ibv_destroy_qp(l->qp[i]);
	if (l->cq)
		ibv_destroy_cq(l->cq);
	if (l->pd)
		ibv_dealloc_pd(l->pd);
	if (l->ctx)
		ibv_close_device(l->ctx);
	memset(l, 0, sizeof(*l));
}
