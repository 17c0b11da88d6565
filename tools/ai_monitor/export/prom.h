/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /metrics in the Prometheus text exposition format (version 0.0.4), and
 * the small HTTP server that serves it from the agent's main loop.
 *
 * Label cardinality is bounded by construction: gpu (at most GPU_MAX), pid
 * and comm of at most LS_PROCS traced processes, GPU_PROC_MAX per-process
 * GPU samples and PF_ROWS rows of each /proc table, state (the scheduler's
 * few states). Never kernel names, paths or anything a client chooses.
 */
#ifndef AI_MONITOR_PROM_H
#define AI_MONITOR_PROM_H

#include <stdio.h>

#include "snapshot.h"

/* GPU busy time the agent measured for one registered process. */
struct agent_task_busy {
	int pid;
	unsigned long long busy_ns;
};

#define AGENT_BUSY_MAX 256

/* What the agent adds about itself; NULL for other users. */
struct agent_metrics {
	int sched_dev_up;		/* the last push reached /dev/ai_sched */
	unsigned long long pushes;	/* AI_SCHED_IOC_SET_GPU_UTIL that succeeded */
	unsigned long long push_errors;
	int registered;			/* processes the agent has registered now */
	unsigned long long registrations;
	unsigned long long unregistrations;
	int group_lever;		/* --group-nice given */
	int groups_raised;
	unsigned long long group_raises, group_restores, group_left_alone, group_over_budget;
	int nbusy;
	struct agent_task_busy busy[AGENT_BUSY_MAX];
};

void prom_render(FILE *f, const struct snapshot *s, const struct agent_metrics *am);

/*
 * Listen on "ADDR:PORT" (an IPv4 address, or "[v6]:port"; a bare port means
 * 127.0.0.1). Returns a non-blocking listening socket, or -errno with
 * err[] filled in.
 */
int prom_listen(const char *addr, char *err, size_t errlen);
/* Answer every pending connection on lfd with body (GET /metrics) or 404. */
void prom_serve(int lfd, const char *body, size_t len);

#endif /* AI_MONITOR_PROM_H */
