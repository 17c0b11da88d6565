// SPDX-License-Identifier: GPL-2.0
/*
 * trace_sample.c - reading the histograms: each sample is the difference
 * from the previous read, so nothing is lost between reads and no lock is
 * shared with the probes; and, duty cycled, what the sampled calls stand
 * for.
 */
#include <signal.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "trace_priv.h"		/* before the skeleton: it defines the types */
#include "gpu_tracer.skel.h"

static int row_cmp(const void *a, const void *b)
{
	const struct gt_row *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->api > y->api) - (x->api < y->api);
}

static bool process_gone(pid_t pid)
{
	return kill(pid, 0) && errno == ESRCH;
}

/*
 * Reads every histogram of the map, sorted; *n set to the number read.
 * Whether a process is gone is decided before its histogram is read: a
 * process seen dead first cannot add to it after the read, so deleting it
 * once reported loses nothing.
 */
static int read_all(struct gt_tracer *t, struct gt_row **out, size_t *n)
{
	int fd = bpf_map__fd(t->skel->maps.hists);
	struct gt_key key, next, *prev = NULL;
	struct gt_row *rows = NULL, *r;
	struct gt_hist h;
	size_t cap = 0, len = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		bool gone;

		key = next;
		prev = &key;
		gone = process_gone(key.tgid);
		if (bpf_map_lookup_elem(fd, &key, &h))
			continue;	/* deleted meanwhile */
		if (key.api >= GT_CALIBRATE)
			continue;
		if (len == cap) {
			cap = cap ? cap * 2 : 64;
			r = realloc(rows, cap * sizeof(*rows));
			if (!r) {
				free(rows);
				return -ENOMEM;
			}
			rows = r;
		}
		r = &rows[len++];
		r->pid = key.tgid;
		r->api = key.api;
		r->gone = gone;
		memcpy(r->comm, h.comm, sizeof(r->comm));
		r->comm[sizeof(r->comm) - 1] = '\0';
		r->sum_ns = h.sum_ns;
		r->errors = h.errors;
		memcpy(r->slots, h.slots, sizeof(r->slots));
		/* The slots are the truth: count is bumped separately. */
		r->count = gt_hist_total(r->slots);
	}
	if (len)
		qsort(rows, len, sizeof(*rows), row_cmp);
	*out = rows;
	*n = len;
	return 0;
}

static __u64 sub(__u64 a, __u64 b)
{
	return a >= b ? a - b : a;
}

static int acct_cmp(const void *a, const void *b)
{
	const struct gt_acct *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->api > y->api) - (x->api < y->api);
}

static const struct gt_acct *acct_of(const struct gt_tracer *t, __u32 pid, __u32 api)
{
	struct gt_acct key = { .pid = pid, .api = api };

	return t->nacct ? bsearch(&key, t->acct, t->nacct, sizeof(key), acct_cmp) : NULL;
}

static double at_least(double v, double floor)
{
	return v > floor ? v : floor;
}

/* What @r has seen beyond @a (all of it without @a), times @scale, added to @e. */
static void add_seen(struct gt_est *e, const struct gt_row *r, const struct gt_acct *a,
		     double scale)
{
	__u64 n = r->count - (a ? a->count : 0);

	e->calls += n * scale;
	e->errors += (r->errors - (a ? a->errors : 0)) * scale;
	e->sum_ns += (r->sum_ns - (a ? a->sum_ns : 0)) * scale;
	e->seen += n;
}

/*
 * A deleted row's accounting must not pass to a new process that gets the
 * same pid before the next window start: no histogram reaches this count.
 */
static void forget_acct(struct gt_tracer *t, __u32 pid, __u32 api)
{
	struct gt_acct *a = (struct gt_acct *)acct_of(t, pid, api);

	if (a)
		a->count = ~0ULL;
}

/* @a unless the histogram went backwards (recreated: all of it is new). */
static const struct gt_acct *still(const struct gt_acct *a, const struct gt_row *r)
{
	return a && r->count >= a->count && r->errors >= a->errors && r->sum_ns >= a->sum_ns ?
	       a : NULL;
}

void gt_duty_account(struct gt_tracer *t, double scale)
{
	struct gt_row *cur;
	struct gt_acct *acct;
	size_t n, i;

	if (read_all(t, &cur, &n))
		return;		/* these calls go with the next window instead */
	acct = n ? calloc(n, sizeof(*acct)) : NULL;
	if (n && !acct) {
		free(cur);
		return;
	}
	for (i = 0; i < n; i++) {
		const struct gt_acct *old = still(acct_of(t, cur[i].pid, cur[i].api), &cur[i]);

		acct[i].pid = cur[i].pid;
		acct[i].api = cur[i].api;
		acct[i].count = cur[i].count;
		acct[i].errors = cur[i].errors;
		acct[i].sum_ns = cur[i].sum_ns;
		if (old)
			acct[i].est = old->est;
		add_seen(&acct[i].est, &cur[i], old, scale);
	}
	free(cur);
	free(t->acct);
	t->acct = acct;	/* read_all() sorts by (pid, api), as acct_cmp() does */
	t->nacct = n;
	t->acct_scale = scale;
}

