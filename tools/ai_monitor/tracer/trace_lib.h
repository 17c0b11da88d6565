/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace_lib.h - the GPU launch tracer (bpf/gpu_tracer.bpf.c) as a library.
 *
 * `ai_monitor trace` is one user; the dashboard and the agent can be others:
 *
 *	struct gt_tracer *t;
 *	struct gt_sample s;
 *
 *	if (gt_tracer_open(&t, &(struct gt_opts){ .pid = -1 }, err, sizeof(err)))
 *		fail(err);
 *	loop: gt_tracer_poll(t, 1.0);	(new processes, duty cycling)
 *	      gt_tracer_sample(t, &s); use s.rows[]; gt_sample_free(&s);
 *	gt_tracer_close(t);
 *
 * Three layers are traced (enum gt_layer): the CUDA driver (libcuda.so.1),
 * the CUDA runtime (libcudart.so.*, and the static copy nvcc links into
 * executables by default) and AMD's HIP runtime (libamdhip64.so.*).
 * What is measured is the CPU-side latency of each call (enqueue plus
 * back-pressure); a launch is asynchronous, so this is never the kernel's
 * execution time on the GPU.
 */
#ifndef AI_MONITOR_TRACE_LIB_H
#define AI_MONITOR_TRACE_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "gpu_tracer.h"

/* --- histogram math (trace_hist.c, pure) --- */

/* Bounds of a bucket: it holds latencies in [lo, hi) ns. */
__u64 gt_slot_lo(unsigned int slot);
__u64 gt_slot_hi(unsigned int slot);
__u64 gt_hist_total(const __u64 *slots);
/* Percentile p in [0, 100], interpolated inside its bucket; 0 if empty. */
__u64 gt_hist_percentile(const __u64 *slots, double p);

/*
 * The sampling error of a percentile from a duty-cycled sample: its 95%
 * confidence interval [lo, hi] in ns (order statistics, no assumption on
 * the distribution); 0, 0 if empty. Too few samples to bound a side: lo 0,
 * hi GT_UNBOUNDED.
 */
#define GT_UNBOUNDED	(~0ULL)
void gt_hist_percentile_ci(const __u64 *slots, double p, __u64 *lo, __u64 *hi);

/* --- the traced functions (trace_apis.c) --- */

const char *gt_api_name(unsigned int api);
/* What to look up in symbol tables: the name, or its C++ mangled prefix. */
const char *gt_api_symbol(unsigned int api);
bool gt_api_is_sync(unsigned int api);
bool gt_api_is_launch(unsigned int api);
unsigned int gt_api_layer(unsigned int api);	/* enum gt_layer */
const char *gt_layer_name(unsigned int layer);	/* "driver", "runtime", "hip" */

/* --- finding the files to trace (trace_elf.c) --- */

/*
 * The libcuda.so.1 the dynamic loader would pick: the first of
 * gt_find_loader_libs(). 0, or -ENOENT (none found); why[] says why.
 */
int gt_find_libcuda(char *path, size_t len, char *why, size_t whylen);

/*
 * Calls @found for each library named @prefix* (say "libcudart.so.") that
 * the dynamic loader could pick: in $LD_LIBRARY_PATH, /etc/ld.so.cache and
 * the usual directories, each file once. Returns how many were found.
 */
unsigned int gt_find_loader_libs(const char *prefix,
				 void (*found)(const char *path, void *arg), void *arg);

/* Whether @fd is an x86-64 ELF executable or shared object. */
bool gt_is_our_elf(int fd);

/*
 * File offsets of the functions @names[0..@n) in the ELF file @path, from
 * its dynamic, then its full symbol table (local symbols included: the
 * static CUDA runtime's cudaLaunchKernel is local), in one pass over each:
 * what a uprobe attaches to. offs[i] is names[i]'s offset or -ENOENT.
 * Returns 0, or -errno if @path is unreadable or not ELF.
 */
int gt_elf_func_offsets(const char *path, const char *const *names, long *offs,
			unsigned int n);

/* --- probe placement (trace_insn.c, pure) --- */

/* Whether x86 uprobes emulate the instruction at @code (push, call, jmp...). */
bool gt_insn_emulated(const unsigned char *code, size_t len);
/*
 * Bytes from a function's entry (its first @len bytes in @code) to the
 * instruction its uprobe and uretprobe should sit on: the first emulated one
 * reachable over prologue instructions that neither move %rsp nor branch,
 * else 0.
 */
size_t gt_probe_offset(const unsigned char *code, size_t len);

/* --- the tracer (trace_lib.c, trace_targets.c, trace_duty.c) --- */

struct gt_tracer;

struct gt_opts {
	/*
	 * NULL: every libcuda, libcudart and libamdhip64 the loader can
	 * find, every file a process (-p: that one) has mapped that has
	 * functions we trace, and, without a pid, those of processes
	 * started later. Else this one file alone.
	 */
	const char *lib;
	pid_t pid;		/* > 0: only this process; otherwise all */
	bool calibrate;		/* measure our own cost per call at start-up */
	bool verbose;		/* libbpf's messages on stderr */
	/* Duty cycling: probes attached duty_on_ms of every duty_period_ms. */
	unsigned int duty_on_ms, duty_period_ms;
	/*
	 * Only whether tracing works here: load the programs, find the
	 * loader's libraries, attach nothing, scan nothing (ai_monitor status).
	 */
	bool dry_run;
};

