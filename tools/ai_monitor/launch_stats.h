/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Launch statistics per process for the dashboard, the agent and /metrics,
 * folded from the tracer's per-interval samples (trace_lib.h).
 *
 * What the tracer measures is CPU-side: the time a launch call spends in
 * the driver (enqueue and back-pressure) and the time a synchronize call
 * waits. Neither is the GPU's execution time of a kernel.
 */
#ifndef AI_MONITOR_LAUNCH_STATS_H
#define AI_MONITOR_LAUNCH_STATS_H

#include <stdint.h>

#include "trace_lib.h"

/*
 * (process, layer) rows kept; the least recently active one makes room for
 * a new one. Under duty cycling (trace_lib.h) the histogram holds the
 * sampled calls, and launches_est, errors, syncs and the rates estimate all
 * calls (gt_row.est); always on, the two agree.
 */
#define LS_PROCS	32

/* One process's calls through one layer (enum gt_layer): CUDA driver, runtime, HIP. */
struct ls_proc {
	__u32 pid;
	unsigned int layer;
	char comm[16];
	uint64_t last_launch;		/* now_ns() of the last sample with launches */
	/* Since start (or the last reset), launch APIs only. */
	__u64 launches;			/* sampled: the histogram's count */
	__u64 launch_sum_ns;		/* sampled */
	__u64 slots[GT_SLOTS];		/* sampled */
	double launches_est;		/* all launches, estimated */
	double errors;			/* failed launches, estimated */
	/* Synchronize calls: count and time spent waiting, estimated. */
	double syncs;
	double sync_sum_ns;
	/* Over the last interval. */
	double launch_rate;		/* launches per second */
	double sync_share;		/* share of the interval spent in sync calls */
};

struct launch_stats {
	struct gt_tracer *tracer;	/* NULL: not available, why[] says why */
	char why[256];
	int nprocs;
	struct ls_proc procs[LS_PROCS];
	__u64 slots[GT_SLOTS];		/* all processes, since start or reset */
	__u64 launches;
	__u64 dropped;
	double interval_s;
};

/*
 * Start tracing every process, duty cycled if duty_period_ms (0: always
 * on). Never fails: a missing tracer is recorded.
 */
void ls_open(struct launch_stats *ls, unsigned int duty_on_ms, unsigned int duty_period_ms);
/*
 * Take a sample and fold it in; forget processes that have exited. The
 * tracer sees the real system, so liveness is checked in the real /proc
 * whatever --proc-root says.
 */
void ls_update(struct launch_stats *ls);
/*
 * New processes' files and duty windows: call again within the seconds it
 * returns (a late call makes a window longer, which is measured, not wrong).
 */
double ls_service(struct launch_stats *ls);
/* The folding alone, for tests. */
void ls_fold(struct launch_stats *ls, const struct gt_sample *s, uint64_t now);
void ls_reset(struct launch_stats *ls);
void ls_close(struct launch_stats *ls);

static inline int ls_is_launch(unsigned int api)
{
	return gt_api_is_launch(api);
}

#endif /* AI_MONITOR_LAUNCH_STATS_H */
