// SPDX-License-Identifier: GPL-2.0
/*
 * Laying out a dashboard frame (frame.h). Panels, top to bottom: GPUs,
 * launch latency histogram, per-process launch table, memory pool,
 * scheduler. Each panel gets a header line and a share of the rows; a
 * panel whose source is missing collapses to one line saying why.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

static void __attribute__((format(printf, 3, 4)))
add(struct frame *f, enum frame_attr a, const char *fmt, ...)
{
	struct frame_line *l;
	va_list ap;
	int w = f->width < FRAME_COLS ? f->width : FRAME_COLS - 1;

	if (f->nlines == FRAME_LINES)
		return;
	l = &f->line[f->nlines++];
	l->attr = a;
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof(l->text), fmt, ap);
	va_end(ap);
	if ((int)strlen(l->text) > w)
		l->text[w] = '\0';
}

static void header(struct frame *f, const char *title, const char *right)
{
	char buf[FRAME_COLS];
	int n, w = f->width < FRAME_COLS ? f->width : FRAME_COLS - 1;

	n = snprintf(buf, sizeof(buf), "-- %s ", title);
	if (right && *right && n + (int)strlen(right) + 4 < w)
		n += snprintf(buf + n, sizeof(buf) - n, "-- %s ", right);
	while (n < w && n < FRAME_COLS - 1)
		buf[n++] = '-';
	buf[n] = '\0';
	add(f, FA_HEADER, "%s", buf);
}

static void bar(char *buf, int width, int pct)
{
	int i, fill = pct < 0 ? 0 : (pct * width + 50) / 100;

	for (i = 0; i < width; i++)
		buf[i] = i < fill ? '#' : '.';
	buf[width] = '\0';
}

static const char *fmt_ns(char *buf, size_t size, double ns)
{
	if (ns < 1e3)
		snprintf(buf, size, "%.0fns", ns);
	else if (ns < 1e6)
		snprintf(buf, size, "%.1fus", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, size, "%.1fms", ns / 1e6);
	else
		snprintf(buf, size, "%.2fs", ns / 1e9);
	return buf;
}

static const char *why_missing(const struct pf_file *pf)
{
	return pf->err == -ENOENT ? "not loaded" : strerror(-pf->err);
}

static void gpu_panel(struct frame *f, const struct snapshot *s, int rows)
{
	const struct gpu_sample *g = &s->gpu;
	char b[64], m1[32], m2[32];
	int i, bw = f->width - 50;

	if (!g->nr_gpus) {
		header(f, "GPU", NULL);
		add(f, FA_WARN, " no GPU: %s", g->why[0] ? g->why : "no source found");
		return;
	}
	header(f, "GPU utilisation", g->source);
	if (bw > 40)
		bw = 40;
	if (bw < 5)
		bw = 5;
	for (i = 0; i < g->nr_gpus && i < rows; i++) {
		const struct gpu_dev *d = &g->dev[i];

		bar(b, bw, d->util);
		if (d->util < 0)
			add(f, FA_NORMAL, " %-2d %-18.18s [%s]    ?", i, d->name, b);
		else if (d->mem_total > 0)
			add(f, FA_NORMAL, " %-2d %-18.18s [%s] %3d%%  mem %s/%s", i, d->name, b, d->util,
			    fmt_bytes(m1, sizeof(m1), d->mem_used), fmt_bytes(m2, sizeof(m2), d->mem_total));
		else
			add(f, FA_NORMAL, " %-2d %-18.18s [%s] %3d%%", i, d->name, b, d->util);
	}
	if (i < g->nr_gpus)
		add(f, FA_DIM, " ... %d more", g->nr_gpus - i);
}

/* Whole powers of two of ns: [2^k, 2^(k+1)), as the original design drew it. */
static void hist_panel(struct frame *f, const struct snapshot *s, int rows)
{
	const struct launch_stats *ls = s->ls;
	unsigned long long oct[64] = { 0 }, max = 0;
	char lo[16], hi[16], b[64];
	int first = -1, last = -1, k, bw;
	unsigned int i;

	header(f, "Launch latency, CPU-side enqueue time (not GPU execution)", "since reset");
	if (!ls || !ls->tracer) {
		add(f, FA_WARN, " tracer unavailable: %s", ls && ls->why[0] ? ls->why : "not started");
		return;
	}
	for (i = 0; i < GT_SLOTS; i++) {
		unsigned long long v = ls->slots[i];

		k = 63 - __builtin_clzll(gt_slot_lo(i) | 1);
		oct[k] += v;
	}
	for (k = 0; k < 64; k++) {
		if (!oct[k])
			continue;
		if (first < 0)
			first = k;
		last = k;
		if (oct[k] > max)
			max = oct[k];
	}
	if (first < 0) {
		add(f, FA_DIM, " no launches seen yet");
		return;
	}
	/* Too many octaves for the rows: keep the busiest window. */
	while (last - first + 1 > rows) {
		if (oct[first] <= oct[last])
			first++;
		else
			last--;
	}
	bw = f->width - 40;
	if (bw > 40)
		bw = 40;
	if (bw < 5)
		bw = 5;
	for (k = first; k <= last; k++) {
		int n = max ? (int)(oct[k] * bw / max) : 0;

		memset(b, '*', n);
		memset(b + n, ' ', bw - n);
		b[bw] = '\0';
		add(f, FA_NORMAL, " %8s -> %-8s: %-10llu |%s|", fmt_ns(lo, sizeof(lo), 1ull << k),
		    fmt_ns(hi, sizeof(hi), 1ull << (k + 1)), oct[k], b);
	}
}

