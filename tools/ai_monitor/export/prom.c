// SPDX-License-Identifier: GPL-2.0
/* Rendering /metrics in the Prometheus text format (prom.h). */
#include <string.h>

#include "prom.h"

/* Label values: backslash, double quote and line feed must be escaped. */
static void label(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void gpu_metrics(FILE *f, const struct gpu_sample *g)
{
	int i;

	head(f, "ai_gpu_devices", "gauge", "GPUs found (0: no GPU, or no source that can see one).");
	fprintf(f, "ai_gpu_devices %d\n", g->nr_gpus);
	if (!g->nr_gpus)
		return;
	head(f, "ai_gpu_utilization_ratio", "gauge",
	     "Share of the last sampling period the GPU was busy, 0 to 1.");
	for (i = 0; i < g->nr_gpus; i++)
		if (g->dev[i].util >= 0)
			fprintf(f, "ai_gpu_utilization_ratio{gpu=\"%d\",source=\"%s\"} %.2f\n",
				i, g->source, g->dev[i].util / 100.0);
	head(f, "ai_gpu_memory_used_bytes", "gauge", "GPU memory in use.");
	for (i = 0; i < g->nr_gpus; i++)
		if (g->dev[i].mem_used >= 0)
			fprintf(f, "ai_gpu_memory_used_bytes{gpu=\"%d\"} %lld\n", i, g->dev[i].mem_used);
	head(f, "ai_gpu_memory_total_bytes", "gauge", "GPU memory in all.");
	for (i = 0; i < g->nr_gpus; i++)
		if (g->dev[i].mem_total >= 0)
			fprintf(f, "ai_gpu_memory_total_bytes{gpu=\"%d\"} %lld\n", i, g->dev[i].mem_total);
	if (!g->nr_procs)
		return;
	head(f, "ai_gpu_process_utilization_ratio", "gauge",
	     "Share of the GPU a process kept busy over the last sampling period.");
	for (i = 0; i < g->nr_procs; i++)
		fprintf(f, "ai_gpu_process_utilization_ratio{gpu=\"%d\",pid=\"%d\"} %.2f\n",
			g->proc[i].gpu, g->proc[i].pid, g->proc[i].util / 100.0);
}

static void pid_labels(FILE *f, const struct ls_proc *p)
{
	fprintf(f, "pid=\"%u\",layer=\"%s\",comm=", p->pid, gt_layer_name(p->layer));
	label(f, p->comm);
}

static void launch_metrics(FILE *f, const struct launch_stats *ls)
{
	/* Bucket bounds: powers of two from 1 us to 1 s (2^10 .. 2^30 ns). */
	const unsigned int lo_log2 = 10, hi_log2 = 30;
	unsigned int b, k;
	int n;

	head(f, "ai_tracer_up", "gauge", "1 when the GPU launch tracer is attached.");
	fprintf(f, "ai_tracer_up %d\n", ls && ls->tracer);
	if (!ls || !ls->tracer)
		return;
	head(f, "ai_tracer_dropped_events_total", "counter",
	     "Tracer events that could not be accounted for.");
	fprintf(f, "ai_tracer_dropped_events_total %llu\n", (unsigned long long)ls->dropped);
	if (!ls->nprocs)
		return;
	head(f, "ai_launches_total", "counter",
	     "CUDA and HIP launch calls, by layer (with --duty, estimated from those sampled).");
	for (n = 0; n < ls->nprocs; n++) {
		fprintf(f, "ai_launches_total{");
		pid_labels(f, &ls->procs[n]);
		fprintf(f, "} %.0f\n", ls->procs[n].launches_est);
	}
	head(f, "ai_launch_latency_seconds", "histogram",
	     "CPU-side time of launch calls (enqueue, not GPU execution); with --duty, of those sampled.");
	for (n = 0; n < ls->nprocs; n++) {
		const struct ls_proc *p = &ls->procs[n];
		unsigned long long cum = 0;

		k = 0;
		for (b = lo_log2; b <= hi_log2; b++) {
			/* Buckets are [lo, hi): those with hi <= 2^b hold values <= 2^b. */
			for (; k < GT_SLOTS && gt_slot_hi(k) <= (1ull << b); k++)
				cum += p->slots[k];
			fprintf(f, "ai_launch_latency_seconds_bucket{");
			pid_labels(f, p);
			fprintf(f, ",le=\"%.9g\"} %llu\n", (double)(1ull << b) / 1e9, cum);
		}
		fprintf(f, "ai_launch_latency_seconds_bucket{");
		pid_labels(f, p);
		fprintf(f, ",le=\"+Inf\"} %llu\n", (unsigned long long)p->launches);
		fprintf(f, "ai_launch_latency_seconds_sum{");
		pid_labels(f, p);
		fprintf(f, "} %.9f\n", p->launch_sum_ns / 1e9);
		fprintf(f, "ai_launch_latency_seconds_count{");
		pid_labels(f, p);
		fprintf(f, "} %llu\n", (unsigned long long)p->launches);
	}
	head(f, "ai_launch_errors_total", "counter",
	     "Launch calls that returned an error (with --duty, estimated).");
	for (n = 0; n < ls->nprocs; n++) {
		fprintf(f, "ai_launch_errors_total{");
		pid_labels(f, &ls->procs[n]);
		fprintf(f, "} %.0f\n", ls->procs[n].errors);
	}
	head(f, "ai_sync_wait_seconds_total", "counter",
	     "Time spent waiting in CUDA and HIP synchronize calls (with --duty, estimated).");
	for (n = 0; n < ls->nprocs; n++) {
		fprintf(f, "ai_sync_wait_seconds_total{");
		pid_labels(f, &ls->procs[n]);
		fprintf(f, "} %.9f\n", ls->procs[n].sync_sum_ns / 1e9);
	}
}

static void mem_metrics(FILE *f, const struct snapshot *s)
{
	const struct mem_view *m = &s->mem;
	int r;

	head(f, "ai_mem_loaded", "gauge", "1 when /proc/ai_memory exists.");
	fprintf(f, "ai_mem_loaded %d\n", m->loaded);
	if (!m->loaded)
		return;
#define MEM_GAUGE(name, field, help) do {			\
		if (m->field >= 0) {				\
			head(f, name, "gauge", help);		\
			fprintf(f, name " %lld\n", m->field);	\
		}						\
	} while (0)
	MEM_GAUGE("ai_mem_pool_bytes", total, "Size of the pinned pool.");
	MEM_GAUGE("ai_mem_pool_used_bytes", used, "Pool memory held by processes.");
	MEM_GAUGE("ai_mem_pool_free_bytes", free, "Pool memory nobody holds.");
	MEM_GAUGE("ai_mem_pool_block_bytes", block, "Allocation granule of the pool.");
#undef MEM_GAUGE
	if (!m->owners || m->col_pid < 0)
		return;
	head(f, "ai_mem_owner_bytes", "gauge", "Pool memory held per process.");
	for (r = 0; r < m->owners->nrows; r++) {
		long long bytes = mem_owner_bytes(m, r);

		if (bytes < 0)
			continue;
		fprintf(f, "ai_mem_owner_bytes{pid=");
		label(f, m->owners->cell[r][m->col_pid]);
		if (m->col_comm >= 0) {
			fprintf(f, ",comm=");
			label(f, m->owners->cell[r][m->col_comm]);
		}
		fprintf(f, "} %lld\n", bytes);
	}
}