/*
 * A row's estimate of all its calls so far. Always on, what it saw. Duty
 * cycled, what the window starts so far accounted; for a process that has
 * exited since (or before a last sample), its calls since then too, at the
 * last window's scale. *settled: nothing of it is left to account.
 */
static struct gt_est estimate_row(const struct gt_tracer *t, const struct gt_row *r,
				  bool *settled)
{
	const struct gt_acct *a;
	struct gt_est e = { 0 };

	*settled = true;
	if (!t->duty_period_ms) {
		add_seen(&e, r, NULL, 1);
		return e;
	}
	a = still(acct_of(t, r->pid, r->api), r);
	if (a)
		e = a->est;
	if (a && a->count == r->count && a->errors == r->errors && a->sum_ns == r->sum_ns)
		return e;
	*settled = false;
	/*
	 * In the first window nothing is accounted yet: what is seen stands
	 * for itself (the scale is 1 so far), not for nothing.
	 */
	if (!t->last_len && !a && !r->gone && !t->settle) {
		add_seen(&e, r, NULL, 1);
		return e;
	}
	if (r->gone || t->settle) {
		add_seen(&e, r, a, t->acct_scale > 0 ? t->acct_scale :
				   gt_duty_scale(t, gt_now_s()));
		*settled = true;
	}
	return e;
}

/* The part of @total not in @before (estimates never go back). */
static struct gt_est est_diff(struct gt_est *total, const struct gt_est *before)
{
	struct gt_est d;

	total->calls = at_least(total->calls, before->calls);
	total->errors = at_least(total->errors, before->errors);
	total->sum_ns = at_least(total->sum_ns, before->sum_ns);
	if (total->seen < before->seen)
		total->seen = before->seen;
	d.calls = total->calls - before->calls;
	d.errors = total->errors - before->errors;
	d.sum_ns = total->sum_ns - before->sum_ns;
	d.seen = total->seen - before->seen;
	return d;
}

int gt_tracer_sample(struct gt_tracer *t, struct gt_sample *s)
{
	struct gt_drops d = t->skel->bss->drops;	/* racy read of counters: fine */
	struct gt_row *cur, *out;
	size_t ncur, nout = 0, i, keep = 0;
	struct timespec ts;
	unsigned int k;
	int err;

	memset(s, 0, sizeof(*s));
	s->interval_s = gt_now_ts(&ts) - (t->last.tv_sec + t->last.tv_nsec / 1e9);
	t->last = ts;
	s->scale = gt_duty_scale(t, ts.tv_sec + ts.tv_nsec / 1e9);
	s->duty = t->duty_period_ms > 0;
	s->window_s = gt_duty_take_window(t, ts.tv_sec + ts.tv_nsec / 1e9);
	if (!t->duty_period_ms)
		s->window_s = s->interval_s;
	err = read_all(t, &cur, &ncur);
	if (err)
		return err;
	out = ncur ? calloc(ncur, sizeof(*out)) : NULL;
	if (ncur && !out) {
		free(cur);
		return -ENOMEM;
	}
	for (i = 0; i < ncur; i++) {
		const struct gt_row *p = bsearch(&cur[i], t->prev, t->nprev,
						 sizeof(*t->prev), row_cmp);
		struct gt_row *o = &out[nout];

		struct gt_est before = { 0 };
		bool settled;

		*o = cur[i];
		/* A histogram that went backwards was recreated: all of it is new. */
		if (p && cur[i].count >= p->count) {
			o->count -= p->count;
			o->sum_ns = sub(o->sum_ns, p->sum_ns);
			o->errors = sub(o->errors, p->errors);
			for (k = 0; k < GT_SLOTS; k++)
				o->slots[k] = sub(o->slots[k], p->slots[k]);
			before = p->est_total;
		}
		cur[i].est_total = estimate_row(t, &cur[i], &settled);
		o->est = est_diff(&cur[i].est_total, &before);
		o->est_total = cur[i].est_total;
		if (o->count || o->est.calls >= 0.5)
			nout++;
		if (cur[i].gone && settled) {
			struct gt_key key = { .tgid = cur[i].pid, .api = cur[i].api };

			/* Reported for the last time above. */
			bpf_map__delete_elem(t->skel->maps.hists, &key, sizeof(key), 0);
			forget_acct(t, cur[i].pid, cur[i].api);
			continue;
		}
		cur[keep++] = cur[i];
	}
	free(t->prev);
	t->prev = cur;
	t->nprev = keep;

	s->drops.overwritten = sub(d.overwritten, t->prev_drops.overwritten);
	s->drops.no_start = sub(d.no_start, t->prev_drops.no_start);
	s->drops.start_full = sub(d.start_full, t->prev_drops.start_full);
	s->drops.hist_full = sub(d.hist_full, t->prev_drops.hist_full);
	s->dropped = s->drops.overwritten + s->drops.no_start + s->drops.start_full +
		     s->drops.hist_full;
	t->prev_drops = d;
	s->rows = out;
	s->nrows = nout;
	return 0;
}

void gt_tracer_settle(struct gt_tracer *t)
{
	t->settle = true;
}

void gt_sample_free(struct gt_sample *s)
{
	free(s->rows);
	s->rows = NULL;
	s->nrows = 0;
}
