// SPDX-License-Identifier: GPL-2.0
/* Per-process launch statistics folded from tracer samples (launch_stats.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "launch_stats.h"
#include "util.h"

void ls_open(struct launch_stats *ls, unsigned int duty_on_ms, unsigned int duty_period_ms)
{
	struct gt_opts opts = {
		.pid = -1,
		.duty_on_ms = duty_on_ms,
		.duty_period_ms = duty_period_ms,
	};
	int err;

	memset(ls, 0, sizeof(*ls));
	err = gt_tracer_open(&ls->tracer, &opts, ls->why, sizeof(ls->why));
	if (err) {
		ls->tracer = NULL;
		if (!ls->why[0])
			snprintf(ls->why, sizeof(ls->why), "tracer: %s", strerror(-err));
	}
}

void ls_close(struct launch_stats *ls)
{
	if (ls->tracer)
		gt_tracer_close(ls->tracer);
	ls->tracer = NULL;
}

void ls_reset(struct launch_stats *ls)
{
	int i;

	memset(ls->slots, 0, sizeof(ls->slots));
	ls->launches = 0;
	ls->dropped = 0;
	for (i = 0; i < ls->nprocs; i++) {
		struct ls_proc *p = &ls->procs[i];

		p->launches = p->launch_sum_ns = 0;
		p->launches_est = p->errors = p->syncs = p->sync_sum_ns = 0;
		memset(p->slots, 0, sizeof(p->slots));
	}
}

static struct ls_proc *proc_slot(struct launch_stats *ls, __u32 pid, unsigned int layer,
				 const char *comm)
{
	struct ls_proc *p, *victim = NULL;
	int i;

	for (i = 0; i < ls->nprocs; i++)
		if (ls->procs[i].pid == pid && ls->procs[i].layer == layer)
			return &ls->procs[i];
	if (ls->nprocs < LS_PROCS) {
		p = &ls->procs[ls->nprocs++];
	} else {
		for (i = 0; i < ls->nprocs; i++)
			if (!victim || ls->procs[i].last_launch < victim->last_launch)
				victim = &ls->procs[i];
		p = victim;
	}
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->layer = layer;
	str_copy(p->comm, comm, sizeof(p->comm));
	return p;
}

void ls_fold(struct launch_stats *ls, const struct gt_sample *s, uint64_t now)
{
	double iv = s->interval_s > 0 ? s->interval_s : 1;
	size_t r;
	unsigned int k;
	int i;

	ls->interval_s = s->interval_s;
	ls->dropped += s->dropped;
	for (i = 0; i < ls->nprocs; i++)
		ls->procs[i].launch_rate = ls->procs[i].sync_share = 0;

	for (r = 0; r < s->nrows; r++) {
		const struct gt_row *row = &s->rows[r];
		struct ls_proc *p;

		if (row->api >= GT_CALIBRATE || (!row->count && row->est.calls <= 0))
			continue;
		p = proc_slot(ls, row->pid, gt_api_layer(row->api), row->comm);
		if (row->comm[0])
			str_copy(p->comm, row->comm, sizeof(p->comm));
		if (ls_is_launch(row->api)) {
			for (k = 0; k < GT_SLOTS; k++) {
				p->slots[k] += row->slots[k];
				ls->slots[k] += row->slots[k];
			}
			p->launches += row->count;
			p->launch_sum_ns += row->sum_ns;
			p->launches_est += row->est.calls;
			p->errors += row->est.errors;
			p->launch_rate += row->est.calls / iv;
			if (row->count)
				p->last_launch = now;
			ls->launches += row->count;
		} else {
			p->syncs += row->est.calls;
			p->sync_sum_ns += row->est.sum_ns;
			p->sync_share += row->est.sum_ns / 1e9 / iv;
		}
	}
}

/* Processes that exited are reported once more by the tracer, then dropped here. */
static void forget_exited(struct launch_stats *ls)
{
	char path[PATH_MAX];
	int i = 0;

	while (i < ls->nprocs) {
		pathf(path, sizeof(path), "/proc/%u", ls->procs[i].pid);
		if (!access(path, F_OK) || errno != ENOENT) {
			i++;
			continue;
		}
		ls->procs[i] = ls->procs[--ls->nprocs];
	}
}

double ls_service(struct launch_stats *ls)
{
	return ls->tracer ? gt_tracer_service(ls->tracer) : 1;
}

void ls_update(struct launch_stats *ls)
{
	struct gt_sample s;
	int err;

	if (!ls->tracer)
		return;
	memset(&s, 0, sizeof(s));
	err = gt_tracer_sample(ls->tracer, &s);
	if (err) {
		snprintf(ls->why, sizeof(ls->why), "tracer sample: %s", strerror(-err));
		return;
	}
	ls_fold(ls, &s, now_ns());
	gt_sample_free(&s);
	forget_exited(ls);
}