static void sched_metrics(FILE *f, const struct snapshot *s)
{
	const struct sched_view *v = &s->sched;
	char states[8][PF_CELL];
	int counts[8] = { 0 }, nstates = 0, r, i;

	head(f, "ai_sched_loaded", "gauge", "1 when /proc/ai_scheduler exists.");
	fprintf(f, "ai_sched_loaded %d\n", v->loaded);
	if (!v->loaded)
		return;
	if (v->gpu_util >= 0) {
		head(f, "ai_sched_gpu_utilization_ratio", "gauge",
		     "GPU utilisation as ai_sched last heard it.");
		fprintf(f, "ai_sched_gpu_utilization_ratio %.2f\n", v->gpu_util / 100.0);
	}
	if (v->nr_tasks >= 0) {
		head(f, "ai_sched_tasks", "gauge", "Processes registered with ai_sched.");
		fprintf(f, "ai_sched_tasks %lld\n", v->nr_tasks);
	}
	if (!v->tasks || v->col_state < 0)
		return;
	for (r = 0; r < v->tasks->nrows; r++) {
		const char *st = v->tasks->cell[r][v->col_state];

		for (i = 0; i < nstates; i++)
			if (!strcmp(states[i], st))
				break;
		if (i == nstates) {
			/* The scheduler has a handful of states; more is a parse error. */
			if (nstates == 8)
				continue;
			str_copy(states[nstates++], st, PF_CELL);
		}
		counts[i]++;
	}
	head(f, "ai_sched_tasks_by_state", "gauge", "Registered processes per scheduler state.");
	for (i = 0; i < nstates; i++) {
		fprintf(f, "ai_sched_tasks_by_state{state=");
		label(f, states[i]);
		fprintf(f, "} %d\n", counts[i]);
	}
	if (v->col_pid < 0)
		return;
	head(f, "ai_sched_task_state", "gauge", "1 for each registered process, with its state.");
	for (r = 0; r < v->tasks->nrows; r++) {
		fprintf(f, "ai_sched_task_state{pid=");
		label(f, v->tasks->cell[r][v->col_pid]);
		fprintf(f, ",state=");
		label(f, v->tasks->cell[r][v->col_state]);
		fprintf(f, "} 1\n");
	}
}

