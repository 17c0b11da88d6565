// SPDX-License-Identifier: GPL-2.0
/*
 * Events instead of a tick: new threads, exits and set-id execs are seen
 * through the scheduler's tracepoints, GPU staleness through one delayed
 * work armed only while a fresh report exists. With nothing changing and no
 * report arriving, nothing runs.
 *
 * The tracepoints task_newtask, sched_process_exit and sched_process_exec
 * are not exported as symbols; they are found by name with
 * for_each_kernel_tracepoint() and attached with tracepoint_probe_register(),
 * both exported (GPL) on 6.1 and 6.12, as LTTng-modules does. Their
 * prototypes are the same on both kernels.
 *
 * The probes run in the traced task's context with preemption disabled:
 * they only look the process up under RCU, set bits in its pending word and
 * queue the event work, which does everything that sleeps under
 * ai_sched_lock. The one thing a probe changes itself is the nice of a
 * child that is not running yet (task_newtask runs before the child's
 * first wake-up): set_user_nice() takes only the runqueue lock.
 */
#include <linux/binfmts.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>
#include "internal.h"

static void ai_sched_event_fn(struct work_struct *work);
static void ai_sched_stale_fn(struct work_struct *work);
static DECLARE_WORK(ai_sched_event_work, ai_sched_event_fn);
static DECLARE_DELAYED_WORK(ai_sched_stale_work, ai_sched_stale_fn);

/* Set by the parameter hooks: re-evaluate every process. */
static unsigned long ai_sched_global_pending;
static bool ai_sched_events_on;

/* Statistics of the event work, under ai_sched_lock. */
static u64 ev_runs, ev_last_ns, ev_max_ns, ev_sum_ns, stale_runs;

/* The registration of current's process, or NULL. Under RCU. */
static struct ai_sched_proc *ai_sched_current_proc(struct task_struct *t)
{
	struct ai_sched_proc *p;

	p = xa_load(&ai_sched_procs, t->tgid);
	if (p && READ_ONCE(p->pid) != task_tgid(t))
		return NULL;
	return p;
}

/* The nice a child gets from a parent at @nice (sched_fork's rule). */
static int ai_sched_fork_nice(struct task_struct *parent, int nice)
{
	if (!parent->sched_reset_on_fork)
		return nice;
	switch (READ_ONCE(parent->policy)) {
	case SCHED_FIFO:
	case SCHED_RR:
	case SCHED_DEADLINE:
		return 0;
	}
	return nice < 0 ? 0 : nice;
}

/*
 * A task forked by a thread of a registered process. If the parent is at
 * our boost, the child copied it: give the child what it would have had
 * without ai_sched before it first runs. A new thread of a boosted process
 * is boosted on its own record by the event work.
 */
static void ai_sched_probe_newtask(void *data, struct task_struct *task,
				   unsigned long clone_flags)
{
	struct ai_sched_thread *rec;
	struct ai_sched_proc *p;
	bool kick = false;
	int mode;

	rcu_read_lock();
	p = ai_sched_current_proc(current);
	if (!p)
		goto out;
	rec = xa_load(&p->threads, current->pid);
	if (rec && READ_ONCE(rec->pid) == task_pid(current)) {
		/* Pairs with the release in ai_sched_thread_boost(). */
		mode = smp_load_acquire(&rec->mode);
		if (mode == AI_THR_BOOSTED || mode == AI_THR_RESTORED) {
			int boosted = ai_sched_fork_nice(current,
						READ_ONCE(rec->applied_nice));
			int own = ai_sched_fork_nice(current,
						READ_ONCE(rec->orig_nice));

			if (boosted != own && task_nice(task) == boosted)
				set_user_nice(task, own);
		}
	}
	/* Pairs with the barrier in ai_sched_threads_boost(). */
	smp_mb();
	if ((clone_flags & CLONE_THREAD) && READ_ONCE(p->boosted)) {
		set_bit(AI_PEND_RESCAN, &p->pending);
		kick = true;
	}
out:
	rcu_read_unlock();
	if (kick)
		ai_sched_events_kick();
}

/* A thread exits: the last one ends the registration. */
static void ai_sched_probe_exit(void *data, struct task_struct *t)
{
	struct ai_sched_proc *p;
	bool kick = false;

	rcu_read_lock();
	p = ai_sched_current_proc(t);
	if (p) {
		if (!atomic_read(&t->signal->live)) {
			set_bit(AI_PEND_DEAD, &p->pending);
			kick = true;
		} else if (READ_ONCE(p->boosted)) {
			set_bit(AI_PEND_RESCAN, &p->pending);
			kick = true;
		}
	}
	rcu_read_unlock();
	if (kick)
		ai_sched_events_kick();
}

