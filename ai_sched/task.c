// SPDX-License-Identifier: GPL-2.0
/*
 * The registered processes: boosting their threads, restoring them, and
 * noticing when they are gone.
 *
 * A boost is "min(own nice, boost nice)" for every thread. Each thread we
 * touch is remembered (struct ai_sched_thread) with the nice it had and the
 * nice we set; restore puts the old value back only if the thread still has
 * ours, so a change made by anyone else in the meantime wins. Records exist
 * only while the process is boosted: each new boost starts from the nice the
 * threads have at that moment.
 *
 * Threads are found by walking the thread group, on every boost and on every
 * tick while boosted, which is also how threads created later get boosted.
 * Boosted threads carry SCHED_RESET_ON_FORK, so what they fork starts at
 * nice 0 rather than with the boost: no child process ever leaves with it,
 * and a new thread has a nice of its own for its record. See docs.
 *
 * Exit: nothing to undo for a dead thread. We hold struct pid references,
 * so once the process is reaped pid_task() returns NULL for it (even if its
 * number is reused) and the tick drops the entry.
 */
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <uapi/linux/sched/types.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include "internal.h"

#define AI_SCHED_FEW_THREADS	16

/* Indexed by pid_nr() of the thread-group pid. Under ai_sched_lock. */
DEFINE_XARRAY(ai_sched_procs);
unsigned int ai_sched_nr_procs;

static void ai_sched_thread_free(struct ai_sched_proc *p, unsigned long tid,
				 struct ai_sched_thread *rec)
{
	xa_erase(&p->threads, tid);
	put_pid(rec->pid);
	kfree(rec);
}

/* Forget every thread record without touching the threads (they are dead). */
static void ai_sched_threads_forget(struct ai_sched_proc *p)
{
	struct ai_sched_thread *rec;
	unsigned long tid;

	xa_for_each(&p->threads, tid, rec)
		ai_sched_thread_free(p, tid, rec);
}

/*
 * Set a fair-class thread's nice and its reset-on-fork flag in one call.
 * With the flag set, anything the thread forks (thread or process) starts
 * at nice 0 instead of inheriting the boost: a child process never leaves
 * with our boost, and new threads are boosted by the walk on their own
 * record. Sleeps (scheduler locks, rt-mutex PI): never under RCU.
 */
static void ai_sched_set(struct task_struct *t, int nice, bool reset_on_fork)
{
	struct sched_attr attr = {
		.size		= sizeof(attr),
		.sched_policy	= t->policy,
		.sched_flags	= reset_on_fork ? SCHED_FLAG_RESET_ON_FORK : 0,
		.sched_nice	= nice,
	};

#ifdef AI_SCHED_HAVE_CUSTOM_SLICE
	/*
	 * Since 6.12 sched_runtime is a fair task's requested slice, and 0
	 * resets it to the default: keep one the application asked for.
	 */
	if (t->se.custom_slice)
		attr.sched_runtime = t->se.slice;
#endif

	/* Cannot fail for a fair policy with valid values and no checks. */
	sched_setattr_nocheck(t, &attr);
}

static bool ai_sched_fair(struct task_struct *t)
{
	return t->policy == SCHED_NORMAL || t->policy == SCHED_BATCH ||
	       t->policy == SCHED_IDLE;
}

/* Give every thread we boosted its own nice back, unless it was changed. */
static void ai_sched_threads_restore(struct ai_sched_proc *p)
{
	struct ai_sched_thread *rec;
	struct task_struct *t;
	unsigned long tid;

	xa_for_each(&p->threads, tid, rec) {
		t = rec->mode == AI_THR_UNTOUCHED ? NULL :
			get_pid_task(rec->pid, PIDTYPE_PID);
		if (t && ai_sched_fair(t)) {
			/*
			 * Our nice: back to its own. Someone else's: keep
			 * it, only drop the reset-on-fork flag we added.
			 */
			if (rec->mode == AI_THR_BOOSTED &&
			    task_nice(t) == rec->applied_nice)
				ai_sched_set(t, rec->orig_nice, rec->had_reset);
			else if (t->sched_reset_on_fork && !rec->had_reset)
				ai_sched_set(t, task_nice(t), false);
		}
		if (t)
			put_task_struct(t);
		ai_sched_thread_free(p, tid, rec);
	}
	p->boosted = false;
}

static struct ai_sched_thread *ai_sched_thread_new(struct ai_sched_proc *p,
						   struct task_struct *t)
{
	struct ai_sched_thread *rec;

