// SPDX-License-Identifier: GPL-2.0
/*
 * Any DRM driver: per-client engine busy time from /proc/<pid>/fdinfo/<fd>
 * (Documentation/gpu/drm-usage-stats.rst). Each drm-engine-<name> key is a
 * running total of nanoseconds the client kept that engine busy, so
 * utilisation is the delta between two walks over the wall time between
 * them, divided by drm-engine-capacity-<name> (engines of that kind).
 *
 * One client (drm-client-id, unique per device) can sit behind several fds
 * and several processes after fork or dup: it is counted once. A device's
 * figure is its busiest engine, as nvtop and intel_gpu_top show it.
 */
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu.h"

#define FD_ENGINES	8
#define FD_CLIENTS	256

struct fd_client {
	char pdev[32];			/* drm-pdev, or drm-driver when absent */
	unsigned long long id;		/* drm-client-id */
	int pid;
	int nr_engines;
	char engine[FD_ENGINES][24];
	unsigned long long busy_ns[FD_ENGINES];
	unsigned int capacity[FD_ENGINES];
};

struct fd_walk {
	int nr;
	struct fd_client c[FD_CLIENTS];
	uint64_t when;
};

struct gpu_fdinfo {
	struct fd_walk walk[2];
	int cur;			/* walk[cur] is the newest */
	int have_prev;
	int nr_devs;
	char pdev[GPU_MAX][32];
};

struct gpu_fdinfo *gpu_fdinfo_new(void)
{
	return calloc(1, sizeof(struct gpu_fdinfo));
}

void gpu_fdinfo_free(struct gpu_fdinfo *st)
{
	free(st);
}

const char *gpu_fdinfo_pdev(struct gpu_fdinfo *st, int i)
{
	return i >= 0 && i < st->nr_devs ? st->pdev[i] : NULL;
}

static int engine_slot(struct fd_client *c, const char *name, size_t len)
{
	int i;

	for (i = 0; i < c->nr_engines; i++)
		if (strlen(c->engine[i]) == len && !strncmp(c->engine[i], name, len))
			return i;
	if (c->nr_engines == FD_ENGINES || len >= sizeof(c->engine[0]))
		return -1;
	memcpy(c->engine[i], name, len);
	c->engine[i][len] = '\0';
	c->capacity[i] = 1;
	c->nr_engines++;
	return i;
}

/* Parse one fdinfo file; returns 1 when it describes a DRM client. */
static int parse_client(char *text, int pid, struct fd_client *c)
{
	char driver[32] = "";
	int has_id = 0;
	char *line, *save;

	memset(c, 0, sizeof(*c));
	c->pid = pid;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':'), *val;
		unsigned long long v;
		int slot;

		if (!colon)
			continue;
		*colon = '\0';
		val = colon + 1;
		while (isspace((unsigned char)*val))
			val++;
		if (!strcmp(line, "drm-driver")) {
			str_copy(driver, val, sizeof(driver));
		} else if (!strcmp(line, "drm-pdev")) {
			str_copy(c->pdev, val, sizeof(c->pdev));
		} else if (!strcmp(line, "drm-client-id")) {
			c->id = strtoull(val, NULL, 10);
			has_id = 1;
		} else if (!strncmp(line, "drm-engine-capacity-", 20)) {
			slot = engine_slot(c, line + 20, strlen(line + 20));
			v = strtoull(val, NULL, 10);
			if (slot >= 0 && v > 0)
				c->capacity[slot] = v;
		} else if (!strncmp(line, "drm-engine-", 11)) {
			/* "<uint> ns" */
			slot = engine_slot(c, line + 11, strlen(line + 11));
			if (slot >= 0)
				c->busy_ns[slot] = strtoull(val, NULL, 10);
		}
	}
	if (!c->pdev[0])
		str_copy(c->pdev, driver, sizeof(c->pdev));
	return has_id && c->pdev[0] && c->nr_engines;
}

static int seen(const struct fd_walk *w, const struct fd_client *c)
{
	int i;

	for (i = 0; i < w->nr; i++)
		if (w->c[i].id == c->id && !strcmp(w->c[i].pdev, c->pdev))
			return i;
	return -1;
}

static void walk_proc(const char *proc_root, struct fd_walk *w)
{
	struct dirent *pd, *fd;
	DIR *pdir, *fdir;

	w->nr = 0;
	pdir = opendir(proc_root);
	if (!pdir)
		return;
	while ((pd = readdir(pdir)) && w->nr < FD_CLIENTS) {
		char path[PATH_MAX];
		long pid;

		if (parse_int(pd->d_name, 1, INT_MAX, &pid))
			continue;
		pathf(path, sizeof(path), "%s/%s/fdinfo", proc_root, pd->d_name);
		/* Other users' processes are closed to us unless we are root. */
		fdir = opendir(path);
		if (!fdir)
			continue;
		while ((fd = readdir(fdir)) && w->nr < FD_CLIENTS) {
			char file[PATH_MAX + 16], text[4096];
			struct fd_client *c = &w->c[w->nr];

			if (fd->d_name[0] == '.')
				continue;
			pathf(file, sizeof(file), "%s/%s", path, fd->d_name);
			if (read_file(file, text, sizeof(text)) <= 0)
				continue;
			if (!strstr(text, "drm-client-id"))
				continue;
			if (parse_client(text, pid, c) && seen(w, c) < 0)
				w->nr++;
		}
		closedir(fdir);
	}
	closedir(pdir);
}

