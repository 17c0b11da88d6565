/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace_priv.h - the tracer's insides, shared by trace_lib.c (load, sample),
 * trace_targets.c (which files to probe, found how) and trace_duty.c
 * (probes on for part of each period). Not for users of trace_lib.h.
 */
#ifndef AI_MONITOR_TRACE_PRIV_H
#define AI_MONITOR_TRACE_PRIV_H

#include <limits.h>
#include <sys/types.h>
#include <time.h>

#include "trace_lib.h"

/* The probes on one file: two multi-uprobe links, or a perf link pair per API. */
struct gt_links {
	int multi[2];			/* entry, return; -1: none */
	struct bpf_link *pair[GT_API_COUNT][2];
};

/*
 * One file we probe: a libcuda, a libcudart, a libamdhip64, or an
 * executable or library carrying a static copy of the CUDA runtime. A
 * uprobe sits on the file's inode, so one target serves every process that
 * maps it, now or later. The file is held open and attached through
 * /proc/self/fd/N: the path it was found by (a container's, or a dying
 * process's map_files entry) may not last, and duty cycling re-attaches.
 */
struct gt_target {
	dev_t dev;
	ino_t ino;
	int fd;
	char path[PATH_MAX];		/* as found, for people */
	__u64 apis;			/* bit per enum gt_api found in it */
	__u64 emulated;			/* bit per API whose probed insn is emulated */
	long off[GT_API_COUNT];		/* file offset of each probe */
	unsigned char skip[GT_API_COUNT];	/* bytes from function entry to it */
	struct gt_links links;
};

/* Files looked at and found to have nothing to trace, by (dev, ino). */
struct gt_seen {
	struct gt_file_id { __u64 dev, ino; } *slot;
	size_t cap, n;			/* cap is a power of two; 0 = empty */
};

struct gpu_tracer;
struct ring_buffer;

struct gt_tracer {
	struct gpu_tracer *skel;
	pid_t pid;			/* > 0: only this process */
	bool verbose;
	bool multi;			/* the kernel has multi-uprobe links */
	bool watch;			/* find new processes' files (no --lib) */
	bool attached;			/* probes live (duty: in a window) */
	bool settle;			/* gt_tracer_settle(): the next sample is the last */

	struct gt_target *targets;
	size_t ntargets, cap;
	struct gt_seen seen;
	double seen_until;		/* when seen is forgotten (monotonic s) */
	struct ring_buffer *execs;	/* exec events from gt_exec */
	struct bpf_link *exec_link;
	double next_scan;		/* when /proc is next scanned, monotonic s */
	double scan_ms;			/* the last full scan took */
	size_t scanned_files;		/* distinct mapped files looked at */

	/* Duty cycling (trace_duty.c); duty_period_ms 0: always on. */
	unsigned int duty_on_ms, duty_period_ms;
	double next_toggle;		/* monotonic s */
	double window_start;		/* of the open window, or the last sample in it */
	double open_at;			/* when the open window opened */
	double last_open, last_len;	/* the last window: when it opened, how long it was */
	double window_s;		/* sampled since the last sample */
	double started, sampled_s;	/* since gt_duty_start(): when, how much sampled */
	double attach_ms, detach_ms;	/* last full attach and detach took */

	struct gt_links calib[2];	/* on our own two calibration targets */
	double overhead_ns;		/* the most any traced function costs */
	double api_overhead_ns[GT_API_COUNT];

	/*
	 * Duty cycling: each row's sampled calls as of the last window's end,
	 * and the estimate of all its calls they stand for (gt_duty_account()).
	 */
	struct gt_acct {
		__u32 pid, api;
		__u64 count, errors, sum_ns;
		struct gt_est est;
	} *acct;
	size_t nacct;
	double acct_scale;		/* the last window's: its period over its length */
	struct gt_row *prev;		/* cumulative at the last sample, sorted */
	size_t nprev;
	struct gt_drops prev_drops;
	struct timespec last;
};

/* Monotonic seconds; gt_now_ts() also fills @ts. */
double gt_now_s(void);
double gt_now_ts(struct timespec *ts);

/* A probe's BPF cookie: its API, and the layer that picks its start slot. */
static inline __u64 gt_cookie(unsigned int api)
{
	return api | (__u64)gt_api_layer(api) << GT_COOKIE_LAYER_SHIFT;
}
/* trace_calib.c: the function our probes are first tried on. */
int gt_calib_emulated(int x) __attribute__((visibility("hidden")));
/* File offset of our own code at @addr, or -errno. */
long gt_self_offset(const void *addr);
void gt_say(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* trace_links.c */
void gt_links_init(struct gt_links *l);
/* Before loading: the multi-uprobe programs' attach type; 0 or -errno. */
int gt_links_prepare(struct gpu_tracer *skel);
/* Before loading, where the kernel has no multi-uprobe links. */
void gt_links_no_multi(struct gpu_tracer *skel);
/* Whether a multi-uprobe link can be made (on our own function @fn). */
bool gt_links_probe_multi(struct gt_tracer *t, const void *fn);
/* Probes on the functions @apis of @path at file offsets @off[api]; 0 or -errno. */
int gt_links_attach(struct gt_tracer *t, struct gt_links *l, const char *path, pid_t pid,
		    const long *off, __u64 apis);
void gt_links_detach(struct gt_links *const *sets, size_t nsets);
/* Attaches every probe of @tg not yet attached; 0 or -errno. */
int gt_target_attach(struct gt_tracer *t, struct gt_target *tg);
/* Detaches every probe of every target. */
void gt_detach_all(struct gt_tracer *t);

/* trace_targets.c */
/*
 * Adds the file open at @fd (found as @path) if it carries functions we
 * trace, attached when probes are live. Takes @fd; returns 1 if added, 0
 * if nothing to trace there or already known, -errno on failure.
 */
int gt_target_add(struct gt_tracer *t, int fd, const char *path);
/* Every mapped executable file of @pid (or every process, pid <= 0). */
void gt_targets_scan(struct gt_tracer *t, pid_t pid);
int gt_targets_watch(struct gt_tracer *t);
void gt_targets_free(struct gt_tracer *t);

/*
 * At each window's start: every row's calls seen since the last one (in
 * the window just past) times @scale, that window's period over its length,
 * added to the row's estimate (trace_sample.c).
 */
void gt_duty_account(struct gt_tracer *t, double scale);

/* trace_duty.c */
void gt_duty_start(struct gt_tracer *t);
/* Opens or closes the window when due; seconds until the next change. */
double gt_duty_step(struct gt_tracer *t, double now);
/* Sampled seconds since the last call (the open window counted to @now). */
double gt_duty_take_window(struct gt_tracer *t, double now);
double gt_duty_scale(const struct gt_tracer *t, double now);

#endif /* AI_MONITOR_TRACE_PRIV_H */