static int gpu_util_of(const struct snapshot *s, __u32 pid)
{
	int i, u = -1;

	for (i = 0; i < s->gpu.nr_procs; i++)
		if (s->gpu.proc[i].pid == (int)pid)
			u = (u < 0 ? 0 : u) + s->gpu.proc[i].util;
	return u;
}

static int by_rate(const void *a, const void *b)
{
	const struct ls_proc *x = *(const struct ls_proc *const *)a;
	const struct ls_proc *y = *(const struct ls_proc *const *)b;

	if (x->launch_rate != y->launch_rate)
		return x->launch_rate < y->launch_rate ? 1 : -1;
	return x->launches < y->launches ? 1 : x->launches > y->launches ? -1 : 0;
}

static void proc_panel(struct frame *f, const struct snapshot *s, int rows)
{
	const struct launch_stats *ls = s->ls;
	const struct ls_proc *order[LS_PROCS];
	char p50[16], p95[16], p99[16], gpu[16];
	int i, n;

	header(f, "Processes launching", "p50/p95/p99 since reset; sync = share of time waiting");
	if (!ls || !ls->tracer) {
		add(f, FA_DIM, " (needs the tracer)");
		return;
	}
	if (!ls->nprocs) {
		add(f, FA_DIM, " none");
		return;
	}
	for (n = 0; n < ls->nprocs; n++)
		order[n] = &ls->procs[n];
	qsort(order, n, sizeof(order[0]), by_rate);
	add(f, FA_DIM, " %-7s %-11s %-7s %9s %8s %8s %8s %6s %5s", "PID", "COMM", "LAYER",
	    "LAUNCH/s", "p50", "p95", "p99", "SYNC", "GPU");
	for (i = 0; i < n && i < rows - 1; i++) {
		const struct ls_proc *p = order[i];
		int u = gpu_util_of(s, p->pid);

		if (u >= 0)
			snprintf(gpu, sizeof(gpu), "%d%%", u);
		else
			snprintf(gpu, sizeof(gpu), "-");
		add(f, FA_NORMAL, " %-7u %-11.11s %-7s %9.0f %8s %8s %8s %5.0f%% %5s", p->pid,
		    p->comm, gt_layer_name(p->layer), p->launch_rate,
		    fmt_ns(p50, sizeof(p50), gt_hist_percentile(p->slots, 50)),
		    fmt_ns(p95, sizeof(p95), gt_hist_percentile(p->slots, 95)),
		    fmt_ns(p99, sizeof(p99), gt_hist_percentile(p->slots, 99)),
		    p->sync_share * 100, gpu);
	}
	if (i < n)
		add(f, FA_DIM, " ... %d more", n - i);
}

/* Selected columns of a /proc table, each as wide as its widest cell (<= 16). */
static void table_rows(struct frame *f, const struct pf_table *t, const int *cols, int ncols,
		       int rows)
{
	char line[FRAME_COLS];
	int w[8] = { 0 }, r, c, len, shown;

	shown = t->nrows < rows - 1 ? t->nrows : rows - 1;
	for (c = 0; c < ncols && c < 8; c++) {
		if (cols[c] < 0)
			continue;
		w[c] = strlen(t->col[cols[c]]);
		for (r = 0; r < shown; r++)
			if ((int)strlen(t->cell[r][cols[c]]) > w[c])
				w[c] = strlen(t->cell[r][cols[c]]);
		if (w[c] > 16)
			w[c] = 16;
	}
	for (r = -1; r < shown; r++) {
		len = 0;
		for (c = 0; c < ncols && c < 8; c++)
			if (cols[c] >= 0)
				len += snprintf(line + len, sizeof(line) - len, " %-*.*s", w[c], w[c],
						r < 0 ? t->col[cols[c]] : t->cell[r][cols[c]]);
		add(f, r < 0 ? FA_DIM : FA_NORMAL, "%s", line);
	}
	if (shown < t->nrows)
		add(f, FA_DIM, " ... %d more", t->nrows - shown);
}