static void agent_metrics(FILE *f, const struct agent_metrics *am)
{
	int i;

	head(f, "ai_agent_sched_device_up", "gauge", "1 when the last push reached the ai_sched device.");
	fprintf(f, "ai_agent_sched_device_up %d\n", am->sched_dev_up);
	head(f, "ai_agent_util_pushes_total", "counter", "GPU utilisation figures handed to ai_sched.");
	fprintf(f, "ai_agent_util_pushes_total %llu\n", am->pushes);
	head(f, "ai_agent_util_push_errors_total", "counter", "Pushes to ai_sched that failed.");
	fprintf(f, "ai_agent_util_push_errors_total %llu\n", am->push_errors);
	head(f, "ai_agent_registered_tasks", "gauge", "Processes the agent has registered with ai_sched.");
	fprintf(f, "ai_agent_registered_tasks %d\n", am->registered);
	head(f, "ai_agent_registrations_total", "counter", "Processes the agent registered.");
	fprintf(f, "ai_agent_registrations_total %llu\n", am->registrations);
	head(f, "ai_agent_unregistrations_total", "counter", "Processes the agent unregistered.");
	fprintf(f, "ai_agent_unregistrations_total %llu\n", am->unregistrations);
	if (am->group_lever) {
		head(f, "ai_agent_groups_raised", "gauge",
		     "Scheduling groups (cpu cgroups, autogroups) the agent holds at the group nice.");
		fprintf(f, "ai_agent_groups_raised %d\n", am->groups_raised);
		head(f, "ai_agent_group_raises_total", "counter", "Groups the agent raised.");
		fprintf(f, "ai_agent_group_raises_total %llu\n", am->group_raises);
		head(f, "ai_agent_group_restores_total", "counter",
		     "Groups the agent put back to their own weight.");
		fprintf(f, "ai_agent_group_restores_total %llu\n", am->group_restores);
		head(f, "ai_agent_group_left_alone_total", "counter",
		     "Raised groups someone else changed meanwhile, left as they were.");
		fprintf(f, "ai_agent_group_left_alone_total %llu\n", am->group_left_alone);
		head(f, "ai_agent_group_over_budget_total", "counter",
		     "Raised groups lowered for using more CPU than the budget.");
		fprintf(f, "ai_agent_group_over_budget_total %llu\n", am->group_over_budget);
	}
	if (!am->nbusy)
		return;
	head(f, "ai_agent_task_gpu_busy_seconds_total", "counter",
	     "GPU busy time the agent measured for a registered process.");
	for (i = 0; i < am->nbusy; i++)
		fprintf(f, "ai_agent_task_gpu_busy_seconds_total{pid=\"%d\"} %.3f\n",
			am->busy[i].pid, am->busy[i].busy_ns / 1e9);
}

void prom_render(FILE *f, const struct snapshot *s, const struct agent_metrics *am)
{
	gpu_metrics(f, &s->gpu);
	launch_metrics(f, s->ls);
	mem_metrics(f, s);
	sched_metrics(f, s);
	if (am)
		agent_metrics(f, am);
}