	rec = kzalloc(sizeof(*rec), GFP_KERNEL);
	if (!rec)
		return NULL;
	rec->pid = get_pid(task_pid(t));
	rec->orig_nice = task_nice(t);
	rec->mode = AI_THR_UNTOUCHED;
	if (xa_err(xa_store(&p->threads, t->pid, rec, GFP_KERNEL))) {
		put_pid(rec->pid);
		kfree(rec);
		return NULL;
	}
	return rec;
}

/* One thread of a boosted process: record it, boost it if it needs it. */
static void ai_sched_thread_boost(struct ai_sched_proc *p,
				  struct task_struct *t)
{
	struct ai_sched_thread *rec;
	int nice = task_nice(t);

	rec = xa_load(&p->threads, t->pid);
	if (rec && rec->pid != task_pid(t)) {
		/* Its tid was reused by a new thread. */
		ai_sched_thread_free(p, t->pid, rec);
		rec = NULL;
	}
	if (!rec) {
		rec = ai_sched_thread_new(p, t);
		if (!rec)
			return;	/* the next tick tries again */
	}
	rec->seen = p->gen;

	if (rec->mode == AI_THR_BOOSTED && nice != rec->applied_nice)
		rec->mode = AI_THR_HANDS_OFF;
	if (rec->mode == AI_THR_UNTOUCHED && nice > p->boost_nice &&
	    ai_sched_fair(t)) {
		rec->orig_nice = nice;
		rec->had_reset = t->sched_reset_on_fork;
		rec->applied_nice = p->boost_nice;
		rec->mode = AI_THR_BOOSTED;
		ai_sched_set(t, p->boost_nice, true);
	}
}

/*
 * Bring every live thread to min(own nice, boost). The thread list is
 * walked under RCU, but changing a thread's scheduling attributes may sleep,
 * so the threads are pinned first and handled after. Threads born during
 * the walk wait for the next tick. Returns the number of threads handled.
 */
static unsigned int ai_sched_threads_boost(struct ai_sched_proc *p,
					   struct task_struct *leader)
{
	struct task_struct *few[AI_SCHED_FEW_THREADS], **tasks = few, *t;
	unsigned int n = 0, max = ARRAY_SIZE(few), i;
	struct ai_sched_thread *rec;
	unsigned long tid;

	/* Most feeders have a few threads: no allocation on the tick then. */
	if (get_nr_threads(leader) + 4 > max) {
		max = get_nr_threads(leader) + 4;
		tasks = kmalloc_array(max, sizeof(*tasks), GFP_KERNEL);
		if (!tasks)
			return 0;
	}
	rcu_read_lock();
	for_each_thread(leader, t) {
		if (n == max)
			break;
		if (t->exit_state)
			continue;
		get_task_struct(t);
		tasks[n++] = t;
	}
	rcu_read_unlock();

	p->gen++;
	for (i = 0; i < n; i++) {
		ai_sched_thread_boost(p, tasks[i]);
		put_task_struct(tasks[i]);
	}
	if (tasks != few)
		kfree(tasks);

	/* Threads that are gone (or not seen because the array was full). */
	if (n < max)
		xa_for_each(&p->threads, tid, rec)
			if (rec->seen != p->gen)
				ai_sched_thread_free(p, tid, rec);

	p->boosted = true;
	return n;
}

static bool ai_sched_want_boost(struct ai_sched_proc *p)
{
	switch (ai_sched_gpu_state(p->gpu)) {
	case AI_GPU_AVAILABLE:
		return true;
	case AI_GPU_SATURATED:
		return false;
	default:
		return READ_ONCE(ai_sched_unknown_boost);
	}
}

static void ai_sched_proc_free(struct ai_sched_proc *p)
{
	xa_erase(&ai_sched_procs, pid_nr(p->pid));
	ai_sched_nr_procs--;
	xa_destroy(&p->threads);
	put_pid(p->pid);
	kfree(p);
}

/*
 * Re-evaluate one process. Returns false, after freeing the entry, when the
 * process is gone. Adds the threads it walked to *nr_threads.
 */
static bool ai_sched_proc_update(struct ai_sched_proc *p,
				 unsigned int *nr_threads)
{
	struct task_struct *leader;

	leader = get_pid_task(p->pid, PIDTYPE_TGID);
	if (!leader) {
		ai_sched_threads_forget(p);
		ai_sched_proc_free(p);
		return false;
	}

	if (ai_sched_want_boost(p)) {
		if (!p->ag_moved)
			ai_sched_ag_detach(p, leader);
		*nr_threads += ai_sched_threads_boost(p, leader);
	} else {
		if (p->boosted)
			ai_sched_threads_restore(p);
		if (p->ag_moved)
			ai_sched_ag_restore(p, leader);
	}
	put_task_struct(leader);
	return true;
}