static int dev_index(struct gpu_fdinfo *st, const char *pdev)
{
	int i;

	for (i = 0; i < st->nr_devs; i++)
		if (!strcmp(st->pdev[i], pdev))
			return i;
	return -1;
}

/* Busy percent of client c since its previous state p over elapsed ns. */
static void client_util(const struct fd_client *c, const struct fd_client *p,
			uint64_t elapsed, double *per_engine)
{
	int i, j;

	for (i = 0; i < c->nr_engines; i++) {
		per_engine[i] = 0;
		for (j = 0; p && j < p->nr_engines; j++) {
			if (strcmp(p->engine[j], c->engine[i]))
				continue;
			/* A counter going backwards is a new client reusing the id. */
			if (c->busy_ns[i] >= p->busy_ns[j])
				per_engine[i] = 100.0 * (c->busy_ns[i] - p->busy_ns[j]) /
						elapsed / c->capacity[i];
		}
	}
}

struct eng_sum {
	char name[24];
	double util;
};

static void add_engine(struct eng_sum *sum, int *n, const char *name, double util)
{
	int i;

	for (i = 0; i < *n; i++)
		if (!strcmp(sum[i].name, name))
			break;
	if (i == *n) {
		if (*n == FD_ENGINES * 2)
			return;
		str_copy(sum[i].name, name, sizeof(sum[i].name));
		sum[i].util = 0;
		(*n)++;
	}
	sum[i].util += util;
}

static int clamp_pct(double v)
{
	return v < 0 ? 0 : v > 100 ? 100 : (int)(v + 0.5);
}

void gpu_fdinfo_sample(struct gpu_fdinfo *st, const char *proc_root,
		       uint64_t now, struct gpu_sample *s)
{
	struct fd_walk *prev = &st->walk[st->cur], *cur = &st->walk[!st->cur];
	struct eng_sum dev_eng[GPU_MAX][FD_ENGINES * 2];
	int dev_neng[GPU_MAX] = { 0 };
	uint64_t elapsed;
	int i, j, k;

	walk_proc(proc_root, cur);
	cur->when = now;
	elapsed = st->have_prev && now > prev->when ? now - prev->when : 0;

	/* Devices, sorted by drm-pdev so that their indexes are stable. */
	st->nr_devs = 0;
	for (i = 0; i < cur->nr; i++) {
		if (dev_index(st, cur->c[i].pdev) >= 0 || st->nr_devs == GPU_MAX)
			continue;
		for (j = st->nr_devs; j > 0 && strcmp(st->pdev[j - 1], cur->c[i].pdev) > 0; j--)
			memcpy(st->pdev[j], st->pdev[j - 1], sizeof(st->pdev[0]));
		str_copy(st->pdev[j], cur->c[i].pdev, sizeof(st->pdev[0]));
		st->nr_devs++;
	}

	s->nr_gpus = st->nr_devs;
	s->nr_procs = 0;
	for (i = 0; i < st->nr_devs; i++) {
		snprintf(s->dev[i].name, sizeof(s->dev[i].name), "drm %s", st->pdev[i]);
		s->dev[i].util = elapsed ? 0 : -1;
		s->dev[i].mem_used = s->dev[i].mem_total = -1;
	}

	for (i = 0; elapsed && i < cur->nr; i++) {
		const struct fd_client *c = &cur->c[i];
		int p = seen(prev, c), d = dev_index(st, c->pdev);
		double eng[FD_ENGINES], busiest = 0;

		if (d < 0)
			continue;
		client_util(c, p >= 0 ? &prev->c[p] : NULL, elapsed, eng);
		for (k = 0; k < c->nr_engines; k++) {
			add_engine(dev_eng[d], &dev_neng[d], c->engine[k], eng[k]);
			if (eng[k] > busiest)
				busiest = eng[k];
		}
		/* A process with several clients on one device: add them up. */
		for (j = 0; j < s->nr_procs; j++)
			if (s->proc[j].pid == c->pid && s->proc[j].gpu == d)
				break;
		if (j == s->nr_procs) {
			if (s->nr_procs == GPU_PROC_MAX)
				continue;
			s->nr_procs++;
			s->proc[j].pid = c->pid;
			s->proc[j].gpu = d;
			s->proc[j].util = 0;
			s->proc[j].busy_ns = 0;
		}
		s->proc[j].util = clamp_pct(s->proc[j].util + busiest);
		for (k = 0; k < c->nr_engines; k++)
			s->proc[j].busy_ns += c->busy_ns[k];
	}
	for (i = 0; elapsed && i < st->nr_devs; i++) {
		double busiest = 0;

		for (k = 0; k < dev_neng[i]; k++)
			if (dev_eng[i][k].util > busiest)
				busiest = dev_eng[i][k].util;
		s->dev[i].util = clamp_pct(busiest);
	}
	if (st->nr_devs)
		s->source = "fdinfo";
	st->cur = !st->cur;
	st->have_prev = 1;
}
