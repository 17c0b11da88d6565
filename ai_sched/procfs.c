// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/ai_scheduler: the state, one "Key: value" line each, then one row
 * per registered process. ai_monitor parses it; the format is documented in
 * docs/ai_sched.md and only ever grows new lines at the end of the header.
 */
#include <linux/ctype.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include "internal.h"

/* GPUs worth a line: reported, or fed by a registered process; 0 always. */
static void ai_sched_gpus_in_use(unsigned long *mask)
{
	struct ai_sched_proc *p;
	unsigned int gpu, util;
	unsigned long idx;

	bitmap_zero(mask, AI_SCHED_MAX_GPUS);
	__set_bit(0, mask);
	for (gpu = 0; gpu < AI_SCHED_MAX_GPUS; gpu++)
		if (ai_sched_gpu_reported(gpu, &util))
			__set_bit(gpu, mask);
	xa_for_each(&ai_sched_procs, idx, p)
		__set_bit(p->gpu, mask);
}

static void ai_sched_show_gpu(struct seq_file *m, unsigned int gpu, bool many)
{
	char name[8] = "";
	unsigned int util;

	if (many)
		snprintf(name, sizeof(name), " %u", gpu);
	if (ai_sched_gpu_reported(gpu, &util))
		seq_printf(m, "GPU%s Utilization: %u%%\n", name, util);
	else
		seq_printf(m, "GPU%s Utilization: -\n", name);
	seq_printf(m, "GPU%s Available: %s\n", name,
		   ai_sched_gpu_state_name(ai_sched_gpu_state(gpu)));
}

/* @enabled: ai_sched_ag_enabled(), read before taking ai_sched_lock. */
static void ai_sched_show_autogroup(struct seq_file *m, int enabled)
{
	static const char * const state[] = { "unknown", "off", "on" };
	bool detach = READ_ONCE(ai_sched_autogroup);

	if (!IS_ENABLED(CONFIG_SCHED_AUTOGROUP)) {
		seq_puts(m, "Autogroup: absent, handling: none (nice works across sessions)\n");
		return;
	}
	seq_printf(m, "Autogroup: %s, handling: %s\n",
		   state[enabled + 1],
		   detach ? "detach (boosted processes leave their session's group)" :
			    "none (the boost works only within a session)");
}

static const char *ai_sched_row_state(struct ai_sched_proc *p)
{
	switch (ai_sched_gpu_state(p->gpu)) {
	case AI_GPU_AVAILABLE:
		return "boosted";
	case AI_GPU_SATURATED:
		return "relaxed";
	default:
		return "unknown";
	}
}

static void ai_sched_show_row(struct seq_file *m, struct ai_sched_proc *p,
			      struct pid_namespace *ns)
{
	char comm[TASK_COMM_LEN];
	unsigned int threads, i;
	int orig, cur;
	pid_t nr;
	u64 cpu;

	nr = pid_nr_ns(p->pid, ns);
	if (!nr ||
	    !ai_sched_proc_task_view(p, comm, &orig, &cur, &threads, &cpu))
		return;	/* not visible from here, or just exited */
	/* One token per column: no blanks or control characters in COMM. */
	for (i = 0; comm[i]; i++)
		if (isspace(comm[i]) || !isprint(comm[i]))
			comm[i] = '_';

	seq_printf(m, "%-7d %-16s %-3u %-7s %d->%d %u %llu ", nr, comm, p->gpu,
		   ai_sched_row_state(p), orig, cur, threads,
		   div_u64(cpu, NSEC_PER_MSEC));
	if (p->gpu_busy_valid)
		seq_printf(m, "%llu\n", div_u64(p->gpu_busy_ns, NSEC_PER_MSEC));
	else
		seq_puts(m, "-\n");
}

int ai_sched_proc_show(struct seq_file *m, void *v)
{
	DECLARE_BITMAP(gpus, AI_SCHED_MAX_GPUS);
	struct pid_namespace *ns = task_active_pid_ns(current);
	int autogroup = ai_sched_ag_enabled();
	struct ai_sched_proc *p;
	unsigned int gpu;
	unsigned long idx;
	bool many;

	mutex_lock(&ai_sched_lock);
	ai_sched_gpus_in_use(gpus);
	many = bitmap_weight(gpus, AI_SCHED_MAX_GPUS) > 1;
	for_each_set_bit(gpu, gpus, AI_SCHED_MAX_GPUS)
		ai_sched_show_gpu(m, gpu, many);
	seq_printf(m, "AI Tasks: %u\n", ai_sched_nr_procs);
	ai_sched_show_autogroup(m, autogroup);
	seq_printf(m, "Parameters: busy_pct %u hyst_pct %u stale_ms %u unknown_boost %d min_nice %d max_tasks %u\n",
		   READ_ONCE(ai_sched_busy_pct), READ_ONCE(ai_sched_hyst_pct),
		   READ_ONCE(ai_sched_stale_ms), READ_ONCE(ai_sched_unknown_boost),
		   READ_ONCE(ai_sched_min_nice), READ_ONCE(ai_sched_max_tasks));
	ai_sched_tick_show(m);
	seq_puts(m, "PID     COMM             GPU STATE   NICE THREADS CPU_MS GPU_BUSY_MS\n");
	xa_for_each(&ai_sched_procs, idx, p)
		ai_sched_show_row(m, p, ns);
	mutex_unlock(&ai_sched_lock);
	return 0;
}
