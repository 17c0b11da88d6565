/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace_lib.h - the CUDA launch tracer (bpf/gpu_tracer.bpf.c) as a library.
 *
 * `ai_monitor trace` is one user; the dashboard and the agent can be others:
 *
 *	struct gt_tracer *t;
 *	struct gt_sample s;
 *
 *	if (gt_tracer_open(&t, &(struct gt_opts){ .pid = -1 }, err, sizeof(err)))
 *		fail(err);
 *	every second: gt_tracer_sample(t, &s); use s.rows[]; gt_sample_free(&s);
 *	gt_tracer_close(t);
 *
 * What is measured is the CPU-side latency of the driver call (enqueue plus
 * driver back-pressure); a launch is asynchronous, so this is never the
 * kernel's execution time on the GPU.
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

const char *gt_api_name(unsigned int api);
static inline bool gt_api_is_sync(unsigned int api)
{
	return api >= GT_FIRST_SYNC && api < GT_CALIBRATE;
}

/* --- finding libcuda.so.1 (trace_libcuda.c) --- */

/*
 * pid > 0: the libcuda that process has mapped, as a path this process can
 * open (through /proc/PID/root or /proc/PID/map_files when it lives in a
 * container or chroot). Otherwise the one the dynamic loader would pick:
 * $LD_LIBRARY_PATH, /etc/ld.so.cache, then the usual directories.
 * Returns 0, or -ENOENT (none found) / another -errno; why[] says why.
 */
int gt_find_libcuda(pid_t pid, char *path, size_t len, char *why, size_t whylen);

/*
 * File offsets of the functions @names[0..@n) in the ELF shared object
 * @path, from its dynamic (else full) symbol table, in one pass over the
 * symbols: what a uprobe attaches to. offs[i] is names[i]'s offset or
 * -ENOENT. Returns 0, or -errno if @path is unreadable or not ELF. Names
 * must start with "cu".
 */
int gt_elf_func_offsets(const char *path, const char *const *names, long *offs,
			unsigned int n);

/* --- probe placement (trace_libcuda.c, pure) --- */

/* Whether x86 uprobes emulate the instruction at @code (push, call, jmp...). */
bool gt_insn_emulated(const unsigned char *code, size_t len);
/*
 * Bytes from a function's entry (its first @len bytes in @code) to the
 * instruction its uprobe and uretprobe should sit on: the first emulated one
 * reachable over prologue instructions that neither move %rsp nor branch,
 * else 0.
 */
size_t gt_probe_offset(const unsigned char *code, size_t len);

/* --- the tracer (trace_lib.c) --- */

struct gt_tracer;

struct gt_opts {
	const char *lib;	/* NULL: gt_find_libcuda(pid) */
	pid_t pid;		/* > 0: only this process; otherwise all */
	bool calibrate;		/* measure our own cost per call at start-up */
	bool verbose;		/* libbpf's messages on stderr */
};

/* 0 or -errno, with a sentence in err[]. Needs CAP_BPF + CAP_PERFMON (root). */
int gt_tracer_open(struct gt_tracer **tp, const struct gt_opts *opts,
		   char *err, size_t errlen);
void gt_tracer_close(struct gt_tracer *t);

/*
 * Measures our cost per traced call (gt_tracer_overhead_ns()), if the open
 * did not: a few ms, once the probes are live. 0 or -errno.
 */
int gt_tracer_calibrate(struct gt_tracer *t);

const char *gt_tracer_lib(const struct gt_tracer *t);
/* Whether the library exports @api (and so it is traced). */
bool gt_tracer_has_api(const struct gt_tracer *t, unsigned int api);
unsigned int gt_tracer_napis(const struct gt_tracer *t);
/*
 * Measured cost of tracing one call in ns, negative if not calibrated: of
 * the costliest traced function, or of @api's. It depends on the function's
 * first instruction (emulated by the kernel, or single-stepped), and part of
 * it falls between the two timestamps, so it also bounds the bias of each
 * measured latency.
 */
double gt_tracer_overhead_ns(const struct gt_tracer *t);
double gt_tracer_api_overhead_ns(const struct gt_tracer *t, unsigned int api);

/* What one process did through one API since the previous sample. */
struct gt_row {
	__u32 pid;
	__u32 api;		/* enum gt_api */
	char comm[16];
	__u64 count;
	__u64 sum_ns;
	__u64 errors;
	bool gone;		/* the process has exited: its last report */
	__u64 slots[GT_SLOTS];
};

struct gt_sample {
	struct gt_row *rows;	/* sorted by pid, then api; count > 0 */
	size_t nrows;
	struct gt_drops drops;	/* lost since the previous sample */
	__u64 dropped;		/* their sum */
	double interval_s;	/* since the previous sample (or the open) */
};

/*
 * Everything that changed since the previous call. Histograms of processes
 * that have exited are reported one last time, then forgotten.
 */
int gt_tracer_sample(struct gt_tracer *t, struct gt_sample *s);
void gt_sample_free(struct gt_sample *s);

#endif /* AI_MONITOR_TRACE_LIB_H */