/* The entry for @pid, or NULL; a stale entry under the same number is freed. */
struct ai_sched_proc *ai_sched_proc_lookup(struct pid *pid)
{
	struct ai_sched_proc *p;

	lockdep_assert_held(&ai_sched_lock);
	p = xa_load(&ai_sched_procs, pid_nr(pid));
	if (p && p->pid != pid) {
		/*
		 * The number was freed and reused, so the old process is
		 * reaped: nothing of it is left to restore.
		 */
		ai_sched_threads_forget(p);
		ai_sched_proc_free(p);
		p = NULL;
	}
	return p;
}

int ai_sched_proc_register(struct pid *pid, int nice, unsigned int gpu)
{
	struct ai_sched_proc *p;
	unsigned int n = 0;
	int ret;

	lockdep_assert_held(&ai_sched_lock);
	p = ai_sched_proc_lookup(pid);
	if (p) {
		/* Registering again updates in place. */
		if (p->boosted && (p->boost_nice != nice || p->gpu != gpu))
			ai_sched_threads_restore(p);
		p->boost_nice = nice;
		p->gpu = gpu;
		ai_sched_proc_update(p, &n);
		return 0;
	}

	if (ai_sched_nr_procs >= READ_ONCE(ai_sched_max_tasks))
		return -ENOSPC;
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->pid = get_pid(pid);
	p->boost_nice = nice;
	p->gpu = gpu;
	xa_init(&p->threads);
	ret = xa_insert(&ai_sched_procs, pid_nr(pid), p, GFP_KERNEL);
	if (ret) {
		put_pid(p->pid);
		kfree(p);
		return ret;
	}
	ai_sched_nr_procs++;
	ai_sched_proc_update(p, &n);
	ai_sched_tick_kick();
	return 0;
}

/* Undo everything we did to a live process and forget it. */
void ai_sched_proc_unregister(struct ai_sched_proc *p)
{
	struct task_struct *leader;

	lockdep_assert_held(&ai_sched_lock);
	ai_sched_threads_restore(p);
	leader = get_pid_task(p->pid, PIDTYPE_TGID);
	if (leader) {
		ai_sched_ag_restore(p, leader);
		put_task_struct(leader);
	}
	ai_sched_proc_free(p);
}

/* Re-evaluate the processes of @gpu (all when < 0); drop the dead ones. */
void ai_sched_update_all(int gpu, unsigned int *nr_threads)
{
	struct ai_sched_proc *p;
	unsigned long idx;

	lockdep_assert_held(&ai_sched_lock);
	xa_for_each(&ai_sched_procs, idx, p)
		if (gpu < 0 || p->gpu == gpu)
			ai_sched_proc_update(p, nr_threads);
}

/* Module unload: every process back as it was, every entry freed. */
void ai_sched_release_all(void)
{
	struct ai_sched_proc *p;
	unsigned long idx;

	mutex_lock(&ai_sched_lock);
	xa_for_each(&ai_sched_procs, idx, p)
		ai_sched_proc_unregister(p);
	mutex_unlock(&ai_sched_lock);
	WARN_ON(ai_sched_nr_procs);
}

/*
 * What /proc shows for a process: its name (TASK_COMM_LEN bytes), the
 * leader's own and current nice, the
 * thread count and the CPU time of the whole group (live threads plus what
 * dead ones left in the signal struct). False if the process is gone.
 */
bool ai_sched_proc_task_view(struct ai_sched_proc *p, char *comm, int *orig,
			     int *cur, unsigned int *threads, u64 *cpu_ns)
{
	struct ai_sched_thread *rec;
	struct task_struct *leader, *t;
	u64 sum;

	lockdep_assert_held(&ai_sched_lock);
	rcu_read_lock();
	leader = pid_task(p->pid, PIDTYPE_TGID);
	if (!leader) {
		rcu_read_unlock();
		return false;
	}
	__get_task_comm(comm, TASK_COMM_LEN, leader);
	*cur = task_nice(leader);
	rec = p->boosted ? xa_load(&p->threads, leader->pid) : NULL;
	*orig = rec && rec->mode == AI_THR_BOOSTED ? rec->orig_nice : *cur;
	*threads = get_nr_threads(leader);
	sum = READ_ONCE(leader->signal->sum_sched_runtime);
	for_each_thread(leader, t)
		sum += READ_ONCE(t->se.sum_exec_runtime);
	*cpu_ns = sum;
	rcu_read_unlock();
	return true;
}
