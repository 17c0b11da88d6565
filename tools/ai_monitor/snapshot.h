/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One reading of everything the monitor shows: GPUs, the two /proc files
 * and (when the caller traces) launch statistics. Also the options every
 * subcommand shares.
 */
#ifndef AI_MONITOR_SNAPSHOT_H
#define AI_MONITOR_SNAPSHOT_H

#include <getopt.h>
#include <stdio.h>

#include "gpu.h"
#include "launch_stats.h"
#include "procfs.h"
#include "util.h"

struct snapshot {
	struct gpu_sample gpu;
	struct pf_file sched_file;
	struct pf_file mem_file;
	struct sched_view sched;
	struct mem_view mem;
	struct launch_stats *ls;	/* NULL: the caller does not trace */
};

/* Heap-allocated: the parsed files are large. */
struct snapshot *snapshot_new(void);
void snapshot_read(struct snapshot *s, struct gpu_ctx *gpu, const struct mon_roots *roots);

/* Options shared by the subcommands: --proc-root, --sysfs-root, --device. */
enum { OPT_PROC_ROOT = 0x100, OPT_SYSFS_ROOT, OPT_DEVICE };
#define COMMON_USAGE							\
	"  --proc-root DIR    read ai_scheduler, ai_memory and PID/fdinfo there (/proc)\n" \
	"  --sysfs-root DIR   read class/drm there (/sys)\n"		\
	"  --device PATH      the ai_sched device (/dev/ai_sched)\n"
#define COMMON_LONGOPTS							\
	{ "proc-root", required_argument, NULL, OPT_PROC_ROOT },	\
	{ "sysfs-root", required_argument, NULL, OPT_SYSFS_ROOT },	\
	{ "device", required_argument, NULL, OPT_DEVICE }

/* Returns 1 when c was a common option (and applied it), else 0. */
int common_option(int c, const char *arg, struct mon_roots *roots);

/* Print "ai_monitor CMD: msg" and the usage to stderr; returns EXIT_USAGE. */
int usage_error(const char *cmd, const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* AI_MONITOR_SNAPSHOT_H */
