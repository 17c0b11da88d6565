// SPDX-License-Identifier: GPL-2.0
/* One reading of GPUs and /proc files, and the shared options (snapshot.h). */
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ai_monitor.h"
#include "snapshot.h"

struct snapshot *snapshot_new(void)
{
	return calloc(1, sizeof(struct snapshot));
}

void snapshot_read(struct snapshot *s, struct gpu_ctx *gpu, const struct mon_roots *roots)
{
	char path[PATH_MAX];

	if (gpu)
		gpu_sample(gpu, &s->gpu);
	pathf(path, sizeof(path), "%s/ai_scheduler", roots->proc);
	pf_read(path, &s->sched_file);
	sched_view_of(&s->sched_file, &s->sched);
	pathf(path, sizeof(path), "%s/ai_memory", roots->proc);
	pf_read(path, &s->mem_file);
	mem_view_of(&s->mem_file, &s->mem);
}

int common_option(int c, const char *arg, struct mon_roots *roots)
{
	switch (c) {
	case OPT_PROC_ROOT:
		roots->proc = arg;
		return 1;
	case OPT_SYSFS_ROOT:
		roots->sysfs = arg;
		return 1;
	case OPT_DEVICE:
		roots->sched_dev = arg;
		return 1;
	}
	return 0;
}

int usage_error(const char *cmd, const char *usage, const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		fprintf(stderr, "ai_monitor %s: ", cmd);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fputs(usage, stderr);
	return EXIT_USAGE;
}
