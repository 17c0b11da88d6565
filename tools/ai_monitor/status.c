// SPDX-License-Identifier: GPL-2.0
/*
 * ai_monitor status: one look at everything, for people or (--json) for
 * scripts. Each part reports itself as missing rather than failing.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ai_monitor.h"
#include "json.h"
#include "snapshot.h"
#include "trace_lib.h"

static const char status_usage[] =
	"usage: ai_monitor status [--json] [--no-tracer] [options]\n"
	"  -j, --json         machine-readable output\n"
	"      --no-tracer    do not try to attach the launch tracer\n"
	COMMON_USAGE
	"  -h, --help         this text\n";

#define TI_FILES	8

struct tracer_info {
	int available;
	char lib[256];			/* the libcuda probed, or "" */
	char files[TI_FILES][256];	/* every file probed (the first TI_FILES) */
	size_t nfiles;
	char why[256];
};

/*
 * Whether launch tracing works here (the programs load), and which
 * libraries the loader would give a process: no probe is attached.
 */
static void probe_tracer(struct tracer_info *ti)
{
	struct gt_opts opts = { .pid = -1, .dry_run = true };
	struct gt_tracer *t;
	const char *path;

	memset(ti, 0, sizeof(*ti));
	if (gt_tracer_open(&t, &opts, ti->why, sizeof(ti->why))) {
		if (!ti->why[0])
			snprintf(ti->why, sizeof(ti->why), "cannot attach");
		return;
	}
	ti->available = 1;
	snprintf(ti->lib, sizeof(ti->lib), "%s", gt_tracer_lib(t));
	ti->nfiles = gt_tracer_nfiles(t);
	for (size_t i = 0; i < ti->nfiles && i < TI_FILES; i++) {
		path = gt_tracer_file(t, i, NULL);
		snprintf(ti->files[i], sizeof(ti->files[i]), "%s", path);
	}
	gt_tracer_close(t);
}

static const char *pf_error(const struct pf_file *pf)
{
	return pf->err == -ENOENT ? "not loaded" : strerror(-pf->err);
}

static void print_table(FILE *f, const struct pf_table *t)
{
	int r, c;

	for (c = 0; c < t->ncols; c++)
		fprintf(f, "%s%-10s", c ? " " : "    ", t->col[c]);
	fputc('\n', f);
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++)
			fprintf(f, "%s%-10s", c ? " " : "    ", t->cell[r][c]);
		fputc('\n', f);
	}
	if (t->truncated)
		fprintf(f, "    ...\n");
}

static void print_text(FILE *f, const struct snapshot *s, const struct tracer_info *ti)
{
	char b1[32], b2[32];
	int i;

	if (!s->gpu.nr_gpus) {
		fprintf(f, "GPUs: none (%s)\n", s->gpu.why);
	} else {
		fprintf(f, "GPUs (%s):\n", s->gpu.source);
		for (i = 0; i < s->gpu.nr_gpus; i++) {
			const struct gpu_dev *d = &s->gpu.dev[i];

			if (d->util >= 0)
				fprintf(f, "  %d %-24s %3d%% busy", i, d->name, d->util);
			else
				fprintf(f, "  %d %-24s    ? busy", i, d->name);
			if (d->mem_total >= 0)
				fprintf(f, "   memory %s / %s", fmt_bytes(b1, sizeof(b1), d->mem_used),
					fmt_bytes(b2, sizeof(b2), d->mem_total));
			fputc('\n', f);
		}
		for (i = 0; i < s->gpu.nr_procs; i++)
			fprintf(f, "  pid %d on GPU %d: %d%%\n", s->gpu.proc[i].pid,
				s->gpu.proc[i].gpu, s->gpu.proc[i].util);
	}

	if (!s->sched.loaded) {
		fprintf(f, "ai_sched: %s\n", pf_error(&s->sched_file));
	} else {
		fprintf(f, "ai_sched: loaded");
		if (s->sched.gpu_util >= 0)
			fprintf(f, ", GPU utilisation %lld%%", s->sched.gpu_util);
		if (s->sched.nr_tasks >= 0)
			fprintf(f, ", %lld task%s", s->sched.nr_tasks, s->sched.nr_tasks == 1 ? "" : "s");
		fputc('\n', f);
		for (i = 0; i < s->sched_file.nkv; i++)
			fprintf(f, "  %s: %s\n", s->sched_file.kv[i].key, s->sched_file.kv[i].val);
		for (i = 0; i < s->sched_file.ntables; i++)
			print_table(f, &s->sched_file.table[i]);
	}

	if (!s->mem.loaded) {
		fprintf(f, "ai_mem: %s\n", pf_error(&s->mem_file));
	} else {
		fprintf(f, "ai_mem: loaded");
		if (s->mem.total >= 0)
			fprintf(f, ", pool %s", fmt_bytes(b1, sizeof(b1), s->mem.total));
		if (s->mem.used >= 0)
			fprintf(f, ", %s used", fmt_bytes(b1, sizeof(b1), s->mem.used));
		fputc('\n', f);
		for (i = 0; i < s->mem_file.nkv; i++)
			fprintf(f, "  %s: %s\n", s->mem_file.kv[i].key, s->mem_file.kv[i].val);
		for (i = 0; i < s->mem_file.ntables; i++)
			print_table(f, &s->mem_file.table[i]);
	}

	if (!ti)
		fprintf(f, "tracer: not probed (--no-tracer)\n");
	else if (ti->available)
		fprintf(f, "tracer: available (%zu libraries where the loader looks%s%s)\n",
			ti->nfiles, ti->lib[0] ? ", driver " : "", ti->lib);
	else
		fprintf(f, "tracer: unavailable (%s)\n", ti->why);
}

