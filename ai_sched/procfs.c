// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/ai_scheduler: the state, one "Key: value" line each, then one row
 * per registered process. ai_monitor parses it; the format is documented in
 * docs/ai_sched.md and only ever grows new lines at the end of the header.
 * Tools that want one process's state use AI_SCHED_IOC_QUERY instead.
 */
#include <linux/ctype.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include "internal.h"

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
	struct ai_sched_view v;
	unsigned int i;
	pid_t nr;

	nr = pid_nr_ns(p->pid, ns);
	if (!nr || !ai_sched_proc_view(p, &v))
		return;	/* not visible from here, or just exited */
	/* One token per column: no blanks or control characters in COMM. */
	for (i = 0; v.comm[i]; i++)
		if (isspace(v.comm[i]) || !isprint(v.comm[i]))
			v.comm[i] = '_';

	seq_printf(m, "%-7d %-16s %-3u %-7s %d->%d %u %u %llu %s\n", nr, v.comm,
		   p->gpu, ai_sched_row_state(p), v.own_nice, v.cur_nice,
		   v.threads, v.boosted_threads, div_u64(v.cpu_ns, NSEC_PER_MSEC),
		   p->owner ? "fd" : "persist");
}

int ai_sched_proc_show(struct seq_file *m, void *v)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct ai_sched_proc *p;
	unsigned long idx;

	mutex_lock(&ai_sched_lock);
	ai_sched_gpu_show(m);
	seq_printf(m, "AI Tasks: %u\n", ai_sched_nr_procs);
	seq_printf(m, "Autogroup: %s, handling: none (the nice boost works within a session's group only)\n",
		   IS_ENABLED(CONFIG_SCHED_AUTOGROUP) ? "built-in" : "absent");
	seq_printf(m, "Parameters: busy_pct %u hyst_pct %u stale_ms %u unknown_boost %d min_nice %d max_tasks %u max_per_user %u max_gpus %u\n",
		   READ_ONCE(ai_sched_busy_pct), READ_ONCE(ai_sched_hyst_pct),
		   READ_ONCE(ai_sched_stale_ms), READ_ONCE(ai_sched_unknown_boost),
		   READ_ONCE(ai_sched_min_nice), READ_ONCE(ai_sched_max_tasks),
		   READ_ONCE(ai_sched_max_per_user), READ_ONCE(ai_sched_max_gpus));
	ai_sched_events_show(m);
	seq_puts(m, "PID     COMM             GPU STATE   NICE THREADS BOOSTED CPU_MS REG\n");
	xa_for_each(&ai_sched_procs, idx, p)
		ai_sched_show_row(m, p, ns);
	mutex_unlock(&ai_sched_lock);
	return 0;
}