/* Exec of a set-id (or otherwise secure-exec) program ends a registration. */
static void ai_sched_probe_exec(void *data, struct task_struct *t,
				pid_t old_pid, struct linux_binprm *bprm)
{
	struct ai_sched_proc *p;
	bool kick = false;

	if (!bprm->secureexec)
		return;
	rcu_read_lock();
	p = ai_sched_current_proc(t);
	if (p) {
		set_bit(AI_PEND_END, &p->pending);
		kick = true;
	}
	rcu_read_unlock();
	if (kick)
		ai_sched_events_kick();
}

struct ai_sched_tp {
	const char *name;
	void *probe;
	struct tracepoint *tp;
};

static struct ai_sched_tp ai_sched_tps[] = {
	{ "task_newtask", ai_sched_probe_newtask },
	{ "sched_process_exit", ai_sched_probe_exit },
	{ "sched_process_exec", ai_sched_probe_exec },
};

static void ai_sched_tp_find(struct tracepoint *tp, void *priv)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ai_sched_tps); i++)
		if (!strcmp(tp->name, ai_sched_tps[i].name))
			ai_sched_tps[i].tp = tp;
}

void ai_sched_events_kick(void)
{
	if (READ_ONCE(ai_sched_events_on))
		schedule_work(&ai_sched_event_work);
}

void ai_sched_reeval_all(void)
{
	set_bit(0, &ai_sched_global_pending);
	ai_sched_events_kick();
}

static void ai_sched_event_fn(struct work_struct *work)
{
	struct ai_sched_proc *p;
	unsigned long idx, bits;
	bool all;
	u64 t0, dt;

	mutex_lock(&ai_sched_lock);
	t0 = ktime_get_ns();
	all = test_and_clear_bit(0, &ai_sched_global_pending);
	xa_for_each(&ai_sched_procs, idx, p) {
		bits = xchg(&p->pending, 0);
		if (bits & BIT(AI_PEND_END))
			ai_sched_proc_unregister(p);
		else if (bits || all)
			ai_sched_proc_update(p, bits & BIT(AI_PEND_RESCAN));
		cond_resched();
	}
	dt = ktime_get_ns() - t0;
	ev_runs++;
	ev_last_ns = dt;
	ev_max_ns = max(ev_max_ns, dt);
	ev_sum_ns += dt;
	mutex_unlock(&ai_sched_lock);
	if (all)
		ai_sched_stale_arm();
}

/* Arm the stale timer for the earliest fresh report, if there is one. */
void ai_sched_stale_arm(void)
{
	unsigned long delay;
	bool any;

	mutex_lock(&ai_sched_lock);
	delay = ai_sched_gpu_next_stale(&any);
	mutex_unlock(&ai_sched_lock);
	if (any && READ_ONCE(ai_sched_events_on))
		mod_delayed_work(system_wq, &ai_sched_stale_work, delay);
}

static void ai_sched_stale_fn(struct work_struct *work)
{
	bool fresh;

	mutex_lock(&ai_sched_lock);
	stale_runs++;
	fresh = ai_sched_gpu_expire();
	mutex_unlock(&ai_sched_lock);
	if (fresh)
		ai_sched_stale_arm();
}

void ai_sched_events_show(struct seq_file *m)
{
	lockdep_assert_held(&ai_sched_lock);
	seq_printf(m, "Events: runs %llu last_us %llu max_us %llu avg_us %llu stale_runs %llu\n",
		   ev_runs, div_u64(ev_last_ns, NSEC_PER_USEC),
		   div_u64(ev_max_ns, NSEC_PER_USEC),
		   ev_runs ? div64_u64(ev_sum_ns, ev_runs * NSEC_PER_USEC) : 0,
		   stale_runs);
}

int ai_sched_events_init(void)
{
	unsigned int i;
	int ret;

	for_each_kernel_tracepoint(ai_sched_tp_find, NULL);
	for (i = 0; i < ARRAY_SIZE(ai_sched_tps); i++) {
		if (!ai_sched_tps[i].tp) {
			pr_err("ai_sched: tracepoint %s not found\n",
			       ai_sched_tps[i].name);
			ret = -ENOENT;
			goto err_unregister;
		}
		ret = tracepoint_probe_register(ai_sched_tps[i].tp,
						ai_sched_tps[i].probe, NULL);
		if (ret)
			goto err_unregister;
	}
	WRITE_ONCE(ai_sched_events_on, true);
	return 0;

err_unregister:
	while (i--)
		tracepoint_probe_unregister(ai_sched_tps[i].tp,
					    ai_sched_tps[i].probe, NULL);
	tracepoint_synchronize_unregister();
	return ret;
}

/* No probe runs and no work is queued or running once this returns. */
void ai_sched_events_exit(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ai_sched_tps); i++)
		tracepoint_probe_unregister(ai_sched_tps[i].tp,
					    ai_sched_tps[i].probe, NULL);
	tracepoint_synchronize_unregister();
	WRITE_ONCE(ai_sched_events_on, false);
	cancel_work_sync(&ai_sched_event_work);
	cancel_delayed_work_sync(&ai_sched_stale_work);
}
