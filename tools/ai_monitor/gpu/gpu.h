/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GPU utilisation, from whichever source this machine has. One source serves
 * the device figures, tried in this order:
 *
 *   nvml    libnvidia-ml.so.1, loaded with dlopen() at run time
 *   sysfs   /sys/class/drm/cardN/device/gpu_busy_percent (amdgpu)
 *   fdinfo  drm-engine-* busy time in /proc/<pid>/fdinfo/<fd>, as deltas
 *           (any DRM driver that implements drm-usage-stats)
 *
 * Per-process figures come from NVML when the driver offers them, else from
 * fdinfo. No GPU at all is a normal answer: nr_gpus == 0 and why says so.
 */
#ifndef AI_MONITOR_GPU_H
#define AI_MONITOR_GPU_H

#include <stdint.h>

#include "util.h"

#define GPU_MAX		16	/* GPUs the agent samples; ai_sched takes any index below its max_gpus */
#define GPU_PROC_MAX	64

struct gpu_dev {
	char name[64];
	int util;		/* busy percent over the last interval; -1: unknown */
	long long mem_used;	/* bytes; -1: unknown */
	long long mem_total;	/* bytes; -1: unknown */
};

struct gpu_proc {
	int pid;
	int gpu;		/* index into gpu_sample.dev */
	int util;		/* percent of that GPU */
	/*
	 * GPU busy time since the process started, summed over its engines,
	 * when the source counts it (fdinfo); 0 when it does not (NVML).
	 */
	unsigned long long busy_ns;
};

struct gpu_sample {
	const char *source;	/* "nvml", "sysfs", "fdinfo"; NULL: no GPU */
	int nr_gpus;
	struct gpu_dev dev[GPU_MAX];
	int nr_procs;
	struct gpu_proc proc[GPU_PROC_MAX];
	char why[192];		/* no GPU, or the last error of the source */
};

struct gpu_ctx;

struct gpu_ctx *gpu_open(const struct mon_roots *roots);
/* Fill *s. Never fails: trouble shows up as nr_gpus == 0 or util == -1. */
void gpu_sample(struct gpu_ctx *ctx, struct gpu_sample *s);
void gpu_close(struct gpu_ctx *ctx);

/* The individual sources, for gpu.c and the unit tests. */
struct gpu_nvml;
struct gpu_nvml *gpu_nvml_open(char *why, size_t why_size);
/* 0, or -EIO when the library stopped answering (close and reopen later). */
int gpu_nvml_sample(struct gpu_nvml *nv, struct gpu_sample *s);
void gpu_nvml_close(struct gpu_nvml *nv);

/* Returns the number of cards found (also written to s->nr_gpus). */
int gpu_sysfs_sample(const char *sysfs_root, struct gpu_sample *s);
/* PCI address of card index i as found by gpu_sysfs_sample, or "". */
void gpu_sysfs_pci(const char *sysfs_root, int card_index, char *buf, size_t size);

struct gpu_fdinfo;
struct gpu_fdinfo *gpu_fdinfo_new(void);
/*
 * Walk <proc_root>/<pid>/fdinfo/ at time now (ns, any monotonic clock).
 * Utilisation needs two walks: the first one reports util = -1.
 * Fills s->dev[] (one per DRM device, by drm-pdev) and s->proc[].
 */
void gpu_fdinfo_sample(struct gpu_fdinfo *st, const char *proc_root,
		       uint64_t now, struct gpu_sample *s);
/* drm-pdev of fdinfo device index i of the last walk, or NULL. */
const char *gpu_fdinfo_pdev(struct gpu_fdinfo *st, int i);
void gpu_fdinfo_free(struct gpu_fdinfo *st);

#endif /* AI_MONITOR_GPU_H */
