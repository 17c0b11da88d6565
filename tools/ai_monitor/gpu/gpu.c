// SPDX-License-Identifier: GPL-2.0
/*
 * Picks the GPU source for each sample (see gpu.h) and keeps them alive:
 * NVML is opened again, with back-off, after the driver goes away or a GPU
 * is lost, so a long-running agent outlives driver reloads and GPU resets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu.h"

#define NVML_RETRY_NS	(5ull * 1000000000ull)
#define FD_WALK_NS	1000000000ull

struct gpu_ctx {
	struct mon_roots roots;
	struct gpu_nvml *nvml;
	uint64_t nvml_next_try;
	char nvml_why[sizeof(((struct gpu_sample *)0)->why)];
	struct gpu_fdinfo *fdinfo;
	uint64_t fd_walked;		/* when fd_cache was taken */
	struct gpu_sample fd_cache;	/* per-process figures beside sysfs */
};

struct gpu_ctx *gpu_open(const struct mon_roots *roots)
{
	struct gpu_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return NULL;
	ctx->roots = *roots;
	ctx->fdinfo = gpu_fdinfo_new();
	if (!ctx->fdinfo) {
		free(ctx);
		return NULL;
	}
	return ctx;
}

void gpu_close(struct gpu_ctx *ctx)
{
	if (!ctx)
		return;
	gpu_nvml_close(ctx->nvml);
	gpu_fdinfo_free(ctx->fdinfo);
	free(ctx);
}

/* Map fdinfo devices onto sysfs cards by PCI address; -1 when unknown. */
static int sysfs_card_of(struct gpu_ctx *ctx, const struct gpu_sample *s, const char *pdev)
{
	char pci[64];
	int i;

	for (i = 0; pdev && i < s->nr_gpus; i++) {
		gpu_sysfs_pci(ctx->roots.sysfs, i, pci, sizeof(pci));
		if (pci[0] && !strcmp(pci, pdev))
			return i;
	}
	return -1;
}

void gpu_sample(struct gpu_ctx *ctx, struct gpu_sample *s)
{
	struct gpu_sample fd;
	uint64_t now = now_ns();
	int i;

	memset(s, 0, sizeof(*s));
	if (!ctx->nvml && now >= ctx->nvml_next_try) {
		ctx->nvml = gpu_nvml_open(ctx->nvml_why, sizeof(ctx->nvml_why));
		if (!ctx->nvml)
			ctx->nvml_next_try = now + NVML_RETRY_NS;
	}
	if (ctx->nvml) {
		if (gpu_nvml_sample(ctx->nvml, s) < 0) {
			/* Keep what was read; start over on a later sample. */
			str_copy(ctx->nvml_why, s->why, sizeof(ctx->nvml_why));
			gpu_nvml_close(ctx->nvml);
			ctx->nvml = NULL;
			ctx->nvml_next_try = now + NVML_RETRY_NS;
		}
		if (s->nr_gpus)
			return;
		s->source = NULL;
	}

	if (gpu_sysfs_sample(ctx->roots.sysfs, s) > 0) {
		/*
		 * fdinfo only for per-process figures here: walking every
		 * process's fds each 100 ms tick costs more than a once-a-second
		 * figure is worth.
		 */
		if (now - ctx->fd_walked >= FD_WALK_NS) {
			memset(&ctx->fd_cache, 0, sizeof(ctx->fd_cache));
			gpu_fdinfo_sample(ctx->fdinfo, ctx->roots.proc, now, &ctx->fd_cache);
			ctx->fd_walked = now;
		}
		fd = ctx->fd_cache;
		for (i = 0; i < fd.nr_procs; i++) {
			int card = sysfs_card_of(ctx, s,
						 gpu_fdinfo_pdev(ctx->fdinfo, fd.proc[i].gpu));

			s->proc[s->nr_procs] = fd.proc[i];
			s->proc[s->nr_procs++].gpu = card >= 0 ? card : fd.proc[i].gpu;
		}
		return;
	}
	/* The only source left: a walk every sample, for the deltas. */
	memset(&fd, 0, sizeof(fd));
	gpu_fdinfo_sample(ctx->fdinfo, ctx->roots.proc, now, &fd);
	if (fd.nr_gpus) {
		*s = fd;
		return;
	}
	/* The NVML reason is the one people look for; the rest is implied. */
	str_copy(s->why, ctx->nvml_why, sizeof(s->why));
}