static void mem_panel(struct frame *f, const struct snapshot *s, int rows)
{
	const struct mem_view *m = &s->mem;
	char t[32], u[32], fr[32], bl[32], b[64];
	int cols[4];

	header(f, "Memory pool", "ai_mem");
	if (!m->loaded) {
		add(f, FA_WARN, " ai_mem: %s", why_missing(&s->mem_file));
		return;
	}
	bar(b, 20, m->total > 0 && m->used >= 0 ? (int)(m->used * 100 / m->total) : -1);
	add(f, FA_NORMAL, " pool %s  used %s  free %s  block %s  [%s]",
	    fmt_bytes(t, sizeof(t), m->total), fmt_bytes(u, sizeof(u), m->used),
	    fmt_bytes(fr, sizeof(fr), m->free), fmt_bytes(bl, sizeof(bl), m->block), b);
	if (!m->owners || rows < 3)
		return;
	cols[0] = m->col_pid;
	cols[1] = m->col_comm;
	cols[2] = m->col_bytes;
	cols[3] = m->col_bytes >= 0 ? -1 : m->col_blocks;
	table_rows(f, m->owners, cols, 4, rows - 1);
}

static void sched_panel(struct frame *f, const struct snapshot *s, int rows)
{
	static const char *const k_avail[] = { "GPU Available", "GPU 0 Available", NULL };
	const struct sched_view *v = &s->sched;
	const char *avail;
	char util[16], tasks[16];
	int cols[5];

	header(f, "Scheduler", "ai_sched");
	if (!v->loaded) {
		add(f, FA_WARN, " ai_sched: %s", why_missing(&s->sched_file));
		return;
	}
	avail = pf_get(&s->sched_file, k_avail);
	snprintf(util, sizeof(util), v->gpu_util >= 0 ? "%lld%%" : "-", v->gpu_util);
	snprintf(tasks, sizeof(tasks), v->nr_tasks >= 0 ? "%lld" : "?", v->nr_tasks);
	add(f, FA_NORMAL, " GPU utilisation (as ai_sched heard it): %s  available: %s  AI tasks: %s",
	    util, avail ? avail : "?", tasks);
	if (!v->tasks || rows < 3)
		return;
	cols[0] = v->col_pid;
	cols[1] = v->col_comm;
	cols[2] = v->col_gpu;
	cols[3] = v->col_state;
	cols[4] = v->col_nice;
	table_rows(f, v->tasks, cols, 5, rows - 1);
}

static void grow(int *rows, int max, int *extra)
{
	if (*extra > 0 && *rows < max) {
		(*rows)++;
		(*extra)--;
	}
}

void frame_build(struct frame *f, int width, int height, const struct snapshot *s,
		 const struct frame_opts *o)
{
	int avail, gpu_rows, hist_rows, proc_rows, mem_rows, sched_rows, extra;
	int want_gpu, want_hist, want_proc, want_mem, want_sched;

	memset(f, 0, sizeof(*f));
	f->width = width;
	f->height = height;
	add(f, FA_TITLE, "ai_monitor dashboard %s%s  q quit  p pause  r reset  ? help",
	    o->clock ? o->clock : "", o->paused ? "  [PAUSED]" : "");

	/*
	 * Rows below the title and the five panel headers, shared out: each
	 * panel its minimum first, then one more row at a time to the panels
	 * that have more to show, until the rows or the content run out.
	 */
	want_gpu = s->gpu.nr_gpus < 4 ? s->gpu.nr_gpus : 4;
	want_hist = s->ls && s->ls->tracer ? 8 : 1;
	want_proc = s->ls && s->ls->tracer ? s->ls->nprocs + 1 : 1;
	want_mem = 1 + (s->mem.owners ? s->mem.owners->nrows + 1 : 0);
	want_sched = 1 + (s->sched.tasks ? s->sched.tasks->nrows + 1 : 0);
	avail = height - 1 - 5;
	gpu_rows = 1;
	hist_rows = want_hist < 3 ? want_hist : 3;
	proc_rows = want_proc < 2 ? want_proc : 2;
	mem_rows = 1;
	sched_rows = 1;
	extra = avail - (gpu_rows + hist_rows + proc_rows + mem_rows + sched_rows);
	while (extra > 0) {
		int before = extra;

		grow(&gpu_rows, want_gpu, &extra);
		grow(&hist_rows, want_hist, &extra);
		grow(&proc_rows, want_proc, &extra);
		grow(&sched_rows, want_sched, &extra);
		grow(&mem_rows, want_mem, &extra);
		if (extra == before)
			break;
	}
	gpu_panel(f, s, gpu_rows);
	hist_panel(f, s, hist_rows);
	proc_panel(f, s, proc_rows);
	mem_panel(f, s, mem_rows);
	sched_panel(f, s, sched_rows);
}