static void json_fields(FILE *f, const struct pf_file *pf)
{
	int i;

	fputs("\"fields\": {", f);
	for (i = 0; i < pf->nkv; i++) {
		fputs(i ? ", " : "", f);
		json_str(f, pf->kv[i].key);
		fputs(": ", f);
		json_str(f, pf->kv[i].val);
	}
	fputs("}, \"tables\": [", f);
	for (i = 0; i < pf->ntables; i++) {
		const struct pf_table *t = &pf->table[i];
		int r, c;

		fputs(i ? ", [" : "[", f);
		for (r = 0; r < t->nrows; r++) {
			fputs(r ? ", {" : "{", f);
			for (c = 0; c < t->ncols; c++) {
				fputs(c ? ", " : "", f);
				json_str(f, t->col[c]);
				fputs(": ", f);
				json_str(f, t->cell[r][c]);
			}
			fputc('}', f);
		}
		fputc(']', f);
	}
	fputc(']', f);
}

static void json_module(FILE *f, const char *name, const struct pf_file *pf)
{
	fprintf(f, "  \"%s\": {\"loaded\": %s", name, pf->err ? "false" : "true");
	if (pf->err) {
		fputs(", \"error\": ", f);
		json_str(f, pf_error(pf));
	}
}

static void print_json(FILE *f, const struct snapshot *s, const struct tracer_info *ti)
{
	int i;

	fputs("{\n  \"gpus\": {\"source\": ", f);
	if (s->gpu.source)
		json_str(f, s->gpu.source);
	else
		fputs("null", f);
	fputs(", \"why\": ", f);
	json_str(f, s->gpu.why);
	fputs(", \"devices\": [", f);
	for (i = 0; i < s->gpu.nr_gpus; i++) {
		const struct gpu_dev *d = &s->gpu.dev[i];

		fprintf(f, "%s{\"index\": %d, \"name\": ", i ? ", " : "", i);
		json_str(f, d->name);
		fputs(", \"util_percent\": ", f);
		json_num(f, d->util);
		fputs(", \"memory_used_bytes\": ", f);
		json_num(f, d->mem_used);
		fputs(", \"memory_total_bytes\": ", f);
		json_num(f, d->mem_total);
		fputc('}', f);
	}
	fputs("], \"processes\": [", f);
	for (i = 0; i < s->gpu.nr_procs; i++)
		fprintf(f, "%s{\"pid\": %d, \"gpu\": %d, \"util_percent\": %d}", i ? ", " : "",
			s->gpu.proc[i].pid, s->gpu.proc[i].gpu, s->gpu.proc[i].util);
	fputs("]},\n", f);

	json_module(f, "ai_sched", &s->sched_file);
	if (s->sched.loaded) {
		fputs(", \"gpu_util_percent\": ", f);
		json_num(f, s->sched.gpu_util);
		fputs(", \"tasks\": ", f);
		json_num(f, s->sched.nr_tasks);
		fputs(", ", f);
		json_fields(f, &s->sched_file);
	}
	fputs("},\n", f);

	json_module(f, "ai_mem", &s->mem_file);
	if (s->mem.loaded) {
		fputs(", \"pool_bytes\": ", f);
		json_num(f, s->mem.total);
		fputs(", \"used_bytes\": ", f);
		json_num(f, s->mem.used);
		fputs(", \"free_bytes\": ", f);
		json_num(f, s->mem.free);
		fputs(", \"block_bytes\": ", f);
		json_num(f, s->mem.block);
		fputs(", ", f);
		json_fields(f, &s->mem_file);
	}
	fputs("},\n  \"tracer\": {", f);
	if (ti) {
		fprintf(f, "\"available\": %s, \"library\": ", ti->available ? "true" : "false");
		json_str(f, ti->lib);
		fputs(", \"files\": [", f);
		for (size_t i = 0; i < ti->nfiles && i < TI_FILES; i++) {
			fputs(i ? ", " : "", f);
			json_str(f, ti->files[i]);
		}
		fprintf(f, "], \"nfiles\": %zu", ti->nfiles);
		fputs(", \"why\": ", f);
		json_str(f, ti->available ? "" : ti->why);
	} else {
		fputs("\"available\": null, \"why\": \"not probed\"", f);
	}
	fputs("}\n}\n", f);
}

int cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "no-tracer", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct tracer_info ti, *tip = &ti;
	struct mon_roots roots;
	struct gpu_ctx *gpu;
	struct snapshot *s;
	int json = 0, c;

	mon_roots_default(&roots);
	while ((c = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
		if (common_option(c, optarg, &roots))
			continue;
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'T':
			tip = NULL;
			break;
		case 'h':
			fputs(status_usage, stdout);
			return 0;
		default:
			return usage_error("status", status_usage, NULL);
		}
	}
	if (optind < argc)
		return usage_error("status", status_usage, "unexpected argument '%s'", argv[optind]);

	s = snapshot_new();
	gpu = gpu_open(&roots);
	if (!s || !gpu) {
		fprintf(stderr, "ai_monitor status: out of memory\n");
		free(s);
		gpu_close(gpu);
		return 1;
	}
	snapshot_read(s, gpu, &roots);
	/* fdinfo figures are deltas: give them an interval to measure. */
	if (s->gpu.source && !strcmp(s->gpu.source, "fdinfo")) {
		usleep(250000);
		gpu_sample(gpu, &s->gpu);
	}
	if (tip)
		probe_tracer(tip);
	if (json)
		print_json(stdout, s, tip);
	else
		print_text(stdout, s, tip);
	gpu_close(gpu);
	free(s);
	return 0;
}