/*
 * 0 or -errno, with a sentence in err[]. Needs CAP_BPF + CAP_PERFMON (root).
 * With neither a lib nor a pid, finding nothing to trace yet is not an
 * error: the tracer waits for processes.
 */
int gt_tracer_open(struct gt_tracer **tp, const struct gt_opts *opts,
		   char *err, size_t errlen);
void gt_tracer_close(struct gt_tracer *t);

/*
 * Measures our cost per traced call (gt_tracer_overhead_ns()), if the open
 * did not: a few ms, once the probes are live. 0 or -errno.
 */
int gt_tracer_calibrate(struct gt_tracer *t);

/*
 * Waits up to @seconds, meanwhile probing the files of new processes and
 * opening and closing duty windows. 0, or -EINTR if a signal came.
 */
int gt_tracer_poll(struct gt_tracer *t, double seconds);
/*
 * The same without waiting, for callers with their own loop: handles what
 * is due and returns the seconds until it should be called again.
 */
double gt_tracer_service(struct gt_tracer *t);

/* The files probed: @i-th's path and the APIs found in it, NULL past the end. */
const char *gt_tracer_file(const struct gt_tracer *t, size_t i, __u64 *apis);
size_t gt_tracer_nfiles(const struct gt_tracer *t);
/* The first libcuda probed, or "" (for messages). */
const char *gt_tracer_lib(const struct gt_tracer *t);
/* Whether some probed file has @api (and so it is traced). */
bool gt_tracer_has_api(const struct gt_tracer *t, unsigned int api);
/* Distinct functions traced, over all files. */
unsigned int gt_tracer_napis(const struct gt_tracer *t);
bool gt_tracer_watching(const struct gt_tracer *t);
/*
 * Whether probes go on multi-uprobe links (6.6+: two per file, detached
 * with one grace period) rather than a perf-event pair per function.
 */
bool gt_tracer_multi(const struct gt_tracer *t);
/* Exec events the ring buffer had no room for (their programs wait for a scan). */
__u64 gt_tracer_exec_lost(const struct gt_tracer *t);
/* What finding files costs: the last /proc scan in ms, files looked at. */
double gt_tracer_scan_ms(const struct gt_tracer *t, size_t *files);
/* Duty cycling's cost: the last attach and detach of every probe, in ms. */
void gt_tracer_toggle_ms(const struct gt_tracer *t, double *attach_ms, double *detach_ms);
/*
 * Measured cost of tracing one call in ns, negative if not calibrated: of
 * the costliest traced function, or of @api's. It depends on the function's
 * first instruction (emulated by the kernel, or single-stepped), and part of
 * it falls between the two timestamps, so it also bounds the bias of each
 * measured latency.
 */
double gt_tracer_overhead_ns(const struct gt_tracer *t);
double gt_tracer_api_overhead_ns(const struct gt_tracer *t, unsigned int api);

/* Estimated calls, failed calls and time in them, and the calls seen behind them. */
struct gt_est {
	double calls, errors, sum_ns;
	__u64 seen;
};

/* What one process did through one API since the previous sample. */
struct gt_row {
	__u32 pid;
	__u32 api;		/* enum gt_api */
	char comm[16];
	__u64 count;
	__u64 sum_ns;
	__u64 errors;
	bool gone;		/* the process has exited: its last report */
	/*
	 * All calls in this sample, estimated: what was seen, when always on.
	 * Duty cycled, each window's calls times its period over its length,
	 * added at the start of the next window (or when the process has
	 * exited): so a row may estimate calls in a sample that saw none, and
	 * the estimates add up, unbiased for a process that lives any part of
	 * the time. seen is how many sampled calls stand behind them.
	 */
	struct gt_est est;
	struct gt_est est_total;	/* all samples' (internal) */
	__u64 slots[GT_SLOTS];			/* sampled calls only */
};

struct gt_sample {
	struct gt_row *rows;	/* sorted by pid, then api; count or est > 0 */
	size_t nrows;
	struct gt_drops drops;	/* lost since the previous sample */
	__u64 dropped;		/* their sum */
	double interval_s;	/* since the previous sample (or the open) */
	/*
	 * Of which the probes were live: interval_s always on, less when duty
	 * cycled. scale is the time since the open over the time sampled since
	 * (1 always on): what the rows' estimates multiply by.
	 */
	double window_s;
	double scale;
	bool duty;		/* duty cycled: the rows' est are estimates */
};

/* "ON_MS/PERIOD_MS" with 0 < ON_MS <= PERIOD_MS <= 1 h; 0 or -EINVAL. */
int gt_parse_duty(const char *s, unsigned int *on_ms, unsigned int *period_ms);

/*
 * Everything that changed since the previous call. Histograms of processes
 * that have exited are reported one last time, then forgotten.
 */
int gt_tracer_sample(struct gt_tracer *t, struct gt_sample *s);
void gt_sample_free(struct gt_sample *s);
/*
 * Before a last sample: duty cycled, the calls seen since the last
 * window's start are otherwise estimated only at the next one; this has
 * them estimated at the scale of the moment.
 */
void gt_tracer_settle(struct gt_tracer *t);

#endif /* AI_MONITOR_TRACE_LIB_H */
